import { z } from "zod";

interface ErrorSpec {
  status: number;
  retryable: boolean;
  message: string;
}

/**
 * The one catalogue of error codes. Codes are part of the public API: never rename one,
 * only add. Both the edge and the origin answer errors from here.
 */
export const ERRORS = {
  INVALID_VIDEO_REFERENCE: {
    status: 400,
    retryable: false,
    message: "That is not a YouTube video ID or a link to a YouTube video.",
  },
  INVALID_COLLECTION_REFERENCE: {
    status: 400,
    retryable: false,
    message: "That is not a YouTube playlist or channel, nor a link to one.",
  },
  INVALID_REQUEST: { status: 400, retryable: false, message: "The request is malformed." },
  INVALID_CALLBACK_URL: {
    status: 400,
    retryable: false,
    message: "The callback URL must be https, on port 443, to a public host.",
  },
  WEBHOOK_SECRET_REQUIRED: {
    status: 400,
    retryable: false,
    message: "This API key has no webhook secret yet: create one with POST /v1/webhooks/secret.",
  },
  NOT_FOUND: { status: 404, retryable: false, message: "No such resource." },
  VIDEO_UNAVAILABLE: { status: 404, retryable: false, message: "The video is unavailable." },
  VIDEO_PRIVATE: { status: 403, retryable: false, message: "The video is private." },
  AGE_RESTRICTED: {
    status: 403,
    retryable: false,
    message: "The video is age-restricted and needs a signed-in account.",
  },
  VIDEO_UNPLAYABLE: { status: 422, retryable: false, message: "YouTube will not play this video." },
  TRANSCRIPTS_DISABLED: { status: 404, retryable: false, message: "The video has no transcripts." },
  LANGUAGE_NOT_AVAILABLE: {
    status: 404,
    retryable: false,
    message: "No transcript in the requested languages.",
  },
  TRANSLATION_NOT_AVAILABLE: {
    status: 404,
    retryable: false,
    message: "The transcript cannot be translated into the requested language.",
  },
  BLOCKED_BY_YOUTUBE: {
    status: 503,
    retryable: true,
    message: "YouTube refused the request for now (bot check or rate limit). Try again later.",
  },
  UPSTREAM_TIMEOUT: { status: 504, retryable: true, message: "YouTube did not answer in time." },
  QUEUE_FULL: { status: 503, retryable: true, message: "The service is busy. Try again shortly." },
  UNAUTHORIZED: { status: 401, retryable: false, message: "A valid API key is required." },
  FORBIDDEN: { status: 403, retryable: false, message: "This API key may not be used." },
  RATE_LIMITED: { status: 429, retryable: true, message: "Too many requests. Slow down." },
  QUOTA_EXCEEDED: { status: 429, retryable: true, message: "The daily quota of this API key is used up." },
  TOO_MANY_PENDING: {
    status: 429,
    retryable: true,
    message: "This API key has too many transcripts being extracted. Wait for some to finish.",
  },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: "The request body is too large." },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, message: "This endpoint does not take that method." },
  /**
   * MCP tools only: the video's job was still running when the tool's wait ended. REST answers 202
   * with the job instead, so no HTTP answer carries this code; its status is what one would be.
   */
  EXTRACTION_PENDING: {
    status: 503,
    retryable: true,
    message: "The video is still being fetched from YouTube. Try again shortly.",
  },
  ORIGIN_UNAVAILABLE: {
    status: 503,
    retryable: true,
    message: "The transcript service is unavailable. Try again shortly.",
  },
  INTERNAL: { status: 500, retryable: true, message: "Something went wrong on our side." },
} as const satisfies Record<string, ErrorSpec>;

/**
 * How long a retryable failure tells the client to wait when nothing more precise is known (such as
 * YouTube's own Retry-After): the origin's Retry-After on such answers, which the edge passes on as
 * details.retryAfterSeconds, and the edge's for a job that failed so.
 */
export const RETRY_AFTER_SECONDS = 5;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryable: z.boolean(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  requestId: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error with a catalogue code; thrown anywhere, turned into the JSON error shape at the boundary. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, options: { message?: string; details?: Record<string, unknown> } = {}) {
    super(options.message ?? ERRORS[code].message);
    this.name = "ApiError";
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get retryable(): boolean {
    return ERRORS[this.code].retryable;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERRORS, value);
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.details ? { details: error.details } : {}),
    },
    requestId,
  };
}
