import { ApiError } from "@ytt/shared";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { collectionCoordinator } from "../collect/coordinator.js";
import { EdgeLink } from "../collect/edge-link.js";
import { CollectionStore } from "../collect/state.js";
import type { WorkerConfig } from "../config.js";
import { NoEgress } from "../egress/pool.js";
import type { Engine } from "../extract/index.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import { Admission } from "../queue/admission.js";
import { encodeFailure, failureOutcome } from "../queue/outcome.js";
import {
  BULL_PREFIX,
  blockingConnection,
  COLLECTION_JOB,
  type CollectionJobData,
  type JobData,
  type JobReturn,
  type JobSubmitter,
  originKeyPrefix,
  type QueueJobData,
} from "../queue/queue.js";
import { ResultStore } from "../queue/results.js";
import type { WebhookOutbox } from "../webhooks/outbox.js";
import { retryDelay } from "./retry.js";

export interface TranscriptWorkerOptions {
  redisUrl: string;
  /** A producer-style client of the queue's Redis: jobs give back their admission places through it. */
  redis: Redis;
  /** A producer-style client of the result store's Redis (may be the same server). */
  resultRedis: Redis;
  /** Must match the API's: a place is given back with the lease it was taken under. */
  admissionLeaseMs: number;
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
  /** Collections' coordinators submit their videos through it, as the API submits requests. */
  submitter: JobSubmitter;
  /** Where a collection with a callbackUrl enqueues its webhook. */
  outbox: Pick<WebhookOutbox, "enqueueWebhook">;
  /** How long a collection's coordinator waits between passes. */
  collectionPassMs: number;
  /** Items a collection's pass looks at, at most. */
  collectionPassItems: number;
  /** How long a finished job is kept (JOB_RESULT_TTL_SECONDS): a collection's state as long. */
  jobResultTtlSeconds: number;
  /** The edge, which collections ask for the videos the origin's store no longer holds and settle their charge with (EDGE_URL). */
  edgeLink?: EdgeLink | undefined;
}

/** EDGE_URL and EDGE_LINK_KEY (loadWorkerConfig checks they come together, with one key). */
function edgeLinkFrom(config: WorkerConfig, log: Logger, metrics: WorkerMetrics): EdgeLink | undefined {
  const [key] = config.EDGE_LINK_KEY ?? [];
  if (!config.EDGE_URL || !key) return undefined;
  return new EdgeLink(config.EDGE_URL, { id: key[0], secret: key[1] }, log, metrics.edgeCalls);
}

/** The options src/worker/main.ts builds from its configuration (tests build them the same way). */
export function workerOptionsFrom(
  config: WorkerConfig,
  parts: Pick<
    TranscriptWorkerOptions,
    "redis" | "resultRedis" | "engine" | "log" | "metrics" | "submitter" | "outbox"
  >,
): TranscriptWorkerOptions {
  return {
    ...parts,
    redisUrl: config.REDIS_URL,
    admissionLeaseMs: config.ADMISSION_LEASE_SECONDS * 1000,
    queueName: config.QUEUE_NAME,
    concurrency: config.WORKER_CONCURRENCY,
    attempts: config.JOB_ATTEMPTS,
    retryBaseDelayMs: config.RETRY_BASE_DELAY_MS,
    blockedPauseMs: config.BLOCKED_PAUSE_MS,
    resultTtlSeconds: config.RESULT_TTL_SECONDS,
    failureTtlSeconds: config.FAILURE_TTL_SECONDS,
    lockDurationMs: config.LOCK_DURATION_MS,
    stalledIntervalMs: config.STALLED_INTERVAL_MS,
    collectionPassMs: config.COLLECTION_PASS_MS,
    collectionPassItems: config.COLLECTION_PASS_ITEMS,
    jobResultTtlSeconds: config.JOB_RESULT_TTL_SECONDS,
    edgeLink: edgeLinkFrom(config, parts.log, parts.metrics),
  };
}

/** Anything the engine throws that is not a catalogue error is treated as a crash: retried (and logged whole). */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("INTERNAL", { details: { cause: "crash" } });
}

/**
 * The BullMQ worker that runs the engine. Outcomes: success → result store (long TTL), and the job
 * returns only a marker; a permanent failure → result store (short TTL) and UnrecoverableError, no
 * retry; a retryable one → back-off retry. When YouTube blocks us: without proxies the whole queue
 * pauses (every job would meet the same wall); with a pool only that exit is quarantined (by the
 * engine) and the job goes straight back for another. With every proxy quarantined, jobs wait
 * (delayed) without spending attempts. A job that ends for good gives back its admission places.
 */
