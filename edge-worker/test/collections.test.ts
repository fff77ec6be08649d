import { env as bindings, runInDurableObject } from "cloudflare:test";
import type { JobBody } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../src/auth/keys.js";
import { call, createKey, errorOf, originRequests, WORKER_ORIGIN } from "./support/worker.js";

const PLAYLIST = "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI";

function create(
  key: string,
  body: unknown,
  extra: { env?: Partial<Env>; headers?: Record<string, string> } = {},
) {
  return call("/v1/collections", {
    method: "POST",
    key,
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...extra.headers },
    ...(extra.env ? { env: extra.env } : {}),
  });
}

describe("POST /v1/collections", () => {
  it("answers 202 with a job token of the key's own, charging the limit, and the job shows the origin's pages", async () => {
    const key = await createKey("free");
    const res = await create(
      key,
      { collection: PLAYLIST, limit: 7, lang: "de,EN", kind: "manual" },
      { env: { QUOTA_FREE_PER_DAY: "10" } },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("RateLimit-Remaining")).toBe("3");
    expect(res.headers.get("Retry-After")).toBe("4");
    const created = (await res.json()) as JobBody;
    expect(created.job.id).toMatch(/^c\./);
    expect(created.job.kind).toBe("collection");
    expect(res.headers.get("Location")).toBe(`/v1/jobs/${created.job.id}`);

    const page = await call(`/v1/jobs/${created.job.id}?cursor=1&limit=1`, { key });
    expect(page.status).toBe(200);
    const body = (await page.json()) as JobBody;
    expect(body.job).toMatchObject({
      id: created.job.id,
      statusUrl: `/v1/jobs/${created.job.id}`,
      kind: "collection",
    });
    expect(body.items).toEqual([expect.objectContaining({ index: 1, status: "failed" })]);
    // The origin got the normalised request, and the page asked for.
    expect(JSON.parse(body.collection?.title ?? "")).toEqual({
      collection: PLAYLIST,
      limit: 7,
      lang: "de,en",
      kind: "manual",
      fallback: "error",
      // The key's quota counter, by its Durable Object id (no key in it), to settle the charge with.
      chargeRef: expect.stringMatching(/^[0-9a-f]{64}\.[0-9a-f]{32}$/),
    });
    const originJob = created.job.id.split(".")[1];
    expect((await originRequests(`/v1/jobs/${originJob}`)).map((r) => r.path)).toContain(
      `/v1/jobs/${originJob}?cursor=1&limit=1`,
    );

    const lines = await call(`/v1/jobs/${created.job.id}?format=jsonl`, { key });
    expect(lines.headers.get("Content-Type")).toBe("application/jsonl; charset=utf-8");
    const parsed = (await lines.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(parsed.map((l) => [l.videoId, l.status])).toEqual([
      ["okCollect01", "completed"],
      ["ntCollect02", "failed"],
    ]);
    expect(lines.headers.get("X-Next-Cursor")).toBeNull();
    // A page of the lines: the origin's cursor of the next one passes through.
    const linesPage = await call(`/v1/jobs/${created.job.id}?format=jsonl&limit=1`, { key });
    expect(linesPage.headers.get("X-Next-Cursor")).toBe("1");
    expect((await linesPage.text()).trimEnd().split("\n")).toHaveLength(1);

    // Another key's poll of the token is a 404, like any unknown job.
    const other = await call(`/v1/jobs/${created.job.id}`, { key: await createKey("free") });
    expect(other.status).toBe(404);
  });

  it("gives the quota back when the origin refuses to start the collection", async () => {
    const key = await createKey("free");
    const env = { QUOTA_FREE_PER_DAY: "10" };
    const full = await create(
      key,
      { collection: "https://www.youtube.com/playlist?list=PLQueueFullFgquLnL59alCl_2TQvOiD5V", limit: 7 },
      { env },
    );
    expect(full.status).toBe(503);
    expect((await errorOf(full)).code).toBe("QUEUE_FULL");
    expect(full.headers.get("RateLimit-Remaining")).toBe("10");
    // The charge was noted before the origin was asked, and closed with the refusal: nothing can settle it again.
    const charges = await runInDurableObject(bindings.QUOTA.getByName(await hashApiKey(key)), (_i, state) =>
      state.storage.sql
        .exec<{ units: number; settled: number }>("SELECT units, settled FROM collection_charges")
        .toArray(),
    );
    expect(charges).toEqual([{ units: 7, settled: 1 }]);
    // The 7 units came back: another 7 fit in the day's 10.
    const next = await create(key, { collection: PLAYLIST, limit: 7 }, { env });
    expect(next.status).toBe(202);
    expect(next.headers.get("RateLimit-Remaining")).toBe("3");
  });

  it("keeps the charge when the answer is not the origin's own (a gateway's 502: the job may exist)", async () => {
    const key = await createKey("free");
    const env = { QUOTA_FREE_PER_DAY: "10" };
    const gateway = await create(
      key,
      { collection: "https://www.youtube.com/playlist?list=PLGatewayFgquLnL59alCl_2TQvOiD5VAB", limit: 7 },
      { env },
    );
    expect(gateway.status).toBe(503);
    expect((await errorOf(gateway)).code).toBe("ORIGIN_UNAVAILABLE");
    expect(gateway.headers.get("RateLimit-Remaining")).toBe("3");
  });

  it("refuses what is not a collection, a callback that may not be called, the demo key and a quota too small, before asking the origin", async () => {
    const key = await createKey("free");
    const before = (await originRequests("/v1/collections")).length;
    const video = await create(key, { collection: "https://youtu.be/dQw4w9WgXcQ" });
    expect(video.status).toBe(400);
    expect(await errorOf(video)).toMatchObject({
      code: "INVALID_COLLECTION_REFERENCE",
      details: { reason: expect.any(String) },
    });
    const tab = await create(key, { collection: PLAYLIST, tab: "shorts" });
    expect((await errorOf(tab)).code).toBe("INVALID_REQUEST");
    const loopback = await create(key, { collection: PLAYLIST, callbackUrl: "https://127.0.0.1/hook" });
    expect(await errorOf(loopback)).toMatchObject({
      code: "INVALID_CALLBACK_URL",
      details: { reason: "loopback" },
    });
    const big = await create(key, { collection: PLAYLIST, limit: 5001 });
    expect((await errorOf(big)).code).toBe("INVALID_REQUEST");
    const quota = await create(
      key,
      { collection: PLAYLIST, limit: 11 },
      { env: { QUOTA_FREE_PER_DAY: "10" } },
    );
    expect((await errorOf(quota)).code).toBe("QUOTA_EXCEEDED");
    const demoKey = generateApiKey("live");
    const demo = await create(
      demoKey,
      { collection: PLAYLIST },
      { headers: { Origin: WORKER_ORIGIN }, env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: demoKey } },
    );
    expect(await errorOf(demo)).toMatchObject({ code: "FORBIDDEN", details: { reason: "demo-key-route" } });
    expect((await originRequests("/v1/collections")).length).toBe(before);
  });
});
