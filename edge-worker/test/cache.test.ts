import { env } from "cloudflare:test";
import {
  renderTranscript,
  requestHash,
  TRANSCRIPT_FORMATS,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoredAnswer } from "../src/cache/store.js";
import { cannedTranscript } from "./support/canned.js";
import { call, createKey, errorOf, originRequests, videoId } from "./support/worker.js";

let key: string;
beforeAll(async () => {
  key = await createKey("pro");
});

async function storedKey(id: string, query: Record<string, string> = {}): Promise<string> {
  const work: WorkRequest = {
    kind: "transcript",
    request: toTranscriptRequest(id, TranscriptQuerySchema.parse(query)),
  };
  return `answer:${await requestHash(work)}`;
}

/** Puts a stored transcript whose freshness ended `ageMs` ago, with `swrLeftMs` of stale-while-revalidate left. */
async function storeStale(id: string, swrLeftMs: number): Promise<void> {
  const now = Date.now();
  const entry: StoredAnswer = {
    outcome: "ok",
    kind: "transcript",
    body: { ...cannedTranscript(id), segments: [{ startMs: 0, durationMs: 1000, text: "old copy" }] },
    storedAt: now - 10_000_000,
    freshUntil: now - 1000,
    swrUntil: now + swrLeftMs,
  };
  await env.TRANSCRIPTS.put(await storedKey(id), JSON.stringify(entry));
}

describe("edge store and rendered cache", () => {
  it("misses once, then hits without asking the origin; stores the canonical model in KV", async () => {
    const id = videoId("ok");
    const first = await call(`/v1/transcripts/${id}`, { key });
    expect(first.status).toBe(200);
    expect(first.headers.get("X-Cache")).toBe("MISS");
    expect(first.headers.get("Cache-Control")).toMatch(/^private, max-age=\d+$/);
    const second = await call(`/v1/transcripts/${id}`, { key });
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(await second.json()).toEqual(cannedTranscript(id));
    expect(await originRequests(id)).toHaveLength(1);
    const stored = JSON.parse((await env.TRANSCRIPTS.get(await storedKey(id))) ?? "null") as StoredAnswer;
    expect(stored.outcome).toBe("ok");
    expect(stored.body).toEqual(cannedTranscript(id));
  });

  it("does not split the cache on parameter order, defaults, casing or unknown parameters", async () => {
    const id = videoId("ok");
    await call(`/v1/transcripts/${id}?lang=en,de&kind=any&utm_source=x`, { key });
    for (const query of ["kind=any&lang=en,de", "lang=EN,De&fallback=error", "lang=en,de,en&zzz=1"]) {
      const res = await call(`/v1/transcripts/${id}?${query}`, { key });
      expect(res.headers.get("X-Cache")).toBe("HIT");
    }
    expect(await originRequests(id)).toHaveLength(1);
  });

  it("accepts a URL in the path or as ?url= and shares the cache with the bare ID", async () => {
    const id = videoId("ok");
    await call(`/v1/transcripts/${id}`, { key });
    const link = encodeURIComponent(`https://www.youtube.com/watch?v=${id}&t=42s`);
    const inPath = await call(`/v1/transcripts/${link}`, { key });
    expect(inPath.headers.get("X-Cache")).toBe("HIT");
    const inQuery = await call(`/v1/transcripts?url=${encodeURIComponent(`https://youtu.be/${id}`)}`, {
      key,
    });
    expect(inQuery.status).toBe(200);
    expect(inQuery.headers.get("X-Cache")).toBe("HIT");
    expect(await originRequests(id)).toHaveLength(1);
  });

  it("renders every format from one stored transcript", async () => {
    const id = videoId("ok");
    const model = cannedTranscript(id);
    await call(`/v1/transcripts/${id}`, { key });
    for (const format of TRANSCRIPT_FORMATS) {
      const res = await call(`/v1/transcripts/${id}?format=${format}`, { key });
      const expected = renderTranscript(model, format);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe(expected.contentType);
      expect(new TextDecoder().decode(await res.arrayBuffer())).toBe(expected.body);
    }
    const accepted = await call(`/v1/transcripts/${id}`, {
      key,
      headers: { Accept: "text/vtt, application/json;q=0.5" },
    });
    expect(await accepted.text()).toBe(renderTranscript(model, "vtt").body);
    expect(accepted.headers.get("Vary")).toBe("Accept");
    const timed = await call(`/v1/transcripts/${id}?format=text&timestamps=true`, { key });
    expect(await timed.text()).toBe(renderTranscript(model, "text", { timestamps: true }).body);
    // Markdown, by Accept too, and with its timed paragraphs cached apart from the plain ones.
    const markdown = await call(`/v1/transcripts/${id}`, { key, headers: { Accept: "text/markdown" } });
    expect(markdown.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    expect(await markdown.text()).toBe(renderTranscript(model, "markdown").body);
    const timedMarkdown = await call(`/v1/transcripts/${id}?format=markdown&timestamps=true`, { key });
    const timedBody = await timedMarkdown.text();
    expect(timedBody).toBe(renderTranscript(model, "markdown", { timestamps: true }).body);
    expect(timedBody).toContain(`(https://youtu.be/${id}?t=0)`);
    expect(await originRequests(id)).toHaveLength(1);
  });

  it("answers If-None-Match with 304 and the same ETag", async () => {
    const id = videoId("ok");
    const first = await call(`/v1/transcripts/${id}?format=srt`, { key });
    const etag = first.headers.get("ETag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const revalidated = await call(`/v1/transcripts/${id}?format=srt`, {
      key,
      headers: { "If-None-Match": `W/${etag}, "other"` },
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get("ETag")).toBe(etag);
    expect((await revalidated.arrayBuffer()).byteLength).toBe(0);
    const other = await call(`/v1/transcripts/${id}?format=vtt`, {
      key,
      headers: { "If-None-Match": etag ?? "" },
    });
    expect(other.status).toBe(200);
  });

  it("remembers permanent failures briefly, with their error body, and does not retry the origin", async () => {
    const id = videoId("nt");
    const first = await call(`/v1/transcripts/${id}`, { key });
    expect(first.status).toBe(404);
    expect(first.headers.get("Cache-Control")).toBe("no-store");
    expect(await errorOf(first)).toEqual({
      code: "TRANSCRIPTS_DISABLED",
      message: "The video has no transcripts.",
      retryable: false,
    });
    const second = await call(`/v1/transcripts/${id}`, { key });
    expect(second.status).toBe(404);
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect((await errorOf(second)).code).toBe("TRANSCRIPTS_DISABLED");
    expect(await originRequests(id)).toHaveLength(1);
    const stored = JSON.parse((await env.TRANSCRIPTS.get(await storedKey(id))) ?? "null") as StoredAnswer;
    expect(stored.outcome).toBe("error");
  });

  it("does not remember retryable failures", async () => {
    const id = videoId("bk");
    expect((await call(`/v1/transcripts/${id}`, { key })).status).toBe(503);
    expect((await call(`/v1/transcripts/${id}`, { key })).status).toBe(503);
    expect(await originRequests(id)).toHaveLength(2);
  });
});

