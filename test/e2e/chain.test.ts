/**
 * The chain as a client meets it: client → edge (workerd) → origin API → Redis/BullMQ → worker →
 * Chromium → the YouTube double, all real processes on real ports.
 */
import { ERRORS, type ErrorCode, renderTranscript, TRANSCRIPT_FORMATS } from "@ytt/shared";
import { expectedTranscript, VIDEOS } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import {
  type Answer,
  call,
  callMany,
  clientIp,
  errorCode,
  originRequestCount,
  useStack,
  youtubeTraffic,
} from "./helpers.js";

const stack = useStack({
  workers: 1,
  // Blocked videos are retried with a pause; kept short so the error cases finish in seconds.
  originEnv: { JOB_ATTEMPTS: "2", RETRY_BASE_DELAY_MS: "200", BLOCKED_PAUSE_MS: "500" },
  edgeVars: { QUOTA_FREE_PER_DAY: "3" },
  keys: [
    { owner: "crowd", plan: "pro" },
    { owner: "burst", plan: "pro" },
    { owner: "quota", plan: "free" },
  ],
});
const key = (owner: "crowd" | "burst" | "quota") =>
  stack().keys[["crowd", "burst", "quota"].indexOf(owner)] as string;

const SURFACE_GO = "GJLlxj_dtq8";

describe("a transcript through the whole chain", () => {
  it("is extracted on the first request, then served by the edge without calling the origin", async () => {
    const s = stack();
    const expected = expectedTranscript(SURFACE_GO, { languageCode: "en", kind: "manual" });

    const first = await call(s, `/v1/transcripts/${SURFACE_GO}?lang=en`, { key: s.apiKey });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(first.json).toEqual(expected);
    const afterFirst = { origin: await originRequestCount(s), youtube: await youtubeTraffic(s) };
    expect(afterFirst.youtube.timedtextServed[SURFACE_GO]).toBe(1);

    const second = await call(s, `/v1/transcripts/${SURFACE_GO}?lang=en`, { key: s.apiKey });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.json).toEqual(expected);

    // Every other format and every accepted way of naming the video: rendered at the edge.
    for (const format of TRANSCRIPT_FORMATS) {
      const answer = await call(s, `/v1/transcripts/${SURFACE_GO}?lang=en&format=${format}`, {
        key: s.apiKey,
      });
      const rendered = renderTranscript(expected, format);
      expect(answer.status, format).toBe(200);
      expect(answer.headers.get("x-cache"), format).toBe("HIT");
      expect(answer.headers.get("content-type"), format).toBe(rendered.contentType);
      expect(answer.text, format).toBe(rendered.body);
    }
    const byUrl = encodeURIComponent(`https://youtu.be/${SURFACE_GO}?t=42`);
    for (const path of [`/v1/transcripts/${byUrl}?lang=en`, `/v1/transcripts?url=${byUrl}&lang=en`]) {
      const answer = await call(s, path, { key: s.apiKey });
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("x-cache"), path).toBe("HIT");
      expect(answer.json, path).toEqual(expected);
    }

    expect(await originRequestCount(s)).toBe(afterFirst.origin);
    expect(await youtubeTraffic(s)).toEqual(afterFirst.youtube);
  });

  it("answers 50 concurrent first requests for one video with one extraction", async () => {
    const s = stack();
    const videoId = "dblChapters";
    const expected = expectedTranscript(videoId, { languageCode: "en", kind: "manual" });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call(s, `/v1/transcripts/${videoId}?lang=en`, { key: key("crowd") })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual(expected);
    }
    const stats = await s.double?.stats();
    expect(stats?.watchPages[videoId]).toBe(1);
    expect(stats?.timedtextServed[videoId]).toBe(1);
  });
});

