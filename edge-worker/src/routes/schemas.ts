import { z } from "@hono/zod-openapi";
import {
  BatchRequestSchema,
  ERROR_CODES,
  ERRORS,
  ErrorBodySchema,
  type ErrorCode,
  JobBodySchema,
  LanguageListSchema,
  TranscriptFormatSchema,
  TranscriptQuerySchema,
  TranscriptSchema,
} from "@ytt/shared";
import { JOB_TOKEN } from "../forward/job-token.js";

/** The same zod schemas validate requests and generate /openapi.json. */

// Named, so the document defines each body once and generated clients get these names. Zod's own
// .meta, not .openapi: shared's schemas may be built before @hono/zod-openapi extends zod.
export const Transcript = TranscriptSchema.meta({ id: "Transcript" });
export const LanguageList = LanguageListSchema.meta({ id: "LanguageList" });
export const JobBody = JobBodySchema.meta({ id: "JobBody" });
export const ErrorBody = ErrorBodySchema.meta({ id: "ErrorBody" });
export const BatchRequest = BatchRequestSchema.meta({
  id: "BatchRequest",
  example: { items: [{ video: "dQw4w9WgXcQ", lang: "en" }, { video: "https://youtu.be/jNQXAC9IVRw" }] },
});

export const VideoParamSchema = z.object({
  video: z.string().openapi({
    param: { name: "video", in: "path" },
    description: "A video ID or any YouTube link form, URL-encoded.",
    example: "dQw4w9WgXcQ",
  }),
});

export const UrlQuerySchema = z.object({
  url: z
    .string()
    .min(1)
    .max(4096)
    .openapi({ description: "A YouTube link or video ID.", example: "https://youtu.be/dQw4w9WgXcQ" }),
});

export const TranscriptOptionsSchema = TranscriptQuerySchema.extend({
  format: TranscriptFormatSchema.optional().openapi({
    description: "Response format; without it the Accept header decides (default json).",
  }),
  timestamps: z.enum(["true", "false"]).optional().openapi({
    description:
      "format=text: prefix each line with its start time; format=markdown: start each paragraph with its time, linked to that moment of the video.",
  }),
});

/**
 * The languages route takes no options: the list does not depend on any. An object schema keeps
 * unknown parameters (tracking tags, stray transcript options) out of the request, the cache key
 * and the origin call; the `?url=` twin adds its validated `url`.
 */
export const LanguagesQuerySchema = z.object({});

export const JobParamSchema = z.object({
  id: z
    .string()
    .regex(JOB_TOKEN, "not a job token")
    .openapi({
      param: { name: "id", in: "path" },
      description: "The job token of a 202 answer (its job.id), valid for the key it was given to.",
      // Well-formed, yet no key's: the example call answers NOT_FOUND.
      example: "t.5d41402abc4b2a76b9719d911017c592.mfx2k1.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE",
    }),
});

/** Routes under /v1 need an API key, sent either way. */
export const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }];

export const BatchResult = z
  .object({
    items: z.array(
      z.object({
        status: z.number().int(),
        body: z.union([Transcript, JobBody, ErrorBody]),
        cache: z.enum(["HIT", "MISS", "STALE"]).optional(),
      }),
    ),
  })
  .meta({ id: "BatchResult" });

/** What any route under /v1 may refuse with before its own work: validation, the key, the limits, ourselves. */
export const KEYED_ERRORS = [
  "INVALID_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "INTERNAL",
] as const satisfies readonly ErrorCode[];

/** A GET the origin may answer: its codes pass through, so every code but the body limit (there is no body). */
export const ORIGIN_GET_ERRORS = ERROR_CODES.filter((code) => code !== "PAYLOAD_TOO_LARGE");

/**
 * An operation's error answers, one per status, each naming the catalogue codes it may carry: the
 * statuses and messages come from the catalogue, so the document cannot drift from it.
 */
export function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  const responses: Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorBody } } }
  > = {};
  for (const [status, those] of byStatus) {
    responses[status] = {
      description: those.map((code) => `${code}: ${ERRORS[code].message}`).join(" "),
      content: { "application/json": { schema: ErrorBody } },
    };
  }
  return responses;
}

export const transcriptContent = {
  "application/json": { schema: Transcript },
  "text/plain": { schema: z.string() },
  "application/x-subrip": { schema: z.string() },
  "text/vtt": { schema: z.string() },
  "text/markdown": { schema: z.string() },
};
