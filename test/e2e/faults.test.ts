/**
 * Faults across the chain, each ending with nothing lost and clean answers: no workers, a worker or
 * its Chromium killed mid-job, YouTube throttling, the origin down, Redis restarted under load.
 * The stack runs on a private redis-server (append-only, fsync always) so it can be restarted.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobBody, Transcript } from "@ytt/shared";
import { expectedTranscript } from "@ytt/youtube-double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  descendants,
  type ManagedProcess,
  metricSum,
  STATE_ROOT,
  type Stack,
  startRedisServer,
} from "../stack/index.js";
import { type Answer, call, errorCode, pollJob, useStack } from "./helpers.js";

const SURFACE_GO = "GJLlxj_dtq8";
/** The edge store's windows in this stack: fresh, then served stale while revalidating. */
const FRESH_SECONDS = 1;
const SWR_SECONDS = 1;
const REDIS_OUTAGE_MS = 2000;
const quiet = () => {};
const redisDir = join(STATE_ROOT, `faults-redis-${randomBytes(3).toString("hex")}`);
let redis: { url: string; port: number; server: ManagedProcess | undefined };

beforeAll(async () => {
  const started = await startRedisServer({ dir: redisDir, log: quiet, appendOnly: true });
  redis = { url: started.url, port: Number(new URL(started.url).port), server: started.server };
});
afterAll(async () => {
  await redis?.server?.stop();
  rmSync(redisDir, { recursive: true, force: true });
});

const stack = useStack(async () => ({
  redisUrl: redis.url,
  workers: 0,
  originEnv: {
    // Short waits so slow jobs turn into 202s, and a killed worker's job is taken over quickly.
    WAIT_BUDGET_MS: "3000",
    LOCK_DURATION_MS: "4000",
    STALLED_INTERVAL_MS: "2000",
    JOB_ATTEMPTS: "6",
    RETRY_BASE_DELAY_MS: "300",
    BLOCKED_PAUSE_MS: "2000",
    SHUTDOWN_GRACE_MS: "3000",
  },
  // Stored transcripts go stale after 2 s, so an origin outage has something stale to fall back on.
  edgeVars: {
    TRANSCRIPT_FRESH_SECONDS: String(FRESH_SECONDS),
    TRANSCRIPT_SWR_SECONDS: String(SWR_SECONDS),
    ORIGIN_TIMEOUT_MS: "10000",
  },
  // A key per client (each under its burst limit of 60 a minute, polling included).
  keys: Array.from({ length: 32 }, (_, i) => ({ owner: `client-${i}`, plan: "pro" as const })),
}));

let keysUsed = 0;
/** A key no other request of this file used. */
function freshKey(s: Stack): string {
  const key = s.keys[keysUsed++];
  if (!key) throw new Error("out of API keys: seed more");
  return key;
}

/**
 * A transcript through the edge, as a well-behaved client gets it: directly (200), via its job (202,
 * then polling), or after waiting out a 503's Retry-After.
 */
async function transcriptOf(s: Stack, path: string, key: string, first?: Answer): Promise<Transcript> {
  let answer = first ?? (await call(s, path, { key }));
  for (let retries = 0; answer.status === 503 && retries < 10; retries++) {
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    await sleep(Number(answer.headers.get("retry-after") ?? 1) * 1000);
    answer = await call(s, path, { key });
  }
  if (answer.status === 200) return answer.json as Transcript;
  expect(answer.status, answer.text).toBe(202);
  const job = await pollJob(s, answer.headers.get("location") as string, key);
  expect(job.job.status, JSON.stringify(job.error)).toBe("completed");
  return job.result as Transcript;
}

/** The first running worker, started if the stack has none. */
async function aWorker(s: Stack) {
  return s.workers[0] ?? (await s.startWorker());
}

/** Waits until the double has served the watch page of `videoId` (the job is running in a worker). */
async function jobReachedYoutube(s: Stack, videoId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await s.double?.stats())?.watchPages[videoId]) return;
    await sleep(50);
  }
  throw new Error(`no worker loaded the watch page of ${videoId}`);
}

function workerMetric(opsUrl: string, outcome: string): Promise<number> {
  return metricSum(opsUrl, "origin_jobs_total", `outcome="${outcome}"`);
}