describe("every failure of YouTube reaches the client with its status and code", () => {
  const failing = Object.values(VIDEOS).filter((v) => v.expectedError);

  it("for each catalogue video that must fail", async () => {
    const s = stack();
    // A few at a time: each answer then waits for its own job only, well within the wait budget
    // (retryable refusals are tried again and pause the queue, so a flood would end in 202s).
    const answers = await callMany(
      failing.length,
      async (i) => {
        const video = failing[i] as (typeof failing)[number];
        return [video, await call(s, `/v1/transcripts/${video.videoId}`, { key: s.apiKey })] as const;
      },
      4,
    );
    for (const [video, answer] of answers) {
      const code = video.expectedError as ErrorCode;
      expect({ video: video.videoId, status: answer.status, code: errorCode(answer) }).toEqual({
        video: video.videoId,
        status: ERRORS[code].status,
        code,
      });
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect((answer.json as { requestId?: string }).requestId).toBe(answer.headers.get("x-request-id"));
    }
    const unplayable = answers.find(([video]) => video.expectedError === "VIDEO_UNPLAYABLE")?.[1] as Answer;
    expect((unplayable.json as { error: { details: { reason: string } } }).error.details.reason).toBe(
      VIDEOS.dblUnplay01?.unplayableReason?.reason,
    );
  });

  it("for a language the video does not have, listing the ones it has", async () => {
    const s = stack();
    const answer = await call(s, `/v1/transcripts/dblAsrOnly1?lang=sw&fallback=error`, { key: s.apiKey });
    expect(answer.status).toBe(404);
    expect(errorCode(answer)).toBe("LANGUAGE_NOT_AVAILABLE");
    expect(JSON.stringify((answer.json as { error: { details: unknown } }).error.details)).toContain('"en"');
  });

  it("and a permanent failure is then answered by the edge alone", async () => {
    const s = stack();
    const before = await originRequestCount(s);
    const answer = await call(s, "/v1/transcripts/dblPrivate1", { key: s.apiKey });
    expect(answer.status).toBe(403);
    expect(errorCode(answer)).toBe("VIDEO_PRIVATE");
    expect(answer.headers.get("x-cache")).toBe("HIT");
    expect(await originRequestCount(s)).toBe(before);
  });
});

describe("auth and limits hold through the whole chain", () => {
  it("refuses a request without a valid key before anything reaches the origin", async () => {
    const s = stack();
    const before = { origin: await originRequestCount(s), youtube: await youtubeTraffic(s) };
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer ytt_test_nope" },
      { "X-API-Key": `${s.apiKey}x` },
    ];
    for (const headers of attempts) {
      const answer = await call(s, "/v1/transcripts/dblAsrOnly1", { headers });
      expect(answer.status).toBe(401);
      expect(errorCode(answer)).toBe("UNAUTHORIZED");
    }
    expect(await originRequestCount(s)).toBe(before.origin);
    expect(await youtubeTraffic(s)).toEqual(before.youtube);
  });

  it("answers 429 with Retry-After to a key over its burst limit", async () => {
    const s = stack();
    // 60 per minute per key, in windows aligned to the minute: 130 requests exceed it even across a boundary.
    const answers = await callMany(130, () =>
      call(s, `/v1/transcripts/${SURFACE_GO}?lang=en`, { key: key("burst") }),
    );
    const limited = answers.filter((a) => a.status === 429);
    const others = answers.filter((a) => a.status !== 200 && a.status !== 429);
    expect(others.map((a) => `${a.status} ${a.text.slice(0, 120)}`)).toEqual([]);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(60);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    for (const answer of limited) {
      expect(errorCode(answer)).toBe("RATE_LIMITED");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("answers 429 to one client IP over its limit, before looking at keys", async () => {
    const s = stack();
    const ip = clientIp();
    const answers = await callMany(250, () => call(s, "/v1/transcripts/dblAsrOnly1", { ip }));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(answers.filter((a) => a.status !== 429).every((a) => a.status === 401)).toBe(true);
    expect(limited.every((a) => errorCode(a) === "RATE_LIMITED" && a.headers.has("retry-after"))).toBe(true);
  });

  it("counts origin work against the daily quota exactly, cache hits not at all, and says so in the RateLimit headers", async () => {
    const s = stack();
    // Each a distinct request (its own cache entry), so each is work for the origin.
    const distinct = (i: number) => `/v1/transcripts/${SURFACE_GO}?lang=en-q${i},en&fallback=any`;
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(s, distinct(i), { key: key("quota") });
      expect(answer.status).toBe(200);
      remaining.push(answer.headers.get("ratelimit-remaining"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const hit = await call(s, distinct(0), { key: key("quota") });
    expect([hit.status, hit.headers.get("x-cache"), hit.headers.get("ratelimit-remaining")]).toEqual([
      200,
      "HIT",
      null,
    ]);
    const last = await call(s, distinct(3), { key: key("quota") });
    expect(last.status).toBe(429);
    expect(errorCode(last)).toBe("QUOTA_EXCEEDED");
    expect(last.headers.get("ratelimit-limit")).toBe("3");
    expect(last.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
