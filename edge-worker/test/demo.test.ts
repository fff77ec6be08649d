import { env as bindings } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../src/auth/keys.js";
import {
  awaitFreshLimiterWindow,
  type CallOptions,
  call,
  errorOf,
  randomIp,
  randomIpv6Network,
  videoId,
  WORKER_ORIGIN,
} from "./support/worker.js";

// DEMO_LIMITER in wrangler.jsonc: 30 requests per minute per client address.
const DEMO_PER_IP = 30;

/** What a browser sends with the page's own fetches: a same-origin GET carries no Origin. */
const FROM_PAGE = { "Sec-Fetch-Site": "same-origin" };

/** Vars that turn the demo key on; each test its own key, so the shared daily budgets do not mix. */
function demoEnv(overrides: Record<string, string> = {}) {
  const key = generateApiKey("live");
  return { key, env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: key, ...overrides } as Partial<Env> };
}

/** A transcript request with the demo key, from the page unless `headers` say otherwise. */
function lookup(options: CallOptions & { key: string }) {
  return call(`/v1/transcripts/${videoId("ok")}`, { headers: FROM_PAGE, ...options });
}

describe("demo key", () => {
  it("is neither served nor accepted while DEMO_KEY_ENABLED is false", async () => {
    const { key, env } = demoEnv({ DEMO_KEY_ENABLED: "false" });
    const served = await call("/demo-key", { env, headers: FROM_PAGE });
    expect(served.status).toBe(404);
    expect((await errorOf(served)).code).toBe("NOT_FOUND");
    expect((await lookup({ key, env })).status).toBe(401);
  });

  it("is served to the page and accepted from it as plan demo with its own daily budget", async () => {
    const { key, env } = demoEnv({ QUOTA_DEMO_PER_DAY: "2" });
    const served = await call("/demo-key", { env, headers: FROM_PAGE });
    expect(served.status).toBe(200);
    expect(served.headers.get("Cache-Control")).toBe("no-store");
    expect(await served.json()).toEqual({ key, plan: "demo", dailyLimit: 2 });

    const first = await lookup({ key, env });
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Limit")).toBe("2");
    // A POST from the page carries its Origin instead.
    expect((await lookup({ key, env, headers: { Origin: WORKER_ORIGIN } })).status).toBe(200);
    const over = await lookup({ key, env });
    expect(over.status).toBe(429);
    expect(await errorOf(over)).toMatchObject({ code: "QUOTA_EXCEEDED", details: { scope: "key" } });
  });

  it("is neither handed out nor accepted anywhere but the page's own origin", async () => {
    const { key, env } = demoEnv();
    const elsewhere: [string, Record<string, string>][] = [
      ["another site", { Origin: "https://other.example" }],
      ["another site, Origin wins over Sec-Fetch-Site", { Origin: "https://other.example", ...FROM_PAGE }],
      ["another port", { Origin: "https://edge.test:8443" }],
      ["plain http", { Origin: "http://edge.test" }],
      ["a sandboxed frame", { Origin: "null" }],
      ["a sibling subdomain", { "Sec-Fetch-Site": "same-site" }],
      ["a cross-site fetch", { "Sec-Fetch-Site": "cross-site" }],
      ["no browser at all", {}],
    ];
    for (const [name, headers] of elsewhere) {
      const served = await call("/demo-key", { env, headers });
      expect(served.status, name).toBe(403);
      expect(await errorOf(served), name).toMatchObject({
        code: "FORBIDDEN",
        details: { reason: "demo-key-other-origin" },
      });
      expect(served.headers.get("Access-Control-Allow-Origin"), name).toBeNull();
      const used = await lookup({ key, env, headers });
      expect(used.status, name).toBe(403);
      expect(await errorOf(used), name).toMatchObject({
        code: "FORBIDDEN",
        details: { reason: "demo-key-other-origin" },
      });
    }
    // Nor may another site read /demo-key through CORS.
    const preflight = await call("/demo-key", {
      env,
      method: "OPTIONS",
      headers: { Origin: "https://other.example", "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
    // The refusals spent nothing of the shared budget.
    const budget = await bindings.QUOTA.getByName(await hashApiKey(key)).consume(0, 1000);
    expect(budget.remaining).toBe(1000);
  });

  it("does not make batch requests, and the refusal costs nothing", async () => {
    const { key, env } = demoEnv();
    const ip = randomIp();
    const res = await call("/v1/batch", {
      key,
      env,
      ip,
      method: "POST",
      headers: { Origin: WORKER_ORIGIN, "Content-Type": "application/json" },
      body: JSON.stringify({ items: Array.from({ length: 50 }, () => ({ video: videoId("ok") })) }),
    });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "FORBIDDEN", details: { reason: "demo-key-route" } });
    const budget = await bindings.QUOTA.getByName(await hashApiKey(key)).consume(0, 1000);
    expect(budget.remaining).toBe(1000);
    expect((await lookup({ key, env, ip })).headers.get("RateLimit-Remaining")).toBe("99");
  });

  it("gives each address, an IPv6 /64 counted as one, its own daily share of the budget", async () => {
    const { key, env } = demoEnv({ QUOTA_DEMO_PER_IP_PER_DAY: "3", QUOTA_DEMO_PER_DAY: "10" });
    const network = randomIpv6Network();
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await lookup({ key, env, ip: network.address(i) });
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("RateLimit-Remaining"));
    }
    // The headers show the tighter of the two quotas: the address's own.
    expect(remaining).toEqual(["2", "1", "0"]);
    const over = await lookup({ key, env, ip: network.address(3) });
    expect(over.status).toBe(429);
    expect(await errorOf(over)).toMatchObject({ code: "QUOTA_EXCEEDED", details: { scope: "ip", limit: 3 } });
    expect(over.headers.get("RateLimit-Limit")).toBe("3");
    expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
    // The refusal spent nothing of everyone's budget: 7 of 10 are left for other addresses.
    const other = await lookup({ key, env, ip: randomIp() });
    expect(other.status).toBe(200);
    const budget = await bindings.QUOTA.getByName(await hashApiKey(key)).consume(0, 10);
    expect(budget.remaining).toBe(6);
  });

  it("limits bursts per client address (an IPv6 /64), not per key, since everyone shares it", async () => {
    const { key, env } = demoEnv();
    const network = randomIpv6Network();
    await awaitFreshLimiterWindow();
    for (let i = 0; i < DEMO_PER_IP; i++) {
      expect((await lookup({ key, env, ip: network.address(i) })).status).toBe(200);
    }
    const refused = await lookup({ key, env, ip: network.address(DEMO_PER_IP) });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: "RATE_LIMITED", details: { scope: "key" } });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another visitor with the same demo key is not affected.
    expect((await lookup({ key, env, ip: randomIp() })).status).toBe(200);
  });

  it("refuses to start without a well-formed DEMO_KEY or per-address quota", async () => {
    const broken: Partial<Env>[] = [
      { DEMO_KEY_ENABLED: "true", DEMO_KEY: "short" },
      { QUOTA_DEMO_PER_IP_PER_DAY: "-1" },
      { QUOTA_DEMO_PER_IP_PER_DAY: "lots" },
    ];
    for (const env of broken) {
      const res = await call("/health", { env });
      expect(res.status).toBe(500);
      expect((await errorOf(res)).code).toBe("INTERNAL");
    }
  });
});
