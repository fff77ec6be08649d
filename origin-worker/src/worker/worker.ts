import { ApiError } from "@ytt/shared";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Engine } from "../extract/index.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import { encodeFailure, failureOutcome, type WorkResult } from "../queue/outcome.js";
import { BULL_PREFIX, blockingConnection, type JobData, originKeyPrefix } from "../queue/queue.js";
import { ResultStore } from "../queue/results.js";
import { retryDelay } from "./retry.js";

export interface TranscriptWorkerOptions {
  redisUrl: string;
  /** The producer-style client the result store writes through. */
  redis: Redis;
  queueName: string;
  concurrency: number;
  attempts: number;
  retryBaseDelayMs: number;
  blockedPauseMs: number;
  resultTtlSeconds: number;
  failureTtlSeconds: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  engine: Engine;
  log: Logger;
  metrics: WorkerMetrics;
}

/** Anything the engine throws that is not a catalogue error is treated as a crash: retried. */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("INTERNAL", { details: { cause: error instanceof Error ? error.name : "unknown" } });
}

/**
 * The BullMQ worker that runs the engine. Outcomes: success → result store (long TTL); a permanent
 * failure → result store (short TTL) and UnrecoverableError, no retry; a retryable one → back-off
 * retry, and when YouTube blocks us the whole queue pauses, not only this job.
 */
export function createTranscriptWorker(options: TranscriptWorkerOptions): Worker<JobData, WorkResult> {
  const { engine, log, metrics } = options;
  const results = new ResultStore(options.redis, originKeyPrefix(options.queueName));

  const processJob = async (job: Job<JobData, WorkResult>, _token?: string, signal?: AbortSignal) => {
    const { work, requestId } = job.data;
    const jobLog = log.child({ requestId, jobId: job.id, attempt: job.attemptsStarted, kind: work.kind });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    jobLog.info({ videoId: work.request.videoId }, "job started");
    try {
      const value = await engine.run(work, { requestId, ...(signal ? { signal } : {}) });
      metrics.extraction.observe({ kind: work.kind, outcome: "completed" }, seconds());
      metrics.jobs.inc({ outcome: "completed", code: "" });
      await results.put(job.id as string, { ok: true, value }, options.resultTtlSeconds);
      jobLog.info({ ms: Math.round(seconds() * 1000) }, "job completed");
      return value;
    } catch (thrown) {
      const error = asApiError(thrown);
      metrics.extraction.observe({ kind: work.kind, outcome: "failed" }, seconds());
      const failureLog = { code: error.code, ms: Math.round(seconds() * 1000), err: thrown };
      if (!error.retryable) {
        metrics.jobs.inc({ outcome: "failed", code: error.code });
        await results.put(job.id as string, failureOutcome(error), options.failureTtlSeconds);
        jobLog.info(failureLog, "job failed permanently");
        throw new UnrecoverableError(encodeFailure(error));
      }
      if (error.code === "BLOCKED_BY_YOUTUBE" && job.attemptsStarted < options.attempts) {
        // Every job would meet the same wall: hold the whole queue, and put this job back untouched.
        metrics.jobs.inc({ outcome: "rate_limited", code: error.code });
        jobLog.warn({ ...failureLog, pauseMs: options.blockedPauseMs }, "YouTube is blocking: queue paused");
        await worker.rateLimit(options.blockedPauseMs);
        throw Worker.RateLimitError();
      }
      const last = job.attemptsMade + 1 >= options.attempts;
      metrics.jobs.inc({ outcome: last ? "failed" : "retry", code: error.code });
      jobLog.warn(failureLog, last ? "job failed after its last attempt" : "job attempt failed, will retry");
      throw new Error(encodeFailure(error));
    }
  };

  const worker = new Worker<JobData, WorkResult>(options.queueName, processJob, {
    connection: blockingConnection(options.redisUrl),
    prefix: BULL_PREFIX,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    // A job whose worker died is run again; twice is bad luck, three times is the job itself.
    maxStalledCount: 2,
    settings: {
      backoffStrategy: (attemptsMade, _type, err) => retryDelay(attemptsMade, options.retryBaseDelayMs, err),
    },
  });
  worker.on("error", (err) => log.error({ err }, "worker error"));
  worker.on("stalled", (jobId) => log.warn({ jobId }, "job stalled: its worker died, running it again"));
  return worker;
}
