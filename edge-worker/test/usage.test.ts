import { env as bindings, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../src/auth/keys.js";
import { call, createKey, errorOf, randomIp, videoId } from "./support/worker.js";

interface Usage {
  plan: string;
  quotas: {
    scope: string;
    limit: number;
    used: number;
    remaining: number;
    resetSeconds: number;
    resetsAt: string;
  }[];
  burst: { limit: number; periodSeconds: number };
  history: { date: string; used: number }[];
}

const utcDay = (offset: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset))
    .toISOString()
    .slice(0, 10);
};

describe("GET /v1/usage", () => {
  it("shows today's origin work against the quota, the burst limit and 30 days of history, spending nothing", async () => {
    const key = await createKey("free");
    const quota = { QUOTA_FREE_PER_DAY: "5" };
    const video = videoId("ok");
    // Two extractions (origin work) and a cache hit, which spends no quota.
    for (const path of [
      `/v1/transcripts/${video}`,
      `/v1/transcripts/${videoId("ok")}`,
      `/v1/transcripts/${video}`,
    ])
      expect((await call(path, { key, env: quota })).status).toBe(200);
    // Older use the counter keeps (3 days ago) and some it has forgotten by now (40 days ago).
    const counter = bindings.QUOTA.getByName(await hashApiKey(key));
    await runInDurableObject(counter, (_instance, state) => {
      state.storage.sql.exec("INSERT INTO usage (day, used) VALUES (?, 4), (?, 9)", utcDay(-3), utcDay(-40));
    });

    const res = await call("/v1/usage", { key, env: quota });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("RateLimit-Limit")).toBe("5");
    expect(res.headers.get("RateLimit-Remaining")).toBe("3");
    const usage = (await res.json()) as Usage;
    expect(usage.plan).toBe("free");
    expect(usage.quotas).toEqual([
      {
        scope: "key",
        limit: 5,
        used: 2,
        remaining: 3,
        resetSeconds: expect.any(Number),
        resetsAt: `${utcDay(1)}T00:00:00.000Z`,
      },
    ]);
    expect(usage.burst).toEqual({ limit: 60, periodSeconds: 60 });
    expect(usage.history).toHaveLength(30);
    expect(usage.history[0]?.date).toBe(utcDay(-29));
    expect(usage.history.at(-1)).toEqual({ date: utcDay(0), used: 2 });
    expect(usage.history.find((d) => d.date === utcDay(-3))?.used).toBe(4);
    expect(usage.history.filter((d) => d.used > 0)).toHaveLength(2);

    // Reading usage spent nothing: still 3 left.
    const again = (await (await call("/v1/usage", { key, env: quota })).json()) as Usage;
    expect(again.quotas[0]?.remaining).toBe(3);
    // The next charge prunes what is past the history.
    expect((await call(`/v1/transcripts/${videoId("ok")}`, { key, env: quota })).status).toBe(200);
    const days = await runInDurableObject(counter, (_instance, state) =>
      state.storage.sql.exec<{ day: string }>("SELECT day FROM usage ORDER BY day").toArray(),
    );
    expect(days.map((d) => d.day)).toEqual([utcDay(-3), utcDay(0)]);
  });

  it("shows the demo key's share for this address next to everyone's, and its tighter burst limit", async () => {
    const key = generateApiKey("live");
    const env = {
      DEMO_KEY_ENABLED: "true",
      DEMO_KEY: key,
      QUOTA_DEMO_PER_IP_PER_DAY: "4",
      QUOTA_DEMO_PER_DAY: "50",
    };
    const headers = { "Sec-Fetch-Site": "same-origin" };
    const ip = randomIp();
    expect((await call(`/v1/transcripts/${videoId("ok")}`, { key, env, headers, ip })).status).toBe(200);
    const res = await call("/v1/usage", { key, env, headers, ip });
    expect(res.status).toBe(200);
    const usage = (await res.json()) as Usage;
    expect(usage.plan).toBe("demo");
    expect(usage.quotas.map(({ scope, limit, used }) => ({ scope, limit, used }))).toEqual([
      { scope: "ip", limit: 4, used: 1 },
      { scope: "key", limit: 50, used: expect.any(Number) },
    ]);
    expect(usage.burst).toEqual({ limit: 30, periodSeconds: 60 });
  });

  it("needs a valid key", async () => {
    const res = await call("/v1/usage", { key: generateApiKey("live") });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHORIZED");
  });
});
