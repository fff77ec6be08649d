import { ApiError, isErrorCode, type LanguageList, type Transcript } from "@ytt/shared";

export type WorkResult = Transcript | LanguageList;

/** How a job ended, in the shape the result store keeps and the API answers from. */
export type Outcome =
  | { ok: true; value: WorkResult }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** Which part of ours failed, for an INTERNAL error: the one detail clients get of it. */
const INTERNAL_CAUSE = /^[a-z]{1,20}$/;

/**
 * The details a client may see. An INTERNAL error's details are ours (route reasons carrying
 * puppeteer, Chromium or network messages): they go to the worker's log with the request id, and
 * the client gets only the cause's one word. Other codes' details say what YouTube or the request did.
 */
function clientDetails(error: ApiError): Record<string, unknown> | undefined {
  if (error.code !== "INTERNAL") return error.details;
  const cause = error.details?.cause;
  return typeof cause === "string" && INTERNAL_CAUSE.test(cause) ? { cause } : undefined;
}

/**
 * A failure travels through BullMQ as the error message (failedReason), so it is JSON carrying the
 * catalogue code: the API rebuilds the exact error body from it.
 */
export function encodeFailure(error: ApiError): string {
  return JSON.stringify(failureOutcome(error).error);
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

export function failureOutcome(error: ApiError): Extract<Outcome, { ok: false }> {
  const details = clientDetails(error);
  return { ok: false, error: { code: error.code, message: error.message, ...(details ? { details } : {}) } };
}

export function outcomeError(outcome: Extract<Outcome, { ok: false }>): ApiError {
  return decodeFailure(JSON.stringify(outcome.error));
}