describe("stale-while-revalidate", () => {
  it("serves a stale copy at once, says so, and refreshes it in the background", async () => {
    const id = videoId("ok");
    await storeStale(id, 3_600_000);
    const stale = await call(`/v1/transcripts/${id}?format=text`, { key });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("X-Cache")).toBe("STALE");
    expect(stale.headers.get("Warning")).toBe('110 - "Response is Stale"');
    expect(stale.headers.get("Cache-Control")).toBe("private, max-age=0, must-revalidate");
    expect(await stale.text()).toBe("old copy\n");
    // The background refresh (ctx.waitUntil) asked the origin and stored the new transcript.
    expect(await originRequests(id)).toHaveLength(1);
    const fresh = await call(`/v1/transcripts/${id}`, { key });
    expect(fresh.headers.get("X-Cache")).toBe("HIT");
    expect(await fresh.json()).toEqual(cannedTranscript(id));
  });

  it("past the revalidation window asks the origin first and serves the fresh answer", async () => {
    const id = videoId("ok");
    await storeStale(id, -1000);
    const res = await call(`/v1/transcripts/${id}`, { key });
    expect(res.headers.get("X-Cache")).toBe("MISS");
    expect(await res.json()).toEqual(cannedTranscript(id));
  });

  it("serves stale rather than fail when the origin is down", async () => {
    const id = videoId("dn");
    await storeStale(id, -1000);
    const res = await call(`/v1/transcripts/${id}?format=text`, { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("STALE");
    expect(res.headers.get("X-Stale-Reason")).toBe("origin-unavailable");
    expect(res.headers.get("Warning")).toBe('111 - "Revalidation Failed"');
    expect(await res.text()).toBe("old copy\n");
  });

  it("serves stale when the origin times out", async () => {
    const id = videoId("sl");
    await storeStale(id, -1000);
    const res = await call(`/v1/transcripts/${id}`, { key, env: { ORIGIN_TIMEOUT_MS: "300" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("STALE");
  });
});
