import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { BURST_LIMITS, LIMITER_PERIOD_SECONDS } from "../../src/rate-limit/limits.js";
import { PACKAGE_DIR } from "../support/wrangler-dev.js";

interface Limiter {
  name: string;
  simple: { limit: number; period: number };
}

describe("the limits the Worker states (GET /v1/usage, Retry-After)", () => {
  // wrangler.jsonc is JSON with comments, which TypeScript's tsconfig reader parses.
  const file = join(PACKAGE_DIR, "wrangler.jsonc");
  const { config, error } = ts.parseConfigFileTextToJson(file, readFileSync(file, "utf8"));
  const limiters = new Map((config.ratelimits as Limiter[]).map((l) => [l.name, l.simple]));

  it("are the rate-limiting bindings' own, which the Worker cannot read from them", () => {
    expect(error).toBeUndefined();
    expect(limiters.get("BURST_LIMITER")?.limit).toBe(BURST_LIMITS.key);
    expect(limiters.get("DEMO_LIMITER")?.limit).toBe(BURST_LIMITS.demo);
    for (const simple of limiters.values()) expect(simple.period).toBe(LIMITER_PERIOD_SECONDS);
  });
});
