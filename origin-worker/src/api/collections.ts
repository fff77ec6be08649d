import { randomBytes } from "node:crypto";
import {
  ApiError,
  type Caller,
  ChargeRefSchema,
  COLLECTION_PAGE,
  CollectionRequestSchema,
  checkedCollection,
  errorBody,
  invalidRequest,
  type JobBody,
  NEXT_CURSOR_HEADER,
  requestHash,
  toTranscriptRequest,
} from "@ytt/shared";
import type { Job } from "bullmq";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import { z } from "zod";
import type { CollectionStore } from "../collect/state.js";
import { decodeFailure, failureOutcome } from "../queue/outcome.js";
import {
  COLLECTION_JOB,
  type CollectionJobData,
  type CollectionOrder,
  type JobQueue,
  type JobReturn,
  type QueueJobData,
} from "../queue/queue.js";
import { registerCallback } from "../webhooks/callbacks.js";
import { jobDeliveries } from "../webhooks/routes.js";
import { WebhookSecrets } from "../webhooks/secrets.js";
import type { ApiEnv } from "./context.js";

/**
 * POST /v1/collections and a collection job's status: the job is created here and run by a worker's
 * coordinator (collect/coordinator.ts); its state is read from the collection store.
 */

/** `?cursor` and `?limit` of a collection's status: the item index to start at, and how many. */
const PageQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,7}$/, "cursor is the nextCursor of a previous page")
    .transform(Number)
    .default(0),
  limit: z.coerce.number().int().min(1).max(COLLECTION_PAGE.max).optional(),
  format: z.enum(["json", "jsonl"]).default("json"),
});

/** Items read from the store at a time while streaming results. */
const STREAM_CHUNK = 100;

/** A finished item whose transcript the result store no longer has. */
const GONE = failureOutcome(
  new ApiError("NOT_FOUND", { message: "The transcript is no longer stored; ask for the video on its own." }),
).error;

const notFound = () => new ApiError("NOT_FOUND", { message: "No such job, or it has expired." });

/** A client's request as the edge forwards it: with where the collection's charge is settled. */
const EdgeCollectionOrderSchema = CollectionRequestSchema.extend({ chargeRef: ChargeRefSchema.optional() });

/** The order a valid request makes; a reference that is not a collection is INVALID_COLLECTION_REFERENCE. */
export function collectionOrder(json: unknown): CollectionOrder {
  const parsed = EdgeCollectionOrderSchema.safeParse(json);
  if (!parsed.success) throw invalidRequest(parsed.error.issues);
  const { collection, tab, limit, callbackUrl: asked, chargeRef, ...query } = parsed.data;
  const { ref, callbackUrl } = checkedCollection({ collection, tab, callbackUrl: asked });
  const { videoId: _, ...request } = toTranscriptRequest("", query);
  return {
    ref,
    ...(tab ? { tab } : {}),
    limit,
    request,
    ...(callbackUrl ? { callbackUrl } : {}),
    ...(chargeRef ? { chargeRef } : {}),
  };
}

/**
 * Queues the collection's coordinator under a new random id (collections are never joined: each is
 * its caller's). A callback needs the key's webhook secret, which signs it, and is registered as
 * the job's only destination before the job is queued (webhooks/callbacks.ts).
 */
export async function createCollection(
  jobs: JobQueue,
  order: CollectionOrder,
  requestId: string,
  caller: Caller,
) {
  const secrets = new WebhookSecrets(jobs.redis, jobs.queue.name);
  if (order.callbackUrl && !(await secrets.status(caller.keyId)).exists) {
    throw new ApiError("WEBHOOK_SECRET_REQUIRED");
  }
  const id = randomBytes(16).toString("hex");
  if (order.callbackUrl) {
    await registerCallback(jobs.redis, jobs.queue.name, id, { url: order.callbackUrl, keyId: caller.keyId });
  }
  await jobs.queue.add(COLLECTION_JOB, { collection: order, requestId, caller }, { jobId: id });
  return id;
}

const isCollection = (job: Job<QueueJobData, JobReturn>): job is Job<CollectionJobData, JobReturn> =>
  job.name === COLLECTION_JOB;

/** What a collection's status is read from: its BullMQ job, or once BullMQ has dropped it, how it ended. */
type CollectionJob = Pick<Job<CollectionJobData, JobReturn>, "id" | "data" | "failedReason" | "getState">;

