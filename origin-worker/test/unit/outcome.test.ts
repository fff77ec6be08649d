import { ApiError } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { decodeFailure, encodeFailure } from "../../src/queue/outcome.js";

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

  it("turns anything else into INTERNAL", () => {
    for (const reason of [undefined, "job stalled more than allowable limit", '{"code":"NOPE"}', "[]"]) {
      expect(decodeFailure(reason).code).toBe("INTERNAL");
    }
  });
});
