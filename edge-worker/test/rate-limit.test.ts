import { env as bindings } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../src/auth/keys.js";
import {
  awaitFreshLimiterWindow,
  call,
  createKey,
  errorOf,
  randomIp,
  randomIpv6Network,
  videoId,
} from "./support/worker.js";

// Limits configured in wrangler.jsonc: BURST_LIMITER 60/min per key, IP_LIMITER 120/min per IP.
const BURST = 60;
const PER_IP = 120;

describe("daily quota (Durable Object, exact)", () => {
  it("counts down in the RateLimit headers and refuses with QUOTA_EXCEEDED + Retry-After", async () => {
    const key = await createKey();
    const quota = { QUOTA_FREE_PER_DAY: "3" };
    const remaining: (string | null)[] = [];
    // Distinct videos: each is origin work, which is what the quota counts.
    for (let i = 0; i < 3; i++) {
      const res = await call(`/v1/transcripts/${videoId("ok")}`, { key, env: quota });
      expect(res.status).toBe(200);
      expect(res.headers.get("RateLimit-Limit")).toBe("3");
      expect(res.headers.get("RateLimit-Policy")).toBe("3;w=86400");
      remaining.push(res.headers.get("RateLimit-Remaining"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const refused = await call(`/v1/transcripts/${videoId("ok")}`, { key, env: quota });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Cache-Control")).toBe("no-store");
    const reset = Number(refused.headers.get("RateLimit-Reset"));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(86_400);
    expect(Number(refused.headers.get("Retry-After"))).toBe(reset);
    expect(refused.headers.get("RateLimit-Remaining")).toBe("0");
    expect((await errorOf(refused)).code).toBe("QUOTA_EXCEEDED");
  });

  it("counts each batch item, and refuses a batch that does not fit as a whole", async () => {
    const key = await createKey();
    const quota = { QUOTA_FREE_PER_DAY: "4" };
    const batch = (n: number) =>
      call("/v1/batch", {
        key,
        env: quota,
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ items: Array.from({ length: n }, () => ({ video: videoId("ok") })) }),
      });
    const first = await batch(3);
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Remaining")).toBe("1");
    const tooBig = await batch(2);
    expect(tooBig.status).toBe(429);
    expect((await errorOf(tooBig)).code).toBe("QUOTA_EXCEEDED");
    expect((await batch(1)).headers.get("RateLimit-Remaining")).toBe("0");
  });

  it("keeps separate counts per key and per plan", async () => {
    const free = await createKey("free");
    const pro = await createKey("pro");
    const env = { QUOTA_FREE_PER_DAY: "1", QUOTA_PRO_PER_DAY: "5" };
    const path = () => `/v1/transcripts/${videoId("ok")}`;
    expect((await call(path(), { key: free, env })).status).toBe(200);
    expect((await call(path(), { key: free, env })).status).toBe(429);
    const proAnswer = await call(path(), { key: pro, env });
    expect(proAnswer.status).toBe(200);
    expect(proAnswer.headers.get("RateLimit-Remaining")).toBe("4");
  });

  it("charges only origin work: cache hits and 304s spend none and carry no RateLimit-* headers", async () => {
    const key = await createKey();
    const env = { QUOTA_FREE_PER_DAY: "1" };
    const path = `/v1/transcripts/${videoId("ok")}`;
    const miss = await call(path, { key, env });
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    expect(miss.headers.get("RateLimit-Remaining")).toBe("0");
    const etag = miss.headers.get("ETag") ?? "";
    const again: Record<string, string>[] = [{}, { "If-None-Match": etag }, { Accept: "text/plain" }];
    for (const headers of again) {
      const hit = await call(path, { key, env, headers });
      expect(hit.status).toBeLessThan(400);
      expect(hit.headers.get("X-Cache")).toBe("HIT");
      expect(hit.headers.get("RateLimit-Remaining")).toBeNull();
    }
    const quota = await bindings.QUOTA.getByName(await hashApiKey(key)).consume(0, 1);
    expect(quota.remaining).toBe(0);
  });
});

describe("burst limit (rate-limiting binding, per key)", () => {
  it("refuses past the burst with RATE_LIMITED: a cache hit by its key's previous verdict, without waiting for its own", async () => {
    const key = await createKey("pro");
    const path = `/v1/transcripts/${videoId("ok")}`;
    await awaitFreshLimiterWindow();
    const statuses: number[] = [];
    const caches: (string | null)[] = [];
    for (let i = 0; i < BURST; i++) {
      const res = await call(path, { key });
      statuses.push(res.status);
      caches.push(res.headers.get("X-Cache"));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(caches.filter((c) => c === "HIT").length).toBe(BURST - 1);
    // The hit past the burst is answered before its own check returns; that check refuses the next one.
    const last = await call(path, { key });
    expect(last.status).toBe(200);
    expect(last.headers.get("X-Cache")).toBe("HIT");
    const refused = await call(path, { key });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(refused.headers.get("RateLimit-Remaining")).toBe("0");
    expect(refused.headers.get("RateLimit-Reset")).toBe("60");
    expect((await errorOf(refused)).code).toBe("RATE_LIMITED");
    // Only the first request (the miss) spent quota: hits and the refusal spent none.
    const quota = await bindings.QUOTA.getByName(await hashApiKey(key)).consume(0, 1000);
    expect(quota.remaining).toBe(999);
    // Another key is unaffected.
    expect((await call(path, { key: await createKey("pro") })).status).toBe(200);
  });

  it("refuses origin work past the burst on its own verdict, before spending quota", async () => {
    const key = await createKey("pro");
    await awaitFreshLimiterWindow();
    const hit = `/v1/transcripts/${videoId("ok")}`;
    for (let i = 0; i < BURST; i++) expect((await call(hit, { key })).status).toBe(200);
    // The 61st request is a miss: it waits for its own check rather than its predecessor's (which said yes).
    const miss = await call(`/v1/transcripts/${videoId("ok")}`, { key });
    expect(miss.status).toBe(429);
    expect((await errorOf(miss)).code).toBe("RATE_LIMITED");
    const quota = await bindings.QUOTA.getByName(await hashApiKey(key)).consume(0, 1000);
    expect(quota.remaining).toBe(999);
  });
});

describe("per-IP limit (before auth)", () => {
  const guess = `ytt_live_${"g".repeat(40)}`;
  const path = "/v1/transcripts/dQw4w9WgXcQ";

  it("slows key guessing from one address without touching other addresses", async () => {
    const ip = randomIp();
    await awaitFreshLimiterWindow();
    for (let i = 0; i < PER_IP; i++) {
      expect((await call(path, { key: guess, ip })).status).toBe(401);
    }
    const refused = await call(path, { key: guess, ip });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect((await errorOf(refused)).code).toBe("RATE_LIMITED");
    expect((await call(path, { key: guess })).status).toBe(401);
    // What the address can still reach: its own valid key skips the per-IP limiter (its burst limit
    // applies instead); the shared demo key, which anyone can present, does not.
    const transcript = `/v1/transcripts/${videoId("ok")}`;
    expect((await call(transcript, { key: await createKey(), ip })).status).toBe(200);
    const demoKey = generateApiKey("live");
    const demo = await call(transcript, {
      key: demoKey,
      ip,
      env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: demoKey },
      headers: { "Sec-Fetch-Site": "same-origin" },
    });
    expect(demo.status).toBe(429);
  });

  it("counts an IPv6 /64 as one address: rotating through it buys nothing", async () => {
    const network = randomIpv6Network();
    await awaitFreshLimiterWindow();
    for (let i = 0; i < PER_IP; i++) {
      expect((await call(path, { key: guess, ip: network.address(i) })).status).toBe(401);
    }
    const refused = await call(path, { key: guess, ip: network.address(PER_IP) });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: "RATE_LIMITED", details: { scope: "ip" } });
    // Another /64 is someone else.
    expect((await call(path, { key: guess, ip: randomIpv6Network().address(0) })).status).toBe(401);
  });
});
