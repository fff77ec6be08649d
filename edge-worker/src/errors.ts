import { ApiError, errorBody } from "@ytt/shared";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app-env.js";

/** An ApiError that tells the client when to come back; the number lands in Retry-After and in details. */
export function retryableError(
  code: "RATE_LIMITED" | "QUOTA_EXCEEDED" | "ORIGIN_UNAVAILABLE",
  retryAfterSeconds: number,
  details: Record<string, unknown> = {},
): ApiError {
  return new ApiError(code, { details: { ...details, retryAfterSeconds } });
}

export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") headers["Retry-After"] = String(Math.max(1, Math.ceil(retryAfter)));
  // The per-minute limiters expose no counts; a refusal still says "none left until the window ends".
  if (error.code === "RATE_LIMITED" && headers["Retry-After"]) {
    headers["RateLimit-Remaining"] = "0";
    headers["RateLimit-Reset"] = headers["Retry-After"];
  }
  return c.json(
    errorBody(error, c.get("requestId") ?? "unknown"),
    error.status as ContentfulStatusCode,
    headers,
  );
}

/** Hono's own HTTP exceptions (malformed JSON, oversized bodies...) mapped onto the catalogue. */
function fromHttpException(e: HTTPException): ApiError {
  if (e.status === 401) return new ApiError("UNAUTHORIZED");
  if (e.status === 404) return new ApiError("NOT_FOUND");
  if (e.status >= 400 && e.status < 500)
    return new ApiError("INVALID_REQUEST", { message: e.message || undefined });
  return new ApiError("INTERNAL");
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException) return errorResponse(c, fromHttpException(err));
  // Unexpected: log the message (never request headers, which carry keys) and answer the catalogue's INTERNAL.
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: String(err) }));
  return errorResponse(c, new ApiError("INTERNAL"));
};

export const notFound: NotFoundHandler<AppEnv> = (c) => errorResponse(c, new ApiError("NOT_FOUND"));
