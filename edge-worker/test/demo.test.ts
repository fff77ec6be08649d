import { describe, expect, it } from "vitest";
import { generateApiKey } from "../src/auth/keys.js";
import { awaitFreshLimiterWindow, call, errorOf, randomIp, videoId } from "./support/worker.js";

// DEMO_LIMITER in wrangler.jsonc: 30 requests per minute per client IP.
const DEMO_PER_IP = 30;

/** Vars that turn the demo key on; each test its own key, so the shared daily budgets do not mix. */
function demoEnv(overrides: Record<string, string> = {}) {
  const key = generateApiKey("live");
  return { key, env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: key, ...overrides } as Partial<Env> };
}

describe("demo key", () => {
  it("is neither served nor accepted while DEMO_KEY_ENABLED is false", async () => {
    const { key, env } = demoEnv({ DEMO_KEY_ENABLED: "false" });
    const served = await call("/demo-key", { env });
    expect(served.status).toBe(404);
    expect((await errorOf(served)).code).toBe("NOT_FOUND");
    const used = await call(`/v1/transcripts/${videoId("ok")}`, { key, env });
    expect(used.status).toBe(401);
  });

  it("is served to the page and accepted as plan demo with its own daily budget", async () => {
    const { key, env } = demoEnv({ QUOTA_DEMO_PER_DAY: "2" });
    const served = await call("/demo-key", { env });
    expect(served.status).toBe(200);
    expect(served.headers.get("Cache-Control")).toBe("no-store");
    expect(await served.json()).toEqual({ key, plan: "demo", dailyLimit: 2 });

    const first = await call(`/v1/transcripts/${videoId("ok")}`, { key, env });
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Limit")).toBe("2");
    expect((await call(`/v1/transcripts/${videoId("ok")}`, { key, env })).status).toBe(200);
    const over = await call(`/v1/transcripts/${videoId("ok")}`, { key, env });
    expect(over.status).toBe(429);
    expect((await errorOf(over)).code).toBe("QUOTA_EXCEEDED");
  });

  it("limits bursts per client IP, not per key, since everyone shares it", async () => {
    const { key, env } = demoEnv();
    const ip = randomIp();
    await awaitFreshLimiterWindow();
    for (let i = 0; i < DEMO_PER_IP; i++) {
      expect((await call(`/v1/transcripts/${videoId("ok")}`, { key, env, ip })).status).toBe(200);
    }
    const refused = await call(`/v1/transcripts/${videoId("ok")}`, { key, env, ip });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: "RATE_LIMITED", details: { scope: "key" } });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another visitor with the same demo key is not affected.
    expect((await call(`/v1/transcripts/${videoId("ok")}`, { key, env, ip: randomIp() })).status).toBe(200);
  });

  it("refuses to start enabled without a well-formed DEMO_KEY", async () => {
    const res = await call("/health", {
      env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: "short" } as Partial<Env>,
    });
    expect(res.status).toBe(500);
    expect((await errorOf(res)).code).toBe("INTERNAL");
  });
});