/** The collection job `id` of this caller, or undefined when `id` is another kind of job. */
export async function collectionJob(
  jobs: JobQueue,
  store: CollectionStore,
  id: string,
  caller: Caller,
): Promise<CollectionJob | undefined> {
  const job = await jobs.queue.getJob(id);
  let found: CollectionJob | undefined = job && isCollection(job) ? job : undefined;
  if (!job) {
    // BullMQ trims finished jobs by count across the queue; the state (and how it ended) is kept longer.
    const end = await store.end(id);
    if (end)
      found = { id, data: end.data, failedReason: end.failedReason ?? "", getState: async () => end.status };
  }
  if (!found) return undefined;
  // The edge's job token already binds the job to its key; the origin holds to that as well. Not
  // to the plan: a key upgraded since (free to pro) still owns its collections.
  if (found.data.caller.keyId !== caller.keyId) throw notFound();
  return found;
}

/** GET /v1/jobs/:id of a collection: its status and a page of items, or (format=jsonl) its finished items' results. */
export async function collectionStatus(
  c: Context<ApiEnv>,
  jobs: JobQueue,
  store: CollectionStore,
  job: CollectionJob,
): Promise<Response> {
  const query = PageQuerySchema.safeParse(c.req.query());
  if (!query.success) throw invalidRequest(query.error.issues);
  const { cursor, format } = query.data;
  const id = job.id as string;
  const meta = await store.meta(id);
  const total = meta?.progress.total ?? 0;
  if (format === "jsonl") {
    const limit = query.data.limit ?? COLLECTION_PAGE.jsonl;
    if (cursor + limit < total) c.header(NEXT_CURSOR_HEADER, String(cursor + limit));
    return streamResults(c, jobs, store, job, cursor, limit);
  }

  const state = await job.getState();
  const status =
    state === "completed" || state === "failed" ? state : meta?.info !== undefined ? "active" : "queued";
  const limit = query.data.limit ?? COLLECTION_PAGE.default;
  const items = (await store.items(id, cursor, Math.min(limit, total - cursor))).map(
    ({ jobId: _, ...item }) => item,
  );
  const requestId = c.get("requestId");
  const error = state === "failed" ? errorBody(decodeFailure(job.failedReason), requestId).error : undefined;
  // Shown, empty until the first attempt, whenever a webhook was asked for: a client can tell
  // "not sent yet" from "none asked".
  const deliveries = job.data.collection.callbackUrl
    ? await jobDeliveries(jobs.redis, jobs.queue.name, id)
    : undefined;
  const body: JobBody = {
    job: { id, status, statusUrl: `/v1/jobs/${id}`, kind: "collection" },
    ...(meta?.info ? { collection: meta.info } : {}),
    progress: meta?.progress ?? { total: 0, done: 0, failed: 0, extracted: 0 },
    items,
    ...(cursor + limit < total ? { nextCursor: String(cursor + limit) } : {}),
    ...(deliveries ? { deliveries } : {}),
    ...(error ? { error } : {}),
    requestId,
  };
  return c.json(body);
}

/**
 * One JSON line per finished item from `cursor`, in order, up to `limit` items looked at: the
 * transcript (`body`) or the error. Bodies are read one at a time from the result store as the
 * client reads, so a 5,000-video collection never sits in memory.
 */
function streamResults(
  c: Context<ApiEnv>,
  jobs: JobQueue,
  store: CollectionStore,
  job: CollectionJob,
  cursor: number,
  limit: number,
): Response {
  const id = job.id as string;
  const order = job.data.collection;
  c.header("Content-Type", "application/jsonl; charset=utf-8");
  return stream(c, async (out) => {
    for (let from = cursor; from < cursor + limit && !out.aborted; from += STREAM_CHUNK) {
      const chunk = await store.items(id, from, Math.min(STREAM_CHUNK, cursor + limit - from));
      if (chunk.length === 0) return;
      for (const item of chunk) {
        if (item.status !== "completed" && item.status !== "failed") continue;
        const line = { index: item.index, videoId: item.videoId, status: item.status };
        if (item.status === "failed") {
          await out.write(`${JSON.stringify({ ...line, error: item.error })}\n`);
          continue;
        }
        const hash = await requestHash({
          kind: "transcript",
          request: { ...order.request, videoId: item.videoId },
        });
        const outcome = await jobs.results.get(hash);
        // Evicted from the result store (it may evict) since the item finished.
        const text = outcome?.ok
          ? JSON.stringify({ ...line, body: outcome.value })
          : JSON.stringify({ ...line, status: "failed", error: GONE });
        await out.write(`${text}\n`);
      }
    }
  });
}
