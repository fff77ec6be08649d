import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  COLLECTION_LIMIT,
  checkedCollection,
  JobBodySchema,
  NEXT_CURSOR_HEADER,
  toTranscriptRequest,
} from "@ytt/shared";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { ownKeyOnly } from "../auth/demo.js";
import { type IssuedCollection, issueJobToken } from "../forward/job-token.js";
import {
  callOrigin,
  edgeJob,
  fromOrigin,
  originFetch,
  originQuery,
  originRefusal,
  originUnavailable,
} from "../forward/origin.js";
import { burstLimit, chargeQuota, refundQuota } from "../rate-limit/middleware.js";
import { bodyUpTo, resolveContext, validationHook } from "./request.js";
import { CollectionRequest, errorResponses, JobBody, KEYED_ERRORS, security } from "./schemas.js";
import { requireWebhookSecret } from "./webhooks.js";

/** A collection request is a reference and a few options: anything near this size is not one. */
const MAX_BODY_BYTES = 16 * 1024;

const collectionRoute = createRoute({
  method: "post",
  path: "/v1/collections",
  operationId: "createCollection",
  summary: "Every transcript of a playlist or a channel, as one job",
  description: `Lists the playlist or the channel's tab (up to \`limit\` videos, in order) and fetches each video's transcript with the options given; answers 202 with a job to poll at once. The collection costs one unit of the daily quota per video listed: \`limit\` units (default ${COLLECTION_LIMIT.default}) are charged when it is created, like a batch's items, and those of the entries it turns out not to have are given back once it is listed. Its videos are extracted within half of the key's places in flight, so the key's own requests are never starved; videos stored at the edge or the origin cost no extraction.`,
  security,
  middleware: [bodyUpTo(MAX_BODY_BYTES), ownKeyOnly, burstLimit],
  request: { body: { content: { "application/json": { schema: CollectionRequest } }, required: true } },
  responses: {
    202: {
      description:
        "The collection job: poll its statusUrl (also in Location) for progress, its items and their results",
      content: { "application/json": { schema: JobBody } },
    },
    ...errorResponses([
      ...KEYED_ERRORS,
      "INVALID_COLLECTION_REFERENCE",
      "INVALID_CALLBACK_URL",
      "WEBHOOK_SECRET_REQUIRED",
      "PAYLOAD_TOO_LARGE",
      "QUOTA_EXCEEDED",
      "ORIGIN_UNAVAILABLE",
    ]),
  },
});

export const collections = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  collectionRoute,
  async (c) => {
    const { collection, tab, limit, callbackUrl: asked, ...query } = c.req.valid("json");
    // A reference that is not a collection, or a callback that cannot be made, costs nothing.
    const { callbackUrl } = checkedCollection({ collection, tab, callbackUrl: asked });
    const ctx = resolveContext(c);
    if (callbackUrl) await requireWebhookSecret(ctx);
    // Charged under a charge id the key's counter notes with the units, before the origin is asked
    // (so no settlement can come first); the origin settles with chargeRef (shared/src/edge-link.ts).
    const chargeId = crypto.randomUUID().replaceAll("-", "");
    await chargeQuota(c, limit, chargeId);
    const counter = c.env.QUOTA.idFromName(c.var.caller.keyHash);
    const chargeRef = `${counter.toString()}.${chargeId}`;
    const order = {
      collection,
      ...(tab ? { tab } : {}),
      limit,
      ...originQuery(toTranscriptRequest("", query)),
      ...(callbackUrl ? { callbackUrl } : {}),
      chargeRef,
    };
    const raw = await callOrigin(ctx, "POST", "/v1/collections", order);
    if (raw.status !== 202) {
      const refusal = originRefusal(raw);
      // The origin's own refusal (queue full, a bad reference it caught) means no job: nothing spent.
      // Anything else (a gateway's 502, a body that is not ours) may have come after the job was made.
      if (refusal.code !== "ORIGIN_UNAVAILABLE") {
        await refundQuota(c, limit);
        // And the note closed, so that nothing can settle it again.
        await c.env.QUOTA.get(counter).settleCollection(chargeId, limit);
      }
      throw refusal;
    }
    const created = JobBodySchema.safeParse(raw.body);
    if (!created.success) throw originUnavailable("bad-response");
    const token = await issueJobToken(c.var.config, c.var.caller, {
      jobId: created.data.job.id,
      kind: "collection",
    });
    const job = edgeJob(created.data, c.var.requestId, token);
    return c.json(job, 202, {
      Location: job.job.statusUrl,
      "Retry-After": String(raw.retryAfter ?? 5),
      "Cache-Control": "no-store",
    });
  },
);

/**
 * GET /v1/jobs/{id} of a collection: always the origin's (its state lives there), the page of items
 * asked for; format=jsonl streams the finished items' results through as the origin writes them,
 * a page at a time (the next page's cursor in X-Next-Cursor).
 */
export async function collectionStatus(
  c: Context<AppEnv>,
  job: IssuedCollection,
  token: string,
  query: { cursor?: string | undefined; limit?: number | undefined; format?: "json" | "jsonl" | undefined },
): Promise<Response> {
  const ctx = resolveContext(c);
  const params = new URLSearchParams();
  if (query.cursor !== undefined) params.set("cursor", query.cursor);
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  if (query.format === "jsonl") params.set("format", "jsonl");
  const path = `/v1/jobs/${job.jobId}${params.size ? `?${params}` : ""}`;
  const noStore = { "Cache-Control": "no-store" };
  if (query.format === "jsonl") {
    const response = await originFetch(ctx, "GET", path, undefined, undefined, "application/jsonl");
    if (response.status === 200 && response.body) {
      const next = response.headers.get(NEXT_CURSOR_HEADER);
      return new Response(response.body, {
        headers: {
          ...noStore,
          "Content-Type": "application/jsonl; charset=utf-8",
          ...(next && /^\d{1,7}$/.test(next) ? { [NEXT_CURSOR_HEADER]: next } : {}),
        },
      });
    }
    const body = await response.json().catch(() => undefined);
    throw originRefusal({ status: response.status, body, retryAfter: undefined });
  }
  const body = await fromOrigin(ctx, "GET", path, JobBodySchema);
  return c.json(edgeJob(body, c.var.requestId, token), 200, noStore);
}
