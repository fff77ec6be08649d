import { createRoute, OpenAPIHono, type RouteConfigToTypedResponse } from "@hono/zod-openapi";
import {
  ApiError,
  type BatchItem,
  callbackUrlOf,
  errorBody,
  invalidRequest,
  MAX_BATCH_BODY_BYTES,
  requestHash,
  type Transcript,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { ownKeyOnly } from "../auth/demo.js";
import { fromOrigin } from "../forward/origin.js";
import { burstLimit, chargeQuota } from "../rate-limit/middleware.js";
import {
  queueMisses,
  RESOLVE_WINDOW,
  type Resolution,
  type ResolveContext,
  resolveMany,
} from "../resolve.js";
import { bodyUpTo, resolveContext, validationHook, videoIdFrom } from "./request.js";
import { BatchRequest, BatchResult, errorResponses, KEYED_ERRORS, security } from "./schemas.js";
import { requireWebhookSecret } from "./webhooks.js";

const batchRoute = createRoute({
  method: "post",
  path: "/v1/batch",
  operationId: "createBatch",
  summary: "Up to 50 transcripts at once; each item counts towards the quota",
  description:
    "With callbackUrl, the answer ends with `webhook` (its id, or why it could not be set up) and, once every item has finished, a signed `batch.completed` webhook lists each item's index, videoId, status and error code (see the README: Webhooks).",
  security,
  middleware: [bodyUpTo(MAX_BATCH_BODY_BYTES), ownKeyOnly, burstLimit],
  request: { body: { content: { "application/json": { schema: BatchRequest } }, required: true } },
  responses: {
    200: {
      description: "One result per item, in order: the status and body the single endpoint would answer",
      content: { "application/json": { schema: BatchResult } },
    },
    // Items' own failures are in the 200's items; these refuse the whole batch.
    // With a callbackUrl: a bad one, a key without a webhook secret, or an origin that cannot say.
    ...errorResponses([
      ...KEYED_ERRORS,
      "PAYLOAD_TOO_LARGE",
      "QUOTA_EXCEEDED",
      "INVALID_CALLBACK_URL",
      "WEBHOOK_SECRET_REQUIRED",
      "ORIGIN_UNAVAILABLE",
    ]),
  },
});

/** One item made canonical: its request and hash, or the answer it already has (a validation error). */
type Prepared = { done: Resolution } | { work: WorkRequest; hash: string };

async function prepare(item: BatchItem): Promise<Prepared> {
  try {
    const videoId = videoIdFrom(item.video);
    const query = TranscriptQuerySchema.safeParse({
      lang: item.lang,
      kind: item.kind,
      tlang: item.tlang,
      fallback: item.fallback,
    });
    if (!query.success) throw invalidRequest(query.error.issues);
    const work: WorkRequest = { kind: "transcript", request: toTranscriptRequest(videoId, query.data) };
    return { work, hash: await requestHash(work) };
  } catch (e) {
    if (e instanceof ApiError) return { done: { type: "error", error: e, cache: "MISS" } };
    throw e;
  }
}

function itemOf(resolution: Resolution, requestId: string) {
  switch (resolution.type) {
    case "ok":
      // Batch items are transcript requests, so a success is a Transcript.
      return { status: 200, body: resolution.body as Transcript, cache: resolution.cache };
    case "pending":
      return { status: 202, body: resolution.job };
    case "error":
      return {
        status: resolution.error.status,
        body: errorBody(resolution.error, requestId),
        cache: resolution.cache,
      };
  }
}

/**
 * The answer's JSON text piece by piece, items in order. Distinct requests are resolved a window at
 * a time as the client reads, and an item's text is kept only until the last item that repeats it:
 * at most a window of transcripts is held, never the whole batch.
 */
async function* answerText(
  ctx: ResolveContext,
  prepared: Prepared[],
  callbackUrl: string | undefined,
): AsyncGenerator<string> {
  const lastUse = new Map<string, number>();
  const distinct = new Map<string, WorkRequest>();
  prepared.forEach((p, i) => {
    if (!("work" in p)) return;
    lastUse.set(p.hash, i);
    if (!distinct.has(p.hash)) distinct.set(p.hash, p.work);
  });
  const unresolved = [...distinct];
  const answers = new Map<string, Answered>();
  /** What the webhook will say of each item: small, kept for the whole batch. */
  const states: WebhookItem[] = [];
  yield '{"items":[';
  await queueMisses(ctx, distinct);
  for (const [i, p] of prepared.entries()) {
    if (i > 0) yield ",";
    if ("done" in p) {
      yield itemText(p.done, ctx.requestId);
      states.push({ index: i, ...itemState(p.done) });
      continue;
    }
    // Items come in first-use order, so a request not resolved yet opens the next window.
    if (!answers.has(p.hash)) {
      const window = new Map(unresolved.splice(0, RESOLVE_WINDOW));
      for (const [hash, resolution] of await resolveWindow(ctx, window))
        answers.set(hash, { text: itemText(resolution, ctx.requestId), state: itemState(resolution, hash) });
    }
    const answer = answers.get(p.hash) ?? {
      text: itemText(internalError(), ctx.requestId),
      state: itemState(internalError()),
    };
    yield answer.text;
    states.push({ index: i, videoId: p.work.request.videoId, ...answer.state });
    if (lastUse.get(p.hash) === i) answers.delete(p.hash);
  }
  if (!callbackUrl) return yield "]}";
  yield `],"webhook":${JSON.stringify(await registerWebhook(ctx, callbackUrl, states))}}`;
}

/** An item's text in the answer, and what the batch's webhook will say of it. */
type Answered = { text: string; state: ItemState };
/** A finished item's status (and code), or the origin job still extracting it. */
type ItemState = { status: number; code?: string } | { jobId: string };
type WebhookItem = ItemState & { index: number; videoId?: string };

function itemState(resolution: Resolution, hash?: string): ItemState {
  switch (resolution.type) {
    case "ok":
      return { status: 200 };
    case "error":
      return { status: resolution.error.status, code: resolution.error.code };
    case "pending":
      // The origin names a job by its request hash, which is how the edge keys the request too.
      return hash ? { jobId: hash } : { status: 202 };
  }
}

const RegisteredSchema = z.object({
  webhook: z.object({ id: z.string(), statusUrl: z.string() }),
});

/**
 * Once the answer has been streamed, the origin is told the batch's items (finished ones with their
 * status, the rest by job) and watches them; its webhook goes out when every item has finished.
 * The answer ends with the webhook's id, or with why it could not be registered (the 200 is sent).
 */
async function registerWebhook(ctx: ResolveContext, callbackUrl: string, items: WebhookItem[]) {
  try {
    const registered = await fromOrigin(ctx, "POST", "/v1/webhooks/batches", RegisteredSchema, {
      callbackUrl,
      items,
    });
    return registered.webhook;
  } catch (e) {
    if (e instanceof ApiError) return { error: errorBody(e, ctx.requestId).error };
    throw e;
  }
}

function itemText(resolution: Resolution, requestId: string): string {
  return JSON.stringify(itemOf(resolution, requestId));
}

function internalError(): Resolution {
  return { type: "error", error: new ApiError("INTERNAL"), cache: "MISS" };
}

/** The 200 is on its way once items stream, so a window that fails unexpectedly answers INTERNAL per item. */
async function resolveWindow(ctx: ResolveContext, window: Map<string, WorkRequest>) {
  try {
    return await resolveMany(ctx, window);
  } catch (e) {
    console.error(JSON.stringify({ level: "error", requestId: ctx.requestId, error: String(e) }));
    return new Map([...window.keys()].map((hash) => [hash, internalError()]));
  }
}

/**
 * Streams the answer as the client reads it. The body is BatchResult's JSON, written in pieces
 * rather than by c.json, so the route's typed response is asserted here.
 */
function streamed(c: Context<AppEnv>, texts: AsyncGenerator<string>) {
  c.header("Content-Type", "application/json");
  c.header("Cache-Control", "no-store");
  const response = stream(c, async (out) => {
    for await (const text of texts) {
      // The client went away: stop asking the origin for answers nobody reads.
      if (out.aborted) return;
      await out.write(text);
    }
  });
  return response as unknown as RouteConfigToTypedResponse<typeof batchRoute>;
}

export const batch = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  batchRoute,
  async (c) => {
    const { items, callbackUrl } = c.req.valid("json");
    const ctx = resolveContext(c);
    // A callback is refused before any quota is spent: a bad URL, or a key with no secret to sign with.
    const callback = callbackUrl === undefined ? undefined : callbackUrlOf(callbackUrl);
    if (callback) await requireWebhookSecret(ctx);
    await chargeQuota(c, items.length);
    return streamed(c, answerText(ctx, await Promise.all(items.map(prepare)), callback));
  },
);
