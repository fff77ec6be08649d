import { ApiError } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { encodeFailure } from "../../src/queue/outcome.js";
import { MAX_RETRY_DELAY_MS, retryDelay } from "../../src/worker/retry.js";

const failure = (code: "UPSTREAM_TIMEOUT" | "BLOCKED_BY_YOUTUBE") =>
  new Error(encodeFailure(new ApiError(code)));

describe("retry back-off", () => {
  it("doubles per attempt, between half and all of the ceiling", () => {
    const timeout = failure("UPSTREAM_TIMEOUT");
    expect([1, 2, 3].map((n) => retryDelay(n, 1000, timeout, () => 0))).toEqual([500, 1000, 2000]);
    expect([1, 2, 3].map((n) => retryDelay(n, 1000, timeout, () => 1))).toEqual([1000, 2000, 4000]);
  });

  it("spreads jobs that failed together", () => {
    const delays = new Set(
      Array.from({ length: 50 }, () => retryDelay(2, 1000, failure("UPSTREAM_TIMEOUT"))),
    );
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(1000);
  });

  it("waits longer after a block, and never longer than the cap", () => {
    expect(retryDelay(1, 1000, failure("BLOCKED_BY_YOUTUBE"), () => 1)).toBe(4000);
    expect(retryDelay(30, 1000, failure("BLOCKED_BY_YOUTUBE"), () => 1)).toBe(MAX_RETRY_DELAY_MS);
  });
});