describe("faults", () => {
  it("with no worker, answers 202 with a status URL; a worker started later completes the job", async () => {
    const s = stack();
    const key = freshKey(s);
    const answer = await call(s, "/v1/transcripts/dblAsrOnly1", { key });
    expect(answer.status).toBe(202);
    const body = answer.json as JobBody;
    expect(body.job.status).toBe("queued");
    expect(answer.headers.get("location")).toBe(body.job.statusUrl);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);

    const pending = await call(s, new URL(body.job.statusUrl, s.edgeUrl).pathname, { key });
    expect((pending.json as JobBody).job.status).toBe("queued");

    await s.startWorker();
    const done = await pollJob(s, body.job.statusUrl, key);
    expect(done.job.status).toBe("completed");
    expect(done.result).toEqual(expectedTranscript("dblAsrOnly1", { languageCode: "en", kind: "asr" }));
  });

  it("finishes a job whose worker was SIGKILLed mid-job, on a new worker", async () => {
    const s = stack();
    const path = `/v1/transcripts/${SURFACE_GO}?lang=de`;
    const key = freshKey(s);
    const victim = await aWorker(s);
    await s.double?.setLatency(2500);
    const answer = await call(s, path, { key });
    expect(answer.status).toBe(202);
    await jobReachedYoutube(s, SURFACE_GO);
    await s.stopWorker(victim, "kill");
    await s.double?.setLatency(0);
    await s.startWorker();
    expect(await transcriptOf(s, path, key, answer)).toEqual(
      expectedTranscript(SURFACE_GO, { languageCode: "de", kind: "manual" }),
    );
  });

  it("relaunches Chromium killed mid-job and retries the job", async () => {
    const s = stack();
    const worker = await aWorker(s);
    await s.double?.reset();
    await s.double?.setLatency(2500);
    const path = `/v1/transcripts/${SURFACE_GO}?lang=ja`;
    const key = freshKey(s);
    const answer = await call(s, path, { key });
    expect(answer.status).toBe(202);
    await jobReachedYoutube(s, SURFACE_GO);
    const browser = descendants(worker.process.pid).find(
      (p) => p.ppid === worker.process.pid && /chrom/i.test(p.command),
    );
    if (!browser) throw new Error("the worker runs no Chromium");
    process.kill(browser.pid, "SIGKILL");
    await s.double?.setLatency(0);
    expect(await transcriptOf(s, path, key, answer)).toEqual(
      expectedTranscript(SURFACE_GO, { languageCode: "ja", kind: "manual" }),
    );
    expect(worker.process.running).toBe(true);
    const relaunched = descendants(worker.process.pid).find(
      (p) => p.ppid === worker.process.pid && /chrom/i.test(p.command),
    );
    expect(relaunched?.pid).toBeDefined();
    expect(relaunched?.pid).not.toBe(browser.pid);
  });

  it("slows down while YouTube answers 429, and completes every job after", async () => {
    const s = stack();
    const worker = await aWorker(s);
    await s.double?.reset();
    // Watch pages and the innertube fallback alike answer 429: the engine reports BLOCKED_BY_YOUTUBE.
    await s.double?.failNext(4, "rateLimit", { on: "any", retryAfterSeconds: 1 });
    const langs = ["ko", "hi", "es"];
    const results = await Promise.all(
      langs.map((lang) => transcriptOf(s, `/v1/transcripts/${SURFACE_GO}?lang=${lang}`, freshKey(s))),
    );
    langs.forEach((lang, i) => {
      const expected = expectedTranscript(SURFACE_GO, { languageCode: lang, kind: "manual" });
      expect(results[i]?.video.videoId).toBe(SURFACE_GO);
      expect({ track: results[i]?.track, segments: results[i]?.segments }).toEqual({
        track: expected.track,
        segments: expected.segments,
      });
    });
    expect((await s.double?.stats())?.forcedFailures).toBe(4);
    expect(await workerMetric(worker.opsUrl, "rate_limited")).toBeGreaterThan(0);
  });

  it("serves stale copies while the origin is down, 503 with Retry-After where it has none", async () => {
    const s = stack();
    const path = `/v1/transcripts/${SURFACE_GO}?lang=de`;
    const key = freshKey(s);
    await transcriptOf(s, path, key);
    const stored = await call(s, path, { key });
    expect(stored.status).toBe(200);
    // The edge store's own clock: past fresh + stale-while-revalidate, the next request must ask the origin.
    await sleep((FRESH_SECONDS + SWR_SECONDS) * 1000 + 500);
    await s.stopApi();
    try {
      const stale = await call(s, path, { key });
      expect(stale.status).toBe(200);
      expect(stale.headers.get("x-cache")).toBe("STALE");
      expect(stale.headers.get("x-stale-reason")).toBe("origin-unavailable");
      expect(stale.json).toEqual(stored.json);

      const unseen = await call(s, "/v1/transcripts/dblChapters?lang=en", { key });
      expect(unseen.status).toBe(503);
      expect(errorCode(unseen)).toBe("ORIGIN_UNAVAILABLE");
      expect(Number(unseen.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await s.startApi();
    }
    expect((await transcriptOf(s, "/v1/transcripts/dblChapters?lang=en", key)).video.videoId).toBe(
      "dblChapters",
    );
  });

  it("loses nothing when Redis restarts under load: every request is answered, every job completes", async () => {
    const s = stack();
    await aWorker(s);
    await s.double?.setLatency(300);
    const requests = ["zh", "cs", "en", "de", "hi", "ja", "ko", "es"].flatMap((lang) =>
      ["fr", "pt"].map((tlang) => ({
        lang,
        tlang,
        path: `/v1/transcripts/${SURFACE_GO}?lang=${lang}&tlang=${tlang}`,
        key: freshKey(s),
      })),
    );
    const inFlight = requests.map((r) => call(s, r.path, { key: r.key, timeoutMs: 45_000 }));
    await jobReachedYoutube(s, SURFACE_GO);
    await redis.server?.stop();
    // Redis stays away this long (an outage, not a condition to wait for).
    await sleep(REDIS_OUTAGE_MS);
    redis.server = (
      await startRedisServer({ dir: redisDir, log: quiet, appendOnly: true, port: redis.port })
    ).server;
    await s.double?.setLatency(0);

    const answers = await Promise.all(inFlight);
    for (const answer of answers) expect([200, 202, 503], answer.text).toContain(answer.status);
    // Whatever was accepted completes; whatever was refused succeeds when asked again.
    const results = await Promise.all(requests.map((r, i) => transcriptOf(s, r.path, r.key, answers[i])));
    requests.forEach((r, i) => {
      expect(results[i]).toEqual(
        expectedTranscript(SURFACE_GO, { languageCode: r.lang, kind: "manual", translateTo: r.tlang }),
      );
    });
  });
});
