/**
 * A playlist as one job through the whole chain: edge → origin API → the coordinator in a worker →
 * transcript jobs in Chromium → the YouTube double. First its first three videos (what only the edge
 * still stores is not extracted again, the key keeps a place, the results as JSON lines), then the
 * whole 120-entry playlist across its two pages, with a deleted, a private and a caption-less entry
 * (about two minutes of extraction on two cores: the longest test of the suite, asked for by issue 14).
 */
import { type JobBody, JobBodySchema } from "@ytt/shared";
import { expectedTranscript, fillerVideoId } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import { call, errorCode, forgetOriginResults, pollJob, useStack, youtubeTraffic } from "./helpers.js";

const LONG = "PLdbl120VideosWithGapsAndNoCapts01";
const SURFACE_GO = "GJLlxj_dtq8";
const SHORT = "PLdblThreeVideosNoGaps00000000001";
const FREE_QUOTA = 500;

const stack = useStack({
  // Two workers (two Chromiums): the 120-video playlist is the suite's longest test, CPU-bound on two cores.
  workers: 2,
  // Two places for a free key: the collection may hold one, the key's own requests the other.
  originEnv: { MAX_PENDING_FREE: "2", COLLECTION_PASS_MS: "200" },
  edgeVars: { QUOTA_FREE_PER_DAY: String(FREE_QUOTA) },
  keys: [
    { owner: "lister", plan: "free" },
    { owner: "bulk", plan: "pro" },
    { owner: "settler", plan: "free" },
  ],
});

describe("a playlist as one job", () => {
  it("fetches each video once, skips what is stored, leaves the key a place, and streams the results", async () => {
    const s = stack();
    const key = s.keys[0] as string;
    // Asked for singly first, then gone from the origin's store (its day passed) while the edge's
    // store keeps it for weeks: the collection must take it from the edge, not extract it again.
    const single = await call(s, `/v1/transcripts/${SURFACE_GO}?lang=en`, { key });
    expect(single.status).toBe(200);
    expect(await forgetOriginResults(s)).toBe(1);

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

    // Once the collection is listed, the key's own request still finds a place (not 429), with only
    // two places for a free key. That the collection never holds more than half of them while it
    // runs is shown in origin-worker/test/collect/collection.test.ts, where its pace is controlled.
    await pollUntil(s, job.statusUrl, key, (body) => (body.progress?.total ?? 0) > 0);
    const own = await call(s, "/v1/transcripts/dblItem0150?lang=en", { key, timeoutMs: 60_000 });
    expect(own.status).toBe(200);

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

describe("a collection's charge", () => {
  it("is its limit when created, and its entries once listed: the edge gives the rest back", async () => {
    const s = stack();
    const key = s.keys[2] as string;
    const usedToday = async () => {
      const usage = await call(s, "/v1/usage", { key });
      return (usage.json as { quotas: { used: number }[] }).quotas[0]?.used;
    };
    const created = await call(s, "/v1/collections", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ collection: `https://www.youtube.com/playlist?list=${SHORT}` }),
    });
    expect(created.status).toBe(202);
    // Charged its default limit (100) up front: nothing is known of the playlist yet.
    expect(created.headers.get("ratelimit-remaining")).toBe(String(FREE_QUOTA - 100));
    const job = (created.json as { job: { statusUrl: string } }).job;
    const done = await pollJob(s, job.statusUrl, key, { timeoutMs: 60_000 });
    expect(done.progress).toMatchObject({ total: 3, done: 3 });
    // Settled by the coordinator once listed (before its videos), so by now: three entries, three units.
    expect(await usedToday()).toBe(3);
  });
});

describe("a whole playlist of 120 across its two pages", () => {
  it("lists every entry, fails the deleted, private and caption-less ones, and extracts each video once", async () => {
    const s = stack();
    const key = s.keys[1] as string;
    // One video of each page asked for singly first: stored, so not extracted again.
    const stored = [fillerVideoId(10), fillerVideoId(100)];
    for (const video of stored)
      expect((await call(s, `/v1/transcripts/${video}?lang=en`, { key })).status).toBe(200);

    const created = await call(s, "/v1/collections", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ collection: `https://www.youtube.com/playlist?list=${LONG}`, limit: 120 }),
    });
    expect(created.status).toBe(202);
    const job = (created.json as { job: { statusUrl: string } }).job;
    // Polls count towards the key's burst limit (60 a minute): every 1.5 s stays under it.
    const done = await pollJob(s, job.statusUrl, key, { timeoutMs: 300_000, intervalMs: 1500 });
    expect(done.job.status).toBe("completed");
    expect(done.collection).toMatchObject({ type: "playlist", id: LONG, truncated: false });
    expect(done.progress).toMatchObject({ total: 120, done: 117, failed: 3 });

    // Both pages of items, in the playlist's order.
    const items = [...(done.items ?? [])];
    let cursor = done.nextCursor;
    while (cursor) {
      const page = JobBodySchema.parse((await call(s, `${job.statusUrl}?cursor=${cursor}`, { key })).json);
      items.push(...(page.items ?? []));
      cursor = page.nextCursor;
    }
    expect(items.map((i) => i.index)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    const failed = items.filter((i) => i.status === "failed").map((i) => [i.videoId, i.error?.code]);
    expect(failed).toEqual([
      ["dblNoCapts1", "TRANSCRIPTS_DISABLED"],
      ["dblDeleted1", "VIDEO_UNAVAILABLE"],
      ["dblPrivate1", "VIDEO_PRIVATE"],
    ]);
    // Every playable video's captions were fetched from YouTube exactly once in this stack's life:
    // the stored ones (asked singly, or by the first test) not again.
    const traffic = await youtubeTraffic(s);
    const playable = items.filter((i) => i.status === "completed").map((i) => i.videoId);
    expect(playable).toHaveLength(117);
    expect(playable.filter((v) => traffic.timedtextServed[v] !== 1)).toEqual([]);
    for (const video of stored) expect(playable).toContain(video);
    // About 75 s of extraction on a quiet machine: past the suite's 90 s default when it is busy.
  }, 240_000);
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
    // A 429 (polls count towards the burst limit) or any other refusal fails at once, saying so.
    if (answer.status !== 200) throw new Error(`${statusUrl}: ${answer.status} ${answer.text}`);
    const body = answer.json as JobBody;
    if (ready(body)) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${statusUrl} never got ready`);
}
