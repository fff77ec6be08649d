import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";
import { createWebhookMetrics, type WebhookMetrics } from "../observability/metrics.js";
import { decodeFailure } from "../queue/outcome.js";
import { BULL_PREFIX, blockingConnection } from "../queue/queue.js";
import { callbackRefusal } from "./callbacks.js";
import {
  type BatchItemState,
  type BatchWatchJob,
  type Delivery,
  type DeliveryJob,
  deliveryLogKey,
  type WebhookJob,
  WebhookOutbox,
  webhookQueueName,
} from "./outbox.js";
import { WebhookSecrets } from "./secrets.js";
import { type AttemptResult, type SendOptions, sendWebhook } from "./send.js";
import { signWebhook } from "./sign.js";

export interface WebhookWorkerOptions {
  /** The queue Redis, for the Worker's own blocking connection. */
  redisUrl: string;
  /** A producer-style client of the queue Redis: secrets, the delivery log, batch items' jobs. */
  redis: Redis;
  /** The transcripts queue the webhooks serve (QUEUE_NAME). */
  queueName: string;
  /** The wait before each retry, in order: a delivery is tried once plus once per entry. */
  retryDelaysMs: readonly number[];
  /** How often a batch watch looks at its unfinished items. */
  batchPollMs: number;
  concurrency: number;
  send: SendOptions;
  log: Logger;
  /** Where refusals are counted; its own registry when not given. */
  metrics?: WebhookMetrics;
}

export interface WebhookDelivery {
  worker: Worker<WebhookJob>;
  metrics: WebhookMetrics;
  /** Lets running deliveries end (or, forced, leaves them to be retried), then closes the queues. */
  close(force?: boolean): Promise<void>;
}

/** A delivery's log outlives its last retry by a day, so the job shows how it ended. */
const LOG_KEPT_AFTER_LAST_RETRY_SECONDS = 86_400;

/** What our logs say of a callback URL: its host only (paths and queries may hold the receiver's tokens). */
function hostOf(url: string): string {
  return new URL(url).host;
}

