import { createHash } from "node:crypto";
import { checkCallbackUrl, type WebhookDelivery } from "@ytt/shared";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { BULL_PREFIX, originKeyPrefix } from "../queue/queue.js";

/**
 * The webhooks' own BullMQ queue, beside the transcripts queue it serves: `<QUEUE_NAME>-webhooks`.
 * Jobs are deliveries (one message to one URL, retried on the delivery process's schedule) and batch
 * watches (a batch's items still extracting; once all have finished, the watch enqueues the batch's
 * delivery). Any origin process may enqueue (the API for batches, a worker's collection coordinator
 * for collections): enqueueing touches only this queue's keys. Only the webhooks process
 * (webhooks/main.ts) sends, reads secrets and writes the delivery log, and only to the URL, with the
 * key, the API registered for the job when it created it (callbacks.ts): a job names no destination
 * of its own.
 */
export function webhookQueueName(queueName: string): string {
  return `${queueName}-webhooks`;
}

/** What a job's callback is told; `data` of the Standard Webhooks envelope. */
export interface WebhookInput {
  /** The job the message is about (a collection's id, a batch's id): it keys the delivery log. */
  jobId: string;
  /** The API key whose secret signs it (Caller.keyId). */
  keyId: string;
  url: string;
  /** e.g. "batch.completed", "collection.completed". */
  event: string;
  payload: Record<string, unknown>;
}

export interface DeliveryJob {
  kind: "deliver";
  jobId: string;
  keyId: string;
  url: string;
  event: string;
  /** webhook-id: the same on every attempt, so receivers can drop repeats (deliveries are at least once). */
  messageId: string;
  /** The exact bytes every attempt sends (and signs). */
  body: string;
}

/** One item of a batch as the webhook reports it (index: its place in the request). */
export interface BatchItemState {
  index: number;
  videoId?: string;
  /** The HTTP status the item's request ends with; absent while its job runs. */
  status?: number;
  code?: string;
  /** The origin job still extracting the item. */
  jobId?: string;
}

export interface BatchWatchJob {
  kind: "batch";
  batchId: string;
  keyId: string;
  url: string;
  items: BatchItemState[];
  /** Past this (ms since the epoch) the batch's delivery goes out with unfinished items as 202. */
  deadline: number;
}

export type WebhookJob = DeliveryJob | BatchWatchJob;

export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const EVENT_PATTERN = /^[a-z]{1,32}(\.[a-z_]{1,32}){0,3}$/;

/**
 * Attempts are bounded by the delivery process's schedule (WEBHOOK_RETRY_DELAYS_MS): it ends a
 * delivery after its last scheduled retry. This bound only keeps a misconfiguration finite; it lets
 * producers enqueue without knowing the schedule.
 */
const MAX_ATTEMPTS = 50;
/** Finished jobs kept: the delivery log (not BullMQ's job hash) is what users see. */
const FINISHED_KEPT = { age: 86_400, count: 1000 };

/** A message id that depends only on the job and the event: enqueueing the same twice sends once. */
function messageId(jobId: string, event: string): string {
  return `msg_${createHash("sha256").update(`${jobId}\n${event}`).digest("base64url").slice(0, 27)}`;
}

/** Where the delivery log of a job lives (origin keyspace; the webhooks process writes it). */
export function deliveryLogKey(queueName: string, jobId: string): string {
  return `${originKeyPrefix(queueName)}:webhook-log:${jobId}`;
}

/** A message in its job's delivery log: as GET /v1/jobs/{id} shows it, and whose key signed it. */
export type Delivery = WebhookDelivery & {
  /** Whoever shows deliveries shows them to this key only. */
  keyId: string;
};

/** A job's deliveries, oldest first (none until the first attempt was made). */
export async function readDeliveries(redis: Redis, queueName: string, jobId: string): Promise<Delivery[]> {
  const entries = await redis.hvals(deliveryLogKey(queueName, jobId));
  return entries
    .map((raw) => JSON.parse(raw) as Delivery)
    .sort((a, b) => (a.attempts[0]?.at ?? "").localeCompare(b.attempts[0]?.at ?? ""));
}

/**
 * The producer side: one Queue per process for the webhooks queue, over the caller's Redis client
 * (BullMQ's production guide: reuse a producer connection, fail fast while Redis is away).
 */
export class WebhookOutbox {
  readonly queue: Queue<WebhookJob>;

  constructor(
    readonly redis: Redis,
    readonly queueName: string,
  ) {
    this.queue = new Queue<WebhookJob>(webhookQueueName(queueName), {
      connection: redis,
      prefix: BULL_PREFIX,
      defaultJobOptions: {
        attempts: MAX_ATTEMPTS,
        backoff: { type: "webhook" },
        removeOnComplete: FINISHED_KEPT,
        removeOnFail: FINISHED_KEPT,
      },
    });
  }

  /**
   * Sends `payload` to `url`, signed with the key's webhook secret, at least once: what a job with a
   * callbackUrl calls when it finishes. Idempotent per (jobId, event). Throws on a URL
   * checkCallbackUrl refuses: callers validate it when the job is submitted.
   */
  async enqueueWebhook(input: WebhookInput): Promise<{ messageId: string }> {
    const check = checkCallbackUrl(input.url);
    if (!check.ok) throw new TypeError(`callback URL refused: ${check.reason}`);
    if (!JOB_ID_PATTERN.test(input.jobId) || !EVENT_PATTERN.test(input.event)) {
      throw new TypeError("a webhook needs a job id of [A-Za-z0-9_-]{1,64} and a dotted lower-case event");
    }
    const id = messageId(input.jobId, input.event);
    // Standard Webhooks' envelope: type, timestamp (of the event, not of the attempt), data.
    const body = JSON.stringify({
      type: input.event,
      timestamp: new Date().toISOString(),
      data: input.payload,
    });
    const job: DeliveryJob = {
      kind: "deliver",
      jobId: input.jobId,
      keyId: input.keyId,
      url: check.url.href,
      event: input.event,
      messageId: id,
      body,
    };
    await this.queue.add("deliver", job, { jobId: `deliver.${id}` });
    return { messageId: id };
  }

  /** Watches a batch's unfinished items; the batch's delivery goes out when all have finished. */
  async watchBatch(watch: Omit<BatchWatchJob, "kind">): Promise<void> {
    await this.queue.add("batch", { kind: "batch", ...watch }, { jobId: `batch.${watch.batchId}` });
  }

  deliveries(jobId: string): Promise<Delivery[]> {
    return readDeliveries(this.redis, this.queueName, jobId);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
