import { describe, expect, it } from "vitest";
import { ApiError, ERROR_CODES, ERRORS, ErrorBodySchema, errorBody, isErrorCode } from "../src/errors.js";

describe("error catalogue", () => {
  it("gives every code a 4xx/5xx status and a message", () => {
    for (const code of ERROR_CODES) {
      const spec = ERRORS[code];
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(spec.message.length, code).toBeGreaterThan(10);
    }
  });

  it("marks only the failures a retry can cure as retryable", () => {
    expect(ERRORS.BLOCKED_BY_YOUTUBE.retryable).toBe(true);
    expect(ERRORS.UPSTREAM_TIMEOUT.retryable).toBe(true);
    expect(ERRORS.TRANSCRIPTS_DISABLED.retryable).toBe(false);
    expect(ERRORS.VIDEO_UNAVAILABLE.retryable).toBe(false);
    expect(ERRORS.LANGUAGE_NOT_AVAILABLE.retryable).toBe(false);
  });

  it("renders the JSON error shape with details", () => {
    const err = new ApiError("LANGUAGE_NOT_AVAILABLE", { details: { available: ["de", "en"] } });
    const body = errorBody(err, "req-1");
    expect(ErrorBodySchema.parse(body)).toEqual({
      error: {
        code: "LANGUAGE_NOT_AVAILABLE",
        message: ERRORS.LANGUAGE_NOT_AVAILABLE.message,
        retryable: false,
        details: { available: ["de", "en"] },
      },
      requestId: "req-1",
    });
    expect(err.status).toBe(404);
  });

  it("recognises codes without trusting the prototype", () => {
    expect(isErrorCode("QUEUE_FULL")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode("__proto__")).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