/**
 * The webhooks process's BullMQ Worker. Before it signs or acts, each job is held to the destination
 * the API registered for its job (callbacks.ts): without one, or with another URL or key, it is
 * refused for good, nothing signed or sent. A delivery signs its message with every secret of its key
 * in force, POSTs it (send.ts: public addresses only, no redirects), writes the attempt to the
 * job's delivery log, and on anything but a 2xx is retried after the next delay of the schedule;
 * after the last one (or at once, when the URL or its addresses are refused) it fails for good. A
 * batch watch waits (delayed, spending no attempt) until the batch's items have finished, then
 * enqueues the batch's delivery.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookDelivery {
  const { redis, queueName, retryDelaysMs, log } = options;
  const metrics = options.metrics ?? createWebhookMetrics();
  const secrets = new WebhookSecrets(redis, queueName);
  const outbox = new WebhookOutbox(redis, queueName);
  const transcripts = new Queue(queueName, { connection: redis, prefix: BULL_PREFIX });
  const logTtlSeconds =
    Math.ceil(retryDelaysMs.reduce((sum, ms) => sum + ms, 0) / 1000) + LOG_KEPT_AFTER_LAST_RETRY_SECONDS;

  /** Appends an attempt to the message's entry in its job's delivery log. */
  async function record(
    data: DeliveryJob,
    attempt: Delivery["attempts"][number],
    update: Pick<Delivery, "status" | "nextAttemptAt">,
  ) {
    const key = deliveryLogKey(queueName, data.jobId);
    const raw = await redis.hget(key, data.messageId);
    const previous = raw ? (JSON.parse(raw) as Delivery) : undefined;
    const entry: Delivery = {
      id: data.messageId,
      event: data.event,
      url: data.url,
      keyId: data.keyId,
      attempts: [...(previous?.attempts ?? []), attempt],
      status: update.status,
      ...(update.nextAttemptAt ? { nextAttemptAt: update.nextAttemptAt } : {}),
    };
    await redis.multi().hset(key, data.messageId, JSON.stringify(entry)).expire(key, logTtlSeconds).exec();
  }

  /**
   * Ends a job whose URL and key are not those the API registered for its job: nothing is signed,
   * sent or written to the delivery log, and it is not retried. Its fields are whatever was
   * enqueued, so only the ids are logged.
   */
  async function holdToRegistration(
    job: Job<WebhookJob>,
    kind: "deliver" | "batch",
    claimed: { jobId: unknown; url: unknown; keyId: unknown },
  ) {
    const reason = await callbackRefusal(redis, queueName, claimed);
    if (!reason) return;
    metrics.refused.inc({ kind, reason });
    log.warn(
      { jobId: String(claimed.jobId).slice(0, 64), webhookJob: job.id, kind, reason },
      "webhook refused: not the destination the API registered for its job",
    );
    throw new UnrecoverableError(`refused: not the job's registered destination (${reason})`);
  }

  async function deliver(job: Job<WebhookJob>, data: DeliveryJob): Promise<void> {
    await holdToRegistration(job, "deliver", data);
    const jobLog = log.child({ jobId: data.jobId, messageId: data.messageId, host: hostOf(data.url) });
    const signing = await secrets.signingSecrets(data.keyId);
    const result: AttemptResult =
      signing.length === 0
        ? { ok: false, error: "the API key has no webhook secret", permanent: true }
        : await sendWebhook(
            data.url,
            data.body,
            signWebhook({ id: data.messageId, body: data.body, secrets: signing }),
            options.send,
          );
    const retryIn = retryDelaysMs[job.attemptsMade];
    const last = result.permanent === true || retryIn === undefined;
    const now = Date.now();
    await record(
      data,
      {
        at: new Date(now).toISOString(),
        ...(result.status !== undefined ? { statusCode: result.status } : {}),
        ...(result.error ? { error: result.error } : {}),
      },
      result.ok
        ? { status: "delivered" }
        : last
          ? { status: "failed" }
          : { status: "pending", nextAttemptAt: new Date(now + retryIn).toISOString() },
    );
    const outcome = { attempt: job.attemptsMade + 1, status: result.status, error: result.error };
    if (result.ok) {
      jobLog.info(outcome, "webhook delivered");
      return;
    }
    jobLog.warn(
      { ...outcome, retryInMs: last ? undefined : retryIn },
      last ? "webhook failed for good" : "webhook attempt failed",
    );
    const reason = `delivery failed: ${result.error ?? `status ${result.status}`}`;
    throw last ? new UnrecoverableError(reason) : new Error(reason);
  }

  /** The request's status of an item still extracting when its batch was answered; undefined while it runs. */
  async function itemOutcome(jobId: string): Promise<Pick<BatchItemState, "status" | "code"> | undefined> {
    // The state first, the job after: a job read while it ran, then found failed, has no failedReason.
    const state = await transcripts.getJobState(jobId);
    if (state === "completed") return { status: 200 };
    if (state !== "failed" && state !== "unknown") return undefined;
    const job = state === "failed" ? await transcripts.getJob(jobId) : undefined;
    // Gone (finished jobs are kept an hour): what it ended with is no longer known here.
    if (!job) return { status: 404, code: "NOT_FOUND" };
    const error = decodeFailure(job.failedReason);
    return { status: error.status, code: error.code };
  }

  async function watch(job: Job<WebhookJob>, data: BatchWatchJob, token: string | undefined): Promise<void> {
    await holdToRegistration(job, "batch", { jobId: data.batchId, url: data.url, keyId: data.keyId });
    const items: BatchItemState[] = await Promise.all(
      data.items.map(async ({ jobId, ...item }) => {
        if (!jobId) return item;
        const outcome = await itemOutcome(jobId);
        return outcome ? { ...item, ...outcome } : { ...item, jobId };
      }),
    );
    const running = items.some((item) => item.status === undefined);
    if (running && Date.now() < data.deadline) {
      // BullMQ's step-job pattern: remember what finished, come back later, spend no attempt.
      await job.updateData({ ...data, items });
      await job.moveToDelayed(Date.now() + options.batchPollMs, token);
      throw new DelayedError();
    }
    await outbox.enqueueWebhook({
      jobId: data.batchId,
      keyId: data.keyId,
      url: data.url,
      event: "batch.completed",
      payload: {
        batchId: data.batchId,
        items: items.map(({ jobId: _, ...item }) => ({ ...item, status: item.status ?? 202 })),
      },
    });
  }

  const worker = new Worker<WebhookJob>(
    webhookQueueName(queueName),
    async (job, token) =>
      job.data.kind === "deliver" ? deliver(job, job.data) : watch(job, job.data, token),
    {
      connection: blockingConnection(options.redisUrl),
      prefix: BULL_PREFIX,
      concurrency: options.concurrency,
      settings: {
        // attemptsMade counts the attempt that just failed: the first retry waits retryDelaysMs[0].
        backoffStrategy: (attemptsMade) => retryDelaysMs[attemptsMade - 1] ?? retryDelaysMs.at(-1) ?? 0,
      },
    },
  );
  worker.on("error", (err) => log.error({ err }, "webhook worker error"));
  return {
    worker,
    metrics,
    async close(force = false) {
      await worker.close(force);
      await Promise.all([transcripts.close(), outbox.close()]);
    },
  };
}
