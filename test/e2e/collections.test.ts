/**
 * A playlist as one job through the whole chain: edge → origin API → the coordinator in a worker →
 * transcript jobs in Chromium → the YouTube double. Kept to the playlist's first three videos
 * (~2 extractions): the 120-entry listing over two pages, its deleted and private entries and the
 * fan-out within the key's share run in origin-worker/test/collect/collection.test.ts with a
 * stand-in extraction, where 115 real ones would cost minutes of CPU.
 */
import type { JobBody } from "@ytt/shared";
import { expectedTranscript } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import { call, errorCode, pollJob, useStack, youtubeTraffic } from "./helpers.js";

const LONG = "PLdbl120VideosWithGapsAndNoCapts01";
const SURFACE_GO = "GJLlxj_dtq8";

const stack = useStack({
  workers: 1,
  // Two places for a free key: the collection may hold one, the key's own requests the other.
  originEnv: { MAX_PENDING_FREE: "2", COLLECTION_PASS_MS: "200" },
  keys: [{ owner: "lister", plan: "free" }],
});

describe("a playlist as one job", () => {
  it("fetches each video once, skips what is stored, leaves the key a place, and streams the results", async () => {
    const s = stack();
    const key = s.keys[0] as string;
    // Asked for singly first: stored, so the collection must not extract it again.
    const single = await call(s, `/v1/transcripts/${SURFACE_GO}?lang=en`, { key });
    expect(single.status).toBe(200);

    const refused = await call(s, "/v1/collections", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ collection: `https://youtu.be/${SURFACE_GO}` }),
    });
    expect({ status: refused.status, code: errorCode(refused) }).toEqual({
      status: 400,
      code: "INVALID_COLLECTION_REFERENCE",
    });

    const created = await call(s, "/v1/collections", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ collection: `https://www.youtube.com/playlist?list=${LONG}`, limit: 3 }),
    });
    expect(created.status).toBe(202);
    const job = (created.json as { job: { id: string; statusUrl: string } }).job;
    expect(created.headers.get("location")).toBe(job.statusUrl);
    expect(created.headers.get("ratelimit-remaining")).not.toBeNull();

    // While its videos are extracted, the key's own request still finds a place (not 429).
    const running = await pollUntil(s, job.statusUrl, key, (body) => (body.progress?.total ?? 0) > 0);
    const own = await call(s, "/v1/transcripts/dblItem0150?lang=en", { key, timeoutMs: 60_000 });
    expect({ own: own.status, collectionStillRunning: running.job.status }).toEqual({
      own: 200,
      collectionStillRunning: "active",
    });

    const done = await pollJob(s, job.statusUrl, key, { timeoutMs: 60_000 });
    expect(done.job.status).toBe("completed");
    expect(done.collection).toMatchObject({ type: "playlist", id: LONG, truncated: true });
    expect(done.progress).toEqual({ total: 3, done: 2, failed: 1, extracted: 2 });
    expect(done.items?.map((i) => [i.videoId, i.status])).toEqual([
      [SURFACE_GO, "completed"],
      ["dblAsrOnly1", "completed"],
      ["dblNoCapts1", "failed"],
    ]);
    const traffic = await youtubeTraffic(s);
    expect(traffic.timedtextServed[SURFACE_GO]).toBe(1);
    expect(traffic.timedtextServed.dblAsrOnly1).toBe(1);

    const lines = await call(s, `${job.statusUrl}?format=jsonl`, { key });
    expect(lines.headers.get("content-type")).toBe("application/jsonl; charset=utf-8");
    const results = lines.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(results[0]).toEqual({
      index: 0,
      videoId: SURFACE_GO,
      status: "completed",
      body: expectedTranscript(SURFACE_GO, { languageCode: "en", kind: "manual" }),
    });
    expect(results[1]).toMatchObject({
      videoId: "dblAsrOnly1",
      status: "completed",
      body: { track: { kind: "asr" } },
    });
    expect(results[2]).toMatchObject({
      videoId: "dblNoCapts1",
      status: "failed",
      error: { code: "TRANSCRIPTS_DISABLED" },
    });
  });
});

/** Polls a collection's status until `ready` holds; the condition, not a time, ends the wait. */
async function pollUntil(
  s: ReturnType<typeof stack>,
  statusUrl: string,
  key: string,
  ready: (body: JobBody) => boolean,
): Promise<JobBody> {
  for (let i = 0; i < 200; i++) {
    const answer = await call(s, statusUrl, { key });
    const body = answer.json as JobBody;
    if (answer.status === 200 && ready(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${statusUrl} never got ready`);
}
