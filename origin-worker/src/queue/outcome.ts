import { ApiError, isErrorCode, type LanguageList, type Transcript } from "@ytt/shared";

export type WorkResult = Transcript | LanguageList;

/** How a job ended, in the shape the result store keeps and the API answers from. */
export type Outcome =
  | { ok: true; value: WorkResult }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/**
 * A failure travels through BullMQ as the error message (failedReason), so it is JSON carrying the
 * catalogue code: the API rebuilds the exact error body from it.
 */
export function encodeFailure(error: ApiError): string {
  return JSON.stringify({
    code: error.code,
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
  });
}

/** The ApiError a failedReason stands for; anything not written by encodeFailure is an internal error. */
export function decodeFailure(failedReason: string | undefined): ApiError {
  try {
    const parsed = JSON.parse(failedReason ?? "") as { code?: unknown; message?: unknown; details?: unknown };
    if (isErrorCode(parsed.code)) {
      return new ApiError(parsed.code, {
        ...(typeof parsed.message === "string" ? { message: parsed.message } : {}),
        ...(parsed.details && typeof parsed.details === "object"
          ? { details: parsed.details as Record<string, unknown> }
          : {}),
      });
    }
  } catch {
    // not ours: e.g. BullMQ's own "job stalled more than allowable limit"
  }
  return new ApiError("INTERNAL", { details: { cause: "job" } });
}

export function failureOutcome(error: ApiError): Outcome {
  return {
    ok: false,
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

export function outcomeError(outcome: Extract<Outcome, { ok: false }>): ApiError {
  return decodeFailure(JSON.stringify(outcome.error));
}
