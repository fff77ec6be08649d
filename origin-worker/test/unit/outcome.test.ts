import { ApiError } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { decodeFailure, encodeFailure, failureOutcome } from "../../src/queue/outcome.js";

describe("failures through BullMQ's failedReason", () => {
  it("round-trips code, message and details", () => {
    const error = new ApiError("LANGUAGE_NOT_AVAILABLE", { details: { available: ["de", "fr"] } });
    const back = decodeFailure(encodeFailure(error));
    expect(back).toMatchObject({
      code: "LANGUAGE_NOT_AVAILABLE",
      message: error.message,
      details: { available: ["de", "fr"] },
    });
    expect(back.status).toBe(404);
  });

  it("gives clients one word of an INTERNAL error's details, never our messages", () => {
    const error = new ApiError("INTERNAL", {
      details: {
        cause: "extraction",
        routes: [{ route: "player-page", reason: "Protocol error (Page.navigate): Target closed" }],
      },
    });
    const encoded = encodeFailure(error);
    expect(encoded).not.toContain("Protocol error");
    expect(decodeFailure(encoded).details).toEqual({ cause: "extraction" });
    expect(failureOutcome(error).error.details).toEqual({ cause: "extraction" });
    const odd = new ApiError("INTERNAL", { details: { cause: "TypeError: fetch failed at 10.0.0.7" } });
    expect(failureOutcome(odd).error).not.toHaveProperty("details");
    // A refusal by YouTube keeps its reason: clients are told exactly why.
    const blocked = new ApiError("BLOCKED_BY_YOUTUBE", {
      details: { reason: "Sign in to confirm you're not a bot" },
    });
    expect(decodeFailure(encodeFailure(blocked)).details).toEqual(blocked.details);
  });

  it("turns anything else into INTERNAL", () => {
    for (const reason of [undefined, "job stalled more than allowable limit", '{"code":"NOPE"}', "[]"]) {
      expect(decodeFailure(reason).code).toBe("INTERNAL");
    }
  });
});
