import type { Redis } from "ioredis";
import { originKeyPrefix } from "../queue/queue.js";
import { JOB_ID_PATTERN } from "./outbox.js";

/**
 * Where a job's webhooks may go. The origin API registers it when it creates a job with a
 * callbackUrl (a collection, a batch's watch), before the job can run, under a key only the API may
 * write: the webhooks process reads it, the extraction workers cannot touch it (Redis ACLs,
 * k8s/redis-acl/queue.acl). Those workers may enqueue on the webhooks queue (a collection's
 * coordinator calls back when it ends), so the queue's jobs are no proof of where a message may go:
 * before it signs anything, the webhooks process holds a job's URL and key to its registration, and
 * refuses a job without one. A worker taken over through its browser can then get a signed message
 * sent only where the API was asked to send it, with the key that asked.
 */
export interface CallbackRegistration {
  /** The callback URL as the request's check wrote it (callbackUrlOf: the WHATWG href). */
  url: string;
  /** The API key whose secret signs the job's messages. */
  keyId: string;
}

/**
 * How long a registration is kept: a week. It is written once, when the job is created, and nothing
 * may refresh it (the webhooks process only reads it), so it must outlive the job's last delivery
 * attempt, and past it a delivery is refused. A batch's watch gives up waiting for its items at two
 * hours (routes.ts, BATCH_MAX_WAIT_MS); a collection has no deadline: the collection's state lives
 * JOB_RESULT_TTL_SECONDS past its last change, as long as the coordinator keeps changing it, and
 * 5,000 videos fed five at a time (a free key's share) that each run out JOB_TIMEOUT_MS (45 s) on all
 * JOB_ATTEMPTS (4) take about 50 hours. The delivery then retries on the webhooks process's
 * WEBHOOK_RETRY_DELAYS_MS, 23.6 hours by default, a schedule the API does not read. A week covers
 * the worst of both with days to spare for a queue backed up behind other keys' work, and costs
 * about 150 bytes per job that asked for a callback.
 */
export const CALLBACK_TTL_SECONDS = 7 * 86_400;

/** Where a job's registration lives (origin keyspace; the API writes it, the webhooks process reads it). */
export function callbackKey(queueName: string, jobId: string): string {
  return `${originKeyPrefix(queueName)}:callback:${jobId}`;
}

/** The API's side: the destination of `jobId`'s webhooks, written before the job is queued. */
export async function registerCallback(
  redis: Redis,
  queueName: string,
  jobId: string,
  registration: CallbackRegistration,
): Promise<void> {
  const { url, keyId } = registration;
  await redis.set(callbackKey(queueName, jobId), JSON.stringify({ url, keyId }), "EX", CALLBACK_TTL_SECONDS);
}

/** Why a job's webhooks may not go where the job says: no registration, or one naming another URL or key. */
export type CallbackRefusal = "unregistered" | "url" | "key";

/**
 * The webhooks process's side: undefined when `jobId` is registered with exactly this URL and key,
 * otherwise why not. The job's fields come from the queue, which a worker may write: anything that
 * is not a registered job's id is unregistered.
 */
export async function callbackRefusal(
  redis: Redis,
  queueName: string,
  job: { jobId: unknown; url: unknown; keyId: unknown },
): Promise<CallbackRefusal | undefined> {
  if (typeof job.jobId !== "string" || !JOB_ID_PATTERN.test(job.jobId)) return "unregistered";
  const raw = await redis.get(callbackKey(queueName, job.jobId));
  if (raw === null) return "unregistered";
  const registered = JSON.parse(raw) as Partial<CallbackRegistration>;
  if (registered.url !== job.url) return "url";
  if (registered.keyId !== job.keyId) return "key";
  return undefined;
}
