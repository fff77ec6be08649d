import { randomBytes } from "node:crypto";
import {
  ApiError,
  callbackUrlOf,
  ERROR_CODES,
  invalidRequest,
  isVideoId,
  MAX_BATCH_ITEMS,
} from "@ytt/shared";
import { Hono } from "hono";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { ApiEnv } from "../api/context.js";
import { JOB_ID, type JobQueue } from "../queue/queue.js";
import { registerCallback } from "./callbacks.js";
import { type Delivery, readDeliveries, WebhookOutbox } from "./outbox.js";
import { WebhookSecrets } from "./secrets.js";

/**
 * How long a batch watch waits for its items: a job holds its admission places an hour at most
 * (ADMISSION_LEASE_SECONDS), so past twice that an item still unfinished is reported as 202.
 */
const BATCH_MAX_WAIT_MS = 2 * 3600 * 1000;

/** The edge's account of a batch it answered, sent once the answer has been streamed. */
const BatchRegistrationSchema = z.object({
  callbackUrl: z.string(),
  items: z
    .array(
      z
        .object({
          index: z
            .number()
            .int()
            .min(0)
            .max(MAX_BATCH_ITEMS - 1),
          videoId: z.string().refine(isVideoId, "not a video ID").optional(),
          status: z.number().int().min(200).max(599).optional(),
          code: z.enum(ERROR_CODES).optional(),
          jobId: z.string().regex(JOB_ID).optional(),
        })
        .refine((item) => (item.status === undefined) !== (item.jobId === undefined), {
          message: "an item has either its status or the job still extracting it",
        }),
    )
    .min(1)
    .max(MAX_BATCH_ITEMS),
});

const BATCH_ID = /^[0-9a-f]{32}$/;

/** Deliveries as clients see them: whose key signed them is the caller's own business already. */
function shown(deliveries: Delivery[]) {
  return deliveries.map(({ keyId: _, ...delivery }) => delivery);
}

/**
 * /v1/webhooks on the signed origin API, for the caller's own key only: its secret (made or
 * rotated and shown once by POST, only described by GET), batches to call back (the edge
 * registers one after answering it), and a batch's deliveries.
 */
export function webhookRoutes(jobs: JobQueue): Hono<ApiEnv> {
  const secrets = new WebhookSecrets(jobs.redis, jobs.queue.name);
  const outbox = new WebhookOutbox(jobs.redis, jobs.queue.name);
  const app = new Hono<ApiEnv>();

  app.post("/secret", async (c) => {
    const made = await secrets.rotate(c.get("caller").keyId);
    c.get("log").info(
      { keyId: c.get("caller").keyId, rotated: Boolean(made.previousValidUntil) },
      "webhook secret made",
    );
    return c.json(made, 201, { "Cache-Control": "no-store" });
  });

  app.get("/secret", async (c) => c.json(await secrets.status(c.get("caller").keyId)));

  app.post("/batches", async (c) => {
    const parsed = BatchRegistrationSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw invalidRequest(parsed.error.issues);
    const url = callbackUrlOf(parsed.data.callbackUrl);
    const { keyId } = c.get("caller");
    if (!(await secrets.status(keyId)).exists) throw new ApiError("WEBHOOK_SECRET_REQUIRED");
    const batchId = randomBytes(16).toString("hex");
    // The batch's only destination, registered before its watch can run (callbacks.ts).
    await registerCallback(jobs.redis, jobs.queue.name, batchId, { url, keyId });
    await outbox.watchBatch({
      batchId,
      keyId,
      url,
      items: parsed.data.items,
      deadline: Date.now() + BATCH_MAX_WAIT_MS,
    });
    return c.json({ webhook: { id: batchId, statusUrl: `/v1/webhooks/batches/${batchId}` } }, 202);
  });

  app.get("/batches/:id", async (c) => {
    const id = c.req.param("id");
    const notFound = new ApiError("NOT_FOUND", { message: "No such batch webhook, or it has expired." });
    if (!BATCH_ID.test(id)) throw notFound;
    const { keyId } = c.get("caller");
    const watch = await outbox.queue.getJob(`batch.${id}`);
    const deliveries = (await outbox.deliveries(id)).filter((d) => d.keyId === keyId);
    if (deliveries.length === 0 && watch?.data.keyId !== keyId) throw notFound;
    // Until the batch's items have finished (and the first attempt is made) there is no delivery yet.
    const status = deliveries[0]?.status ?? "waiting";
    return c.json({ id, status, deliveries: shown(deliveries) });
  });

  return app;
}

/**
 * A job's webhook deliveries as GET /v1/jobs/{id} shows them (`deliveries`), oldest first: each
 * message with its attempts (time, status code or error), status and next attempt. `queueName` is
 * the transcripts queue's (QUEUE_NAME); the caller has checked the job is the asking key's.
 */
export async function jobDeliveries(redis: Redis, queueName: string, jobId: string) {
  return shown(await readDeliveries(redis, queueName, jobId));
}
