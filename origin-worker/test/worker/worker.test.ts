import type { JobBody, Transcript } from "@ytt/shared";
import { expectedTranscript, startYoutubeDouble, VIDEOS, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  QUICK_POT_DELAY_MS,
  type RunningApi,
  signedFetch,
  spawnWorker,
  startApi,
  uniqueQueueName,
  type WorkerProcess,
} from "../helpers.js";

/**
 * The whole origin for real: the API over HTTP, worker processes (tsx, Chromium) and the YouTube
 * double. One API waits long (answers 200), one barely waits (answers 202) on the same queue.
 */
describe("origin API + worker processes + Chromium against the YouTube double", () => {
  const queueName = uniqueQueueName("worker");
  let double: YoutubeDouble;
  let patient: RunningApi;
  let hasty: RunningApi;
  const workers: WorkerProcess[] = [];

  const workerEnv = () => ({
    QUEUE_NAME: queueName,
    ...double.upstreamEnv,
    WORKER_CONCURRENCY: "2",
    JOB_ATTEMPTS: "2",
    RETRY_BASE_DELAY_MS: "100",
    BLOCKED_PAUSE_MS: "500",
    LOCK_DURATION_MS: "2000",
    STALLED_INTERVAL_MS: "1000",
    SHUTDOWN_GRACE_MS: "20000",
    ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
  });
  const startWorker = async () => {
    const worker = spawnWorker(workerEnv());
    workers.push(worker);
    await worker.ready;
    return worker;
  };
  const json = async <T>(r: Response) => (await r.json()) as T;
  const jobLog = (worker: WorkerProcess, msg: string, jobId: string) =>
    worker.waitForLog((l) => l.msg === msg && l.jobId === jobId);

  beforeAll(async () => {
    double = await startYoutubeDouble({ port: 0, potDelayMs: QUICK_POT_DELAY_MS });
    patient = await startApi({ QUEUE_NAME: queueName, WAIT_BUDGET_MS: "30000" });
    hasty = await startApi({ QUEUE_NAME: queueName, WAIT_BUDGET_MS: "300" });
  });
  afterAll(async () => {
    // SIGTERM, not SIGKILL: a worker closes its browser on the way out.
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited));
    await hasty?.close();
    await patient?.close();
    await double?.close();
  });

  it("starts a worker fast and logs its startup time", async () => {
    const worker = await startWorker();
    const ready = await worker.ready;
    expect(ready.startupMs).toBeTypeOf("number");
    expect(ready.opsPort).toBeTypeOf("number");
  });

  it("warns, once, that the test-only upstream settings send YouTube's hostnames to a double", async () => {
    const worker = workers[0] ?? (await startWorker());
    await worker.ready;
    const warnings = worker.logs.filter((l) => l.level === 40 && String(l.msg).includes("test double"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ hostRules: double.hostRules, trustedSpki: double.spki });
  });

  it("collapses 100 concurrent identical requests into one extraction, then answers from the result store", async () => {
    double.reset();
    const video = VIDEOS.GJLlxj_dtq8 as (typeof VIDEOS)[string];
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        signedFetch(patient.url, `/v1/transcripts/${video.videoId}?lang=en&kind=manual`, {
          headers: { "X-Request-Id": `collapse-${i}` },
        }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(new Set(bodies).size).toBe(1);
    const transcript = JSON.parse(bodies[0] ?? "") as Transcript;
    expect(transcript).toEqual(expectedTranscript(video.videoId, { languageCode: "en", kind: "manual" }));
    expect(double.stats().watchPages[video.videoId]).toBe(1);

    const again = await signedFetch(patient.url, `/v1/transcripts/${video.videoId}?kind=manual&lang=en`);
    expect(again.status).toBe(200);
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(await again.text()).toBe(bodies[0]);
    expect(double.stats().watchPages[video.videoId]).toBe(1);
  });

  it("answers 202 with a status URL when the budget runs out, and serves the result there later", async () => {
    double.reset();
    double.setLatency(1500);
    const r = await signedFetch(hasty.url, "/v1/transcripts/dblAsrOnly1/languages");
    expect(r.status).toBe(202);
    expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
    const accepted = await json<JobBody>(r);
    expect(r.headers.get("location")).toBe(accepted.job.statusUrl);
    expect(["queued", "active"]).toContain(accepted.job.status);

    const done = await eventually(async () => {
      const body = await json<JobBody>(await signedFetch(hasty.url, accepted.job.statusUrl));
      return body.job.status === "completed" ? body : undefined;
    }, 30_000);
    double.setLatency(0);
    expect(done.result).toMatchObject({
      video: { videoId: "dblAsrOnly1" },
      tracks: VIDEOS.dblAsrOnly1?.tracks?.map((t) => ({ languageCode: t.languageCode, kind: t.kind })),
    });
  });

  it("fails permanent errors at once with their code, and caches them", async () => {
    double.reset();
    const r = await signedFetch(patient.url, "/v1/transcripts/dblNoCapts1");
    expect(r.status).toBe(404);
    expect(await json(r)).toMatchObject({ error: { code: "TRANSCRIPTS_DISABLED", retryable: false } });
    expect(double.stats().watchPages.dblNoCapts1).toBe(1);
    const again = await signedFetch(patient.url, "/v1/transcripts/dblNoCapts1");
    expect(again.status).toBe(404);
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(double.stats().watchPages.dblNoCapts1).toBe(1);
  });

  it("retries a block after pausing the whole queue, and succeeds once YouTube lets it through", async () => {
    double.reset();
    const worker = workers[0] as WorkerProcess;
    // Both routes of the first attempt (watch page, then innertube) meet a 429.
    double.failNext(2, "rateLimit", { on: "any" });
    const r = await signedFetch(patient.url, "/v1/transcripts/dblUnicode1?fallback=any", {
      headers: { "X-Request-Id": "blocked-once" },
    });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ video: { videoId: "dblUnicode1" } });
    expect(double.stats().forcedFailures).toBe(2);
    const paused = worker.logs.find(
      (l) => l.msg === "YouTube is blocking: queue paused" && l.requestId === "blocked-once",
    );
    expect(paused).toMatchObject({ code: "BLOCKED_BY_YOUTUBE", pauseMs: 500 });
    // The API may answer before the worker's log line has come through its pipe.
    await worker.waitForLog((l) => l.msg === "job completed" && l.requestId === "blocked-once", 10_000);
  });

  it("gives up on a lasting block with a retryable error it does not cache", async () => {
    double.reset();
    const r = await signedFetch(patient.url, "/v1/transcripts/dblCaptcha1");
    expect(r.status).toBe(503);
    expect(await json(r)).toMatchObject({ error: { code: "BLOCKED_BY_YOUTUBE", retryable: true } });
    const attempts = double.stats().watchPages.dblCaptcha1 ?? 0;
    expect(attempts).toBeGreaterThanOrEqual(2);
    const again = await signedFetch(patient.url, "/v1/transcripts/dblCaptcha1");
    expect(again.status).toBe(503);
    expect(again.headers.get("x-cache")).toBe("MISS");
    expect(double.stats().watchPages.dblCaptcha1).toBeGreaterThan(attempts);
  });

  it("exposes job outcomes and extraction durations on the worker's metrics", async () => {
    const ready = await (workers[0] as WorkerProcess).ready;
    const text = await (await fetch(`http://127.0.0.1:${ready.opsPort}/metrics`)).text();
    expect(text).toMatch(/origin_jobs_total\{outcome="completed",code=""\} [1-9]/);
    expect(text).toMatch(/origin_jobs_total\{outcome="failed",code="TRANSCRIPTS_DISABLED"\} 1/);
    expect(text).toMatch(/origin_jobs_total\{outcome="rate_limited",code="BLOCKED_BY_YOUTUBE"\} [1-9]/);
    expect(text).toMatch(
      /origin_extraction_duration_seconds_count\{kind="transcript",outcome="completed"\} [1-9]/,
    );
  });

  it("finishes a job on another worker when its worker is SIGKILLed mid-job", async () => {
    double.reset();
    double.setLatency(2500);
    const first = workers[0] as WorkerProcess;
    const r = await signedFetch(hasty.url, "/v1/transcripts/dblChapters");
    expect(r.status).toBe(202);
    const { job } = await json<JobBody>(r);
    await jobLog(first, "job started", job.id);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(await patient.jobs.queue.getJobState(job.id)).toBe("active");

    double.setLatency(0);
    const second = await startWorker();
    await jobLog(second, "job completed", job.id);
    const done = await json<JobBody>(await signedFetch(hasty.url, job.statusUrl));
    expect(done.job.status).toBe("completed");
    expect(done.result).toMatchObject({ video: { videoId: "dblChapters" } });
  });

  it("drains on SIGTERM: finishes the running job, closes the browser, exits 0", async () => {
    double.reset();
    double.setLatency(2000);
    const worker = workers.at(-1) as WorkerProcess;
    const r = await signedFetch(hasty.url, "/v1/transcripts/dblRegional?fallback=any");
    expect(r.status).toBe(202);
    const { job } = await json<JobBody>(r);
    await jobLog(worker, "job started", job.id);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    double.setLatency(0);
    expect(worker.logs.some((l) => l.msg === "job completed" && l.jobId === job.id)).toBe(true);
    expect(worker.logs.find((l) => l.msg === "stopped")).toMatchObject({ drained: true });
    expect(await patient.jobs.queue.getJobState(job.id)).toBe("completed");
  });
});
