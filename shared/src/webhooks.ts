import { z } from "zod";

/**
 * The webhook bodies both sides speak: what the origin answers and the edge checks and documents.
 * Deliveries follow the Standard Webhooks specification (origin-worker/src/webhooks/).
 */

export const WebhookAttemptSchema = z.object({
  at: z.string().describe("When the attempt was made (ISO 8601)."),
  statusCode: z.number().int().optional().describe("The receiver's HTTP status, when it answered."),
  error: z
    .string()
    .optional()
    .describe(
      "Why the attempt failed without a status (timeout, refused: loopback, ...) or why its status does not count (redirect not followed).",
    ),
});

/** One message to a job's callback URL, with every attempt at delivering it. */
export const WebhookDeliverySchema = z.object({
  id: z.string().describe("The message id, sent as webhook-id on every attempt."),
  event: z.string().describe("The message's type, e.g. batch.completed."),
  url: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.array(WebhookAttemptSchema),
  nextAttemptAt: z.string().optional().describe("While pending: when the next attempt is due."),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookSecretStatusSchema = z.object({
  exists: z.boolean(),
  createdAt: z.string().optional(),
  previousValidUntil: z
    .string()
    .optional()
    .describe("After a rotation: until when deliveries are also signed with the previous secret."),
});

/** POST /v1/webhooks/secret: the only answer that ever shows the secret. */
export const WebhookSecretSchema = WebhookSecretStatusSchema.extend({
  secret: z.string().describe("whsec_ and 32 random bytes in base64: keep it, it is not shown again."),
  createdAt: z.string(),
});

/** A batch's webhook: the batch answer's trailing `webhook`, and GET /v1/webhooks/batches/{id}. */
export const BatchWebhookSchema = z.object({
  id: z.string(),
  status: z.enum(["waiting", "pending", "delivered", "failed"]),
  deliveries: z.array(WebhookDeliverySchema),
});
