import { env } from "cloudflare:test";
import { requestHash, TranscriptQuerySchema, toTranscriptRequest } from "@ytt/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { HotRenderings } from "../src/cache/hot.js";
import type { Rendered } from "../src/cache/rendered.js";
import { cannedTranscript } from "./support/canned.js";
import { call, createKey, originRequests, videoId } from "./support/worker.js";

const rendering = (body: string | ArrayBuffer, freshUntil = Date.now() + 60_000): Rendered => ({
  body,
  contentType: "text/plain; charset=utf-8",
  etag: '"e"',
  freshUntil,
});

describe("HotRenderings (an isolate's memory)", () => {
  it("keeps renderings within its byte budget, the least recently used out first", () => {
    // 2 bytes a UTF-16 code unit: each 100-character body takes 200 bytes.
    const hot = new HotRenderings(800);
    hot.put("a", "text", rendering("a".repeat(100)));
    hot.put("b", "text", rendering("b".repeat(100)));
    hot.put("c", "text", rendering("c".repeat(100)));
    hot.put("d", "text", rendering("d".repeat(100)));
    expect(hot.bytes).toBe(800);
    expect(hot.get("a", "text")?.body).toBe("a".repeat(100)); // now the most recent
    hot.put("e", "text", rendering("e".repeat(100)));
    expect(hot.get("b", "text")).toBeUndefined();
    expect(hot.get("a", "text")).toBeDefined();
    expect(hot.bytes).toBe(800);
    // Variants are apart; replacing one counts its bytes once.
    expect(hot.get("a", "json")).toBeUndefined();
    hot.put("a", "text", rendering("A".repeat(100)));
    expect(hot.get("a", "text")?.body).toBe("A".repeat(100));
    expect(hot.bytes).toBe(800);
  });

  it("keeps no rendering over a quarter of the budget, none at all with a budget of 0, and none past freshness", () => {
    const hot = new HotRenderings(800);
    hot.put("big", "text", rendering("x".repeat(101)));
    expect(hot.get("big", "text")).toBeUndefined();
    hot.put("old", "text", rendering("o", Date.now() + 1000));
    expect(hot.get("old", "text", Date.now() + 1000)).toBeUndefined();
    expect(hot.bytes).toBe(0);
    const none = new HotRenderings(0);
    none.put("a", "text", rendering("a"));
    expect(none.get("a", "text")).toBeUndefined();
  });

  it("decodes a body read back from the Cache API once, to the same text", async () => {
    const hot = new HotRenderings(800);
    hot.put("a", "text", rendering(await new Response("héllo").arrayBuffer()));
    expect(hot.get("a", "text")?.body).toBe("héllo");
  });
});

describe("a hit from the isolate's memory", () => {
  let key: string;
  beforeAll(async () => {
    key = await createKey("pro");
  });

  /** Where cache/rendered.ts keeps a rendering in the Cache API. */
  async function cacheApiKey(id: string, variant: string): Promise<string> {
    const work = {
      kind: "transcript" as const,
      request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
    };
    return `https://rendered.ytt-edge.internal/v1/${await requestHash(work)}/${variant}`;
  }

  it("answers with no binding call: neither the Cache API nor the edge store is read", async () => {
    const id = videoId("ok");
    expect((await call(`/v1/transcripts/${id}?format=text`, { key })).headers.get("X-Cache")).toBe("MISS");
    // Both stores forget it; the isolate still holds the rendering it served.
    expect(await caches.default.delete(await cacheApiKey(id, "text"))).toBe(true);
    const work = {
      kind: "transcript" as const,
      request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
    };
    await env.TRANSCRIPTS.delete(`answer:${await requestHash(work)}`);
    const hit = await call(`/v1/transcripts/${id}?format=text`, { key });
    expect(hit.status).toBe(200);
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(await hit.text()).toBe(
      `${cannedTranscript(id)
        .segments.map((s) => s.text)
        .join("\n")}\n`,
    );
    expect(await originRequests(id)).toHaveLength(1);
  });

  it("with HOT_CACHE_BYTES=0 keeps nothing in memory: the Cache API answers, and without it the edge store", async () => {
    const id = videoId("ok");
    const env0 = { HOT_CACHE_BYTES: "0" };
    const work = {
      kind: "transcript" as const,
      request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
    };
    await (await call(`/v1/transcripts/${id}?format=text`, { key, env: env0 })).arrayBuffer();
    // The edge store forgets it: the Cache API's copy answers.
    await env.TRANSCRIPTS.delete(`answer:${await requestHash(work)}`);
    const fromCacheApi = await call(`/v1/transcripts/${id}?format=text`, { key, env: env0 });
    expect(fromCacheApi.headers.get("X-Cache")).toBe("HIT");
    await fromCacheApi.arrayBuffer();
    expect(await originRequests(id)).toHaveLength(1);
    // The Cache API forgets it too: nothing in memory, so the origin is asked again.
    expect(await caches.default.delete(await cacheApiKey(id, "text"))).toBe(true);
    const miss = await call(`/v1/transcripts/${id}?format=text`, { key, env: env0 });
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    await miss.arrayBuffer();
    expect(await originRequests(id)).toHaveLength(2);
  });
});
