import {
  ApiError,
  type Caller,
  type CallerPlan,
  type ChannelTab,
  type CollectionRef,
  requestHash,
  type TranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import { type Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { pendingPerCaller, type QueueConfig } from "../config.js";
import { Admission } from "./admission.js";
import { decodeFailure, failureOutcome, type Outcome } from "./outcome.js";
import { ResultStore } from "./results.js";

/** BullMQ's key prefix; every queue key is `ytt:<QUEUE_NAME>:…`. */
export const BULL_PREFIX = "ytt";
/** Interactive requests go to plain wait; batch items are prioritized behind them (higher number = later). */
export const BATCH_PRIORITY = 10;
/** Job ids are request hashes (a collection's: random), 32 hex chars. */
export const JOB_ID = /^[0-9a-f]{32}$/;
/** The BullMQ job name of a collection's coordinator; other jobs are named by their work's kind. */
export const COLLECTION_JOB = "collection";

export interface JobData {
  work: WorkRequest;
  /** The edge's X-Request-Id of the request that created the job, logged by the worker. */
  requestId: string;
  /** Whose request created the job: the worker gives back the caller's place when it ends. */
  caller: Caller;
  /** Exits (proxies) YouTube refused for this job so far: each sent it back, free, for another. */
  exitsRefused?: number;
}

/** What a collection job lists and asks of each of its videos (POST /v1/collections, validated). */
export interface CollectionOrder {
  ref: CollectionRef;
  tab?: ChannelTab;
  limit: number;
  /** The transcript request each video is asked with, but for its videoId. */
  request: Omit<TranscriptRequest, "videoId">;
  callbackUrl?: string;
  /** The edge's quota counter of the caller, to settle the collection's charge with once it is listed. */
  chargeRef?: string;
}

/** A collection's coordinator (collect/coordinator.ts): it lists the collection and feeds its videos in. */
export interface CollectionJobData {
  collection: CollectionOrder;
  requestId: string;
  caller: Caller;
  /** Passes failed in a row (Redis or BullMQ away): the coordinator backs off, then gives up. */
  failedPasses?: number;
  /** Passes made, once all its videos were done, for a charge settlement the edge had not taken. */
  settlementWaits?: number;
}

export type QueueJobData = JobData | CollectionJobData;

/**
 * What a finished job returns through BullMQ: a marker, not the transcript, which the worker has
 * put in the result store. BullMQ keeps return values in the job hash and the events stream;
 * transcripts there would be kept twice more, uncompressed, per request variant.
 */
export type JobReturn = { stored: true };

/** Finished jobs kept for GET /v1/jobs/:id (each also bounded by JOB_RESULT_TTL_SECONDS). */
const FINISHED_JOBS_KEPT = 1000;
/** BullMQ's events stream (QueueEvents reads it): its default keeps 10,000 entries. */
const EVENTS_KEPT = 1000;

export type JobStatus = "queued" | "active" | "completed" | "failed";

export interface QueueDepth {
  depth: number;
  waiting: number;
  prioritized: number;
  /** Delayed jobs whose time has come (retries whose back-off is over): work waiting for a worker. */
  delayed: number;
  active: number;
}

/** The keyspace of the origin's own keys (result store, nonces), apart from BullMQ's. */
export function originKeyPrefix(queueName: string): string {
  return `ytt-origin:${queueName}`;
}

/**
 * BullMQ's production guide: a producer fails fast while Redis is away (no offline queue) so the
 * API answers an error instead of hanging; it is shared with the result store and nonce checks.
 */
export function producerConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** …and blocking clients (Worker, QueueEvents) retry forever; BullMQ owns and closes these. */
export function blockingConnection(url: string) {
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true };
}

/** Counts what a worker would have to do now: the autoscaler scales on `depth`. */
export async function queueDepth(queue: Queue, redis: Redis): Promise<QueueDepth> {
  const counts = await queue.getJobCounts("waiting", "prioritized", "active");
  // BullMQ scores the delayed zset as timestamp * 0x1000 + a per-timestamp counter.
  const dueDelayed = await redis.zcount(queue.keys.delayed ?? "", 0, (Date.now() + 1) * 0x1000 - 1);
  const waiting = counts.waiting ?? 0;
  const prioritized = counts.prioritized ?? 0;
  const active = counts.active ?? 0;
  return {
    depth: waiting + prioritized + dueDelayed + active,
    waiting,
    prioritized,
    delayed: dueDelayed,
    active,
  };
}

export interface SubmitterOptions {
  redisUrl: string;
  /** The result store's Redis (may evict); the queue's own Redis must not. */
  resultRedisUrl: string;
  queueName: string;
  attempts: number;
  jobResultTtlSeconds: number;
  maxBacklog: number;
  /** Jobs in flight one caller may have created, by plan. */
  pendingPerCaller: Record<CallerPlan, number>;
  /** How long an admitted job may hold its places without a worker releasing them. */
  admissionLeaseMs: number;
}

export type JobQueueOptions = SubmitterOptions;

/** The queue's options from the configuration both origin processes read. */
export function submitterOptionsFrom(config: QueueConfig): SubmitterOptions {
  return {
    redisUrl: config.REDIS_URL,
    resultRedisUrl: config.RESULT_REDIS_URL ?? config.REDIS_URL,
    queueName: config.QUEUE_NAME,
    attempts: config.JOB_ATTEMPTS,
    jobResultTtlSeconds: config.JOB_RESULT_TTL_SECONDS,
    maxBacklog: config.MAX_BACKLOG,
    pendingPerCaller: pendingPerCaller(config),
    admissionLeaseMs: config.ADMISSION_LEASE_SECONDS * 1000,
  };
}

export interface Submission {
  id: string;
  /** Set when the result store already had the answer. */
  cached?: Outcome;
  /** Set when this submission created the job (rather than joining one or finding the answer). */
  created?: true;
}

export interface JobView {
  id: string;
  status: JobStatus;
  outcome?: Outcome;
}

/**
 * The producer's side of the queue: the one Queue, the result store and admission. The API submits
 * clients' requests through it, and a worker's collection coordinator its collections' videos, so
 * both take the same path (result store, then the job in flight, then admission).
 */
export class JobSubmitter {
  readonly queue: Queue<QueueJobData, JobReturn>;
  readonly redis: Redis;
  readonly results: ResultStore;
  readonly admission: Admission;

  constructor(protected readonly options: SubmitterOptions) {
    this.redis = producerConnection(options.redisUrl);
    this.queue = new Queue<QueueJobData, JobReturn>(options.queueName, {
      connection: this.redis,
      prefix: BULL_PREFIX,
      streams: { events: { maxLen: EVENTS_KEPT } },
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: "jittered" },
        removeOnComplete: { age: options.jobResultTtlSeconds, count: FINISHED_JOBS_KEPT },
        removeOnFail: { age: options.jobResultTtlSeconds, count: FINISHED_JOBS_KEPT },
      },
    });
    this.results = new ResultStore(
      producerConnection(options.resultRedisUrl),
      originKeyPrefix(options.queueName),
    );
    this.admission = new Admission(this.redis, {
      keyPrefix: originKeyPrefix(options.queueName),
      leaseMs: options.admissionLeaseMs,
    });
  }

  /** The caller's bound on jobs in flight, by plan. */
  perCaller(caller: Caller): number {
    return this.options.pendingPerCaller[caller.plan];
  }

  /**
   * Creates the job for a request, or joins the one already there for the same normalised request.
   * A new job must first be admitted (backlog and the caller's jobs in flight, atomically), the
   * caller's jobs counted against `perCaller` (a collection admits its videos under a lower bound).
   */
  async submit(
    work: WorkRequest,
    requestId: string,
    caller: Caller,
    priority?: number,
    perCaller = this.perCaller(caller),
  ): Promise<Submission> {
    const id = await requestHash(work);
    const cached = await this.results.get(id);
    if (cached) return { id, cached };

    const existing = await this.queue.getJob(id);
    const state = existing ? await existing.getState() : "unknown";
    const finished = state === "completed" || state === "failed";
    if (finished) {
      // It may have finished (and stored its outcome) since the store was read above.
      const settled = await this.results.get(id);
      if (settled) return { id, cached: settled };
    } else if (state !== "unknown") {
      return { id };
    }
    const refusal = await this.admission.admit(id, caller, {
      maxBacklog: this.options.maxBacklog,
      perCaller,
    });
    if (refusal === "backlog") throw new ApiError("QUEUE_FULL");
    if (refusal === "caller") throw new ApiError("TOO_MANY_PENDING", { details: { limit: perCaller } });
    try {
      // Finished, yet not in the result store: a retryable failure, or an outcome gone (TTL, eviction). Run it again.
      if (existing && finished) await existing.remove().catch(() => undefined);
      const options = { jobId: id, ...(priority ? { priority } : {}) };
      await this.queue.add(work.kind, { work, requestId, caller }, options);
    } catch (error) {
      await this.admission.release(id, caller).catch(() => undefined);
      throw error;
    }
    return { id, created: true };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await Promise.all([this.redis.quit(), this.results.redis.quit()]);
  }
}

