import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, BatchWebhookSchema, WebhookSecretSchema, WebhookSecretStatusSchema } from "@ytt/shared";
import type { AppEnv } from "../app-env.js";
import { ownKeyOnly } from "../auth/demo.js";
import { fromOrigin } from "../forward/origin.js";
import { burstLimit } from "../rate-limit/middleware.js";
import type { ResolveContext } from "../resolve.js";
import { resolveContext, validationHook } from "./request.js";
import { errorResponses, KEYED_ERRORS, security } from "./schemas.js";

/**
 * A key's webhook secret and its batches' webhooks. The secret lives at the origin, next to the
 * webhooks process that signs with it (HMAC needs the secret itself, so the edge's KV, which holds
 * only hashes of API keys, is no place for it): these routes forward, signed, for the caller's key.
 * Not for the shared demo key (the web page has no webhooks).
 */
const webhookRoute = { security, middleware: [ownKeyOnly, burstLimit] };
const ORIGIN_ERRORS = [...KEYED_ERRORS, "ORIGIN_UNAVAILABLE"] as const;

export const WebhookSecret = WebhookSecretSchema.meta({ id: "WebhookSecret" });
export const WebhookSecretStatus = WebhookSecretStatusSchema.meta({ id: "WebhookSecretStatus" });
export const BatchWebhook = BatchWebhookSchema.meta({ id: "BatchWebhook" });

const makeSecretRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/secret",
  operationId: "createWebhookSecret",
  summary: "Make (or rotate) this key's webhook signing secret; the answer is the only time it is shown",
  description:
    "Deliveries are signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature) with this whsec_ secret. After a rotation the previous secret signs too, for 24 hours (previousValidUntil).",
  ...webhookRoute,
  responses: {
    201: { description: "The new secret", content: { "application/json": { schema: WebhookSecret } } },
    ...errorResponses(ORIGIN_ERRORS),
  },
});

const secretStatusRoute = createRoute({
  method: "get",
  path: "/v1/webhooks/secret",
  operationId: "getWebhookSecret",
  summary: "Whether this key has a webhook secret and when it was made (never the secret)",
  ...webhookRoute,
  responses: {
    200: {
      description: "The secret's status",
      content: { "application/json": { schema: WebhookSecretStatus } },
    },
    ...errorResponses(ORIGIN_ERRORS),
  },
});

const batchWebhookRoute = createRoute({
  method: "get",
  path: "/v1/webhooks/batches/{id}",
  operationId: "getBatchWebhook",
  summary: "A batch's webhook and its delivery attempts",
  description: "The id is the `webhook.id` of a batch answer with a callbackUrl; another key's is a 404.",
  ...webhookRoute,
  request: {
    params: z.object({
      id: z
        .string()
        .regex(/^[0-9a-f]{32}$/, "not a batch webhook id")
        .openapi({ param: { name: "id", in: "path" }, example: "5d41402abc4b2a76b9719d911017c592" }),
    }),
  },
  responses: {
    200: { description: "The webhook", content: { "application/json": { schema: BatchWebhook } } },
    ...errorResponses([...ORIGIN_ERRORS, "NOT_FOUND"]),
  },
});

/** Refuses a callbackUrl for a key without a secret before anything is spent: nothing could be verified. */
export async function requireWebhookSecret(ctx: ResolveContext): Promise<void> {
  const status = await fromOrigin(ctx, "GET", "/v1/webhooks/secret", WebhookSecretStatusSchema);
  if (!status.exists) throw new ApiError("WEBHOOK_SECRET_REQUIRED");
}

export const webhooks = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(makeSecretRoute, async (c) => {
    const made = await fromOrigin(resolveContext(c), "POST", "/v1/webhooks/secret", WebhookSecretSchema);
    return c.json(made, 201, { "Cache-Control": "no-store" });
  })
  .openapi(secretStatusRoute, async (c) => {
    const status = await fromOrigin(
      resolveContext(c),
      "GET",
      "/v1/webhooks/secret",
      WebhookSecretStatusSchema,
    );
    return c.json(status, 200, { "Cache-Control": "no-store" });
  })
  .openapi(batchWebhookRoute, async (c) => {
    const { id } = c.req.valid("param");
    const webhook = await fromOrigin(
      resolveContext(c),
      "GET",
      `/v1/webhooks/batches/${id}`,
      BatchWebhookSchema,
    );
    return c.json(webhook, 200, { "Cache-Control": "no-store" });
  });
