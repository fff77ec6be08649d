import { ApiError, requestHash, type WorkRequest } from "@ytt/shared";
import { type Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { decodeFailure, failureOutcome, type Outcome, type WorkResult } from "./outcome.js";
import { ResultStore } from "./results.js";

/** BullMQ's key prefix; every queue key is `ytt:<QUEUE_NAME>:…`. */
export const BULL_PREFIX = "ytt";
/** Interactive requests go to plain wait; batch items are prioritized behind them (higher number = later). */
export const BATCH_PRIORITY = 10;
/** Job ids are request hashes: 32 hex chars. */
export const JOB_ID = /^[0-9a-f]{32}$/;

export interface JobData {
  work: WorkRequest;
  /** The edge's X-Request-Id of the request that created the job, logged by the worker. */
  requestId: string;
}

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

export interface JobQueueOptions {
  redisUrl: string;
  queueName: string;
  attempts: number;
  jobResultTtlSeconds: number;
  maxBacklog: number;
}

export interface Submission {
  id: string;
  /** Set when the result store already had the answer. */
  cached?: Outcome;
}

export interface JobView {
  id: string;
  status: JobStatus;
  outcome?: Outcome;
}

/**
 * The API's side of the queue: the one Queue, the one QueueEvents, the result store, and an
 * in-process map of requests waiting for a job, fed by QueueEvents (one listener for any number of
 * waiters, so 100 identical requests cost one subscription, not 100).
 */
export class JobQueue {
  readonly queue: Queue<JobData, WorkResult>;
  readonly events: QueueEvents;
  readonly redis: Redis;
  readonly results: ResultStore;
  private readonly waiters = new Map<string, Set<(outcome: Outcome) => void>>();

  constructor(private readonly options: JobQueueOptions) {
    this.redis = producerConnection(options.redisUrl);
    this.queue = new Queue<JobData, WorkResult>(options.queueName, {
      connection: this.redis,
      prefix: BULL_PREFIX,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: "jittered" },
        removeOnComplete: { age: options.jobResultTtlSeconds, count: 5000 },
        removeOnFail: { age: options.jobResultTtlSeconds, count: 5000 },
      },
    });
    this.events = new QueueEvents(options.queueName, {
      connection: blockingConnection(options.redisUrl),
      prefix: BULL_PREFIX,
    });
    this.results = new ResultStore(this.redis, originKeyPrefix(options.queueName));
    this.events.on("completed", ({ jobId, returnvalue }) =>
      this.settle(jobId, { ok: true, value: returnvalue as unknown as WorkResult }),
    );
    this.events.on("failed", ({ jobId, failedReason }) =>
      this.settle(jobId, failureOutcome(decodeFailure(failedReason))),
    );
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /** Creates the job for a request, or joins the one already there for the same normalised request. */
  async submit(work: WorkRequest, requestId: string, priority?: number): Promise<Submission> {
    const id = await requestHash(work);
    const cached = await this.results.get(id);
    if (cached) return { id, cached };

    const existing = await this.queue.getJob(id);
    const state = existing ? await existing.getState() : "unknown";
    if (state === "completed" || state === "failed") {
      // It may have finished (and stored its outcome) since the store was read above.
      const settled = await this.results.get(id);
      if (settled) return { id, cached: settled };
      // Finished, yet not in the result store: a retryable failure, or an outcome whose TTL ran out. Run it again.
      await existing?.remove().catch(() => undefined);
    } else if (state !== "unknown") {
      return { id };
    }
    const depth = await queueDepth(this.queue, this.redis);
    if (depth.depth >= this.options.maxBacklog) {
      throw new ApiError("QUEUE_FULL", { details: { backlog: depth.depth } });
    }
    await this.queue.add(work.kind, { work, requestId }, { jobId: id, ...(priority ? { priority } : {}) });
    return { id };
  }

  /** Resolves with the job's outcome, or undefined when it is not finished within `budgetMs`. */
  async waitFor(id: string, budgetMs: number): Promise<Outcome | undefined> {
    let resolve!: (outcome: Outcome | undefined) => void;
    const settled = new Promise<Outcome | undefined>((r) => {
      resolve = r;
    });
    const waiter = (outcome: Outcome) => resolve(outcome);
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

  /** The job as GET /v1/jobs/:id shows it; the result store answers once BullMQ has dropped the job. */
  async view(id: string): Promise<JobView | undefined> {
    const job = await this.queue.getJob(id);
    if (job) {
      const state = await job.getState();
      // getJob read the job before getState: one that completed in between has no return value in
      // what was read, but the worker stored its result before completing it.
      if (state === "completed" && job.returnvalue == null) {
        const stored = await this.results.get(id);
        if (stored) return { id, status: stored.ok ? "completed" : "failed", outcome: stored };
      }
      if (state === "completed")
        return { id, status: "completed", outcome: { ok: true, value: job.returnvalue } };
      if (state === "failed") {
        return { id, status: "failed", outcome: failureOutcome(decodeFailure(job.failedReason)) };
      }
      if (state !== "unknown") return { id, status: state === "active" ? "active" : "queued" };
    }
    const stored = await this.results.get(id);
    if (stored) return { id, status: stored.ok ? "completed" : "failed", outcome: stored };
    return undefined;
  }

  depth(): Promise<QueueDepth> {
    return queueDepth(this.queue, this.redis);
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    await this.redis.quit();
  }

  private settle(jobId: string, outcome: Outcome): void {
    for (const waiter of this.waiters.get(jobId) ?? []) waiter(outcome);
  }
}

export type { Job };