/**
 * The API's side of the queue: the submitter, the one QueueEvents, and an in-process map of
 * requests waiting for a job, fed by QueueEvents (one listener for any number of waiters, so 100
 * identical requests cost one subscription, not 100).
 */
export class JobQueue extends JobSubmitter {
  readonly events: QueueEvents;
  private readonly waiters = new Map<string, Set<(outcome: Outcome | undefined) => void>>();

  constructor(options: JobQueueOptions) {
    super(options);
    this.events = new QueueEvents(options.queueName, {
      connection: blockingConnection(options.redisUrl),
      prefix: BULL_PREFIX,
    });
    // The outcome is in the result store; a waiter woken without one (evicted already) asks view().
    this.events.on("completed", ({ jobId }) => {
      this.results.get(jobId).then(
        (outcome) => this.settle(jobId, outcome),
        () => this.settle(jobId, undefined),
      );
    });
    this.events.on("failed", ({ jobId, failedReason }) =>
      this.settle(jobId, failureOutcome(decodeFailure(failedReason))),
    );
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /** Resolves with the job's outcome, or undefined when it is not finished within `budgetMs`. */
  async waitFor(id: string, budgetMs: number): Promise<Outcome | undefined> {
    let resolve!: (outcome: Outcome | undefined) => void;
    const settled = new Promise<Outcome | undefined>((r) => {
      resolve = r;
    });
    const waiter = (outcome: Outcome | undefined) => resolve(outcome);
    const set = this.waiters.get(id) ?? new Set();
    this.waiters.set(id, set);
    set.add(waiter);
    const timer = setTimeout(() => resolve(undefined), budgetMs);
    try {
      // The job may have finished before the waiter was registered.
      const view = await this.view(id);
      if (view?.outcome) resolve(view.outcome);
      return await settled;
    } finally {
      clearTimeout(timer);
      set.delete(waiter);
      if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
    }
  }

  /** The job as GET /v1/jobs/:id shows it; the result store holds what finished jobs produced. */
  async view(id: string): Promise<JobView | undefined> {
    const job = await this.queue.getJob(id);
    const state = job ? await job.getState() : "unknown";
    if (job && state === "failed") {
      return { id, status: "failed", outcome: failureOutcome(decodeFailure(job.failedReason)) };
    }
    const queued = state !== "active" && state !== "completed" && state !== "unknown";
    if (queued) return { id, status: "queued" };
    // The worker stores the outcome before BullMQ marks its job completed: once stored, the job is done.
    const stored = await this.results.get(id);
    if (stored) return { id, status: stored.ok ? "completed" : "failed", outcome: stored };
    if (state === "active") return { id, status: "active" };
    if (!job) return undefined;
    // Completed, but its result is gone from the (evicting) result store: the request is still owed one.
    await job.remove().catch(() => undefined);
    await this.queue.add(job.name, job.data, {
      jobId: id,
      ...(job.opts.priority ? { priority: job.opts.priority } : {}),
    });
    return { id, status: "queued" };
  }

  depth(): Promise<QueueDepth> {
    return queueDepth(this.queue, this.redis);
  }

  override async close(): Promise<void> {
    await this.events.close();
    await super.close();
  }

  private settle(jobId: string, outcome: Outcome | undefined): void {
    for (const waiter of this.waiters.get(jobId) ?? []) waiter(outcome);
  }
}

export type { Job };