export function createTranscriptWorker(options: TranscriptWorkerOptions): Worker<QueueJobData, JobReturn> {
  const { engine, log, metrics } = options;
  const results = new ResultStore(options.resultRedis, originKeyPrefix(options.queueName));
  const admission = new Admission(options.redis, {
    keyPrefix: originKeyPrefix(options.queueName),
    leaseMs: options.admissionLeaseMs,
  });
  const collections = collectionCoordinator({
    submitter: options.submitter,
    store: new CollectionStore(options.redis, originKeyPrefix(options.queueName)),
    engine,
    outbox: options.outbox,
    passDelayMs: options.collectionPassMs,
    passItems: options.collectionPassItems,
    stateTtlSeconds: options.jobResultTtlSeconds,
    edgeLink: options.edgeLink,
    resultTtlSeconds: options.resultTtlSeconds,
    failureTtlSeconds: options.failureTtlSeconds,
    log,
  });
  const release = (job: Job<JobData, JobReturn>) =>
    admission
      .release(job.id as string, job.data.caller)
      .catch((err) => log.warn({ err }, "admission release failed"));

  const processJob = async (
    job: Job<QueueJobData, JobReturn>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<JobReturn> => {
    if (job.name === COLLECTION_JOB)
      return collections.run(job as Job<CollectionJobData, JobReturn>, token, signal);
    return extract(job as Job<JobData, JobReturn>, token, signal);
  };

  const extract = async (
    job: Job<JobData, JobReturn>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<JobReturn> => {
    const { work, requestId } = job.data;
    const jobLog = log.child({ requestId, jobId: job.id, attempt: job.attemptsStarted, kind: work.kind });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    jobLog.info({ videoId: work.request.videoId }, "job started");
    try {
      const value = await engine.run(work, { requestId, ...(signal ? { signal } : {}) });
      metrics.extraction.observe({ kind: work.kind, outcome: "completed" }, seconds());
      metrics.jobs.inc({ outcome: "completed", code: "" });
      // Places first: once the outcome is stored a caller may be answered, and ask again at once.
      await release(job);
      await results.put(job.id as string, { ok: true, value }, options.resultTtlSeconds);
      jobLog.info({ ms: Math.round(seconds() * 1000) }, "job completed");
      return { stored: true };
    } catch (thrown) {
      if (thrown instanceof NoEgress) {
        jobLog.warn(
          { retryAt: new Date(thrown.retryAt).toISOString() },
          "every proxy is quarantined: job waits",
        );
        await job.moveToDelayed(thrown.retryAt, token);
        throw new DelayedError();
      }
      const error = asApiError(thrown);
      metrics.extraction.observe({ kind: work.kind, outcome: "failed" }, seconds());
      const failureLog = { code: error.code, ms: Math.round(seconds() * 1000), err: thrown };
      if (!error.retryable) {
        metrics.jobs.inc({ outcome: "failed", code: error.code });
        await release(job);
        await results.put(job.id as string, failureOutcome(error), options.failureTtlSeconds);
        jobLog.info(failureLog, "job failed permanently");
        throw new UnrecoverableError(encodeFailure(error));
      }
      const pool = engine.proxies;
      // A block puts the job back for another exit, free, as many times as there are proxies; then it costs attempts.
      const exitsRefused = job.data.exitsRefused ?? 0;
      if (error.code === "BLOCKED_BY_YOUTUBE" && pool && exitsRefused < pool.size) {
        metrics.jobs.inc({ outcome: "rate_limited", code: error.code });
        jobLog.warn(failureLog, "YouTube refused this exit: job goes back for another proxy");
        await job.updateData({ ...job.data, exitsRefused: exitsRefused + 1 });
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (error.code === "BLOCKED_BY_YOUTUBE" && !pool && job.attemptsStarted < options.attempts) {
        // Every job would meet the same wall: hold the whole queue, and put this job back untouched.
        metrics.jobs.inc({ outcome: "rate_limited", code: error.code });
        jobLog.warn({ ...failureLog, pauseMs: options.blockedPauseMs }, "YouTube is blocking: queue paused");
        await worker.rateLimit(options.blockedPauseMs);
        throw Worker.RateLimitError();
      }
      const last = job.attemptsMade + 1 >= options.attempts;
      metrics.jobs.inc({ outcome: last ? "failed" : "retry", code: error.code });
      jobLog.warn(failureLog, last ? "job failed after its last attempt" : "job attempt failed, will retry");
      if (last) await release(job);
      throw new Error(encodeFailure(error));
    }
  };

  const worker = new Worker<QueueJobData, JobReturn>(options.queueName, processJob, {
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
  // The one owner of a collection's failure (listing refused, passes failing, a worker dying too often):
  // finishedOn says failed for good, not an attempt to be retried.
  worker.on("failed", (job) => {
    if (job?.name !== COLLECTION_JOB || !job.finishedOn) return;
    collections
      .failed(job as Job<CollectionJobData, JobReturn>)
      .catch((err) => log.error({ err, jobId: job.id }, "failed collection not recorded or called back"));
  });
  return worker;
}
