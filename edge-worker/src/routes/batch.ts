import { createRoute, OpenAPIHono, type RouteConfigToTypedResponse } from "@hono/zod-openapi";
import {
  ApiError,
  type BatchItem,
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
import { bodyLimit } from "hono/body-limit";
import { stream } from "hono/streaming";
import type { AppEnv } from "../app-env.js";
import { ownKeyOnly } from "../auth/demo.js";
import { burstLimit, chargeQuota } from "../rate-limit/middleware.js";
import {
  queueMisses,
  RESOLVE_WINDOW,
  type Resolution,
  type ResolveContext,
  resolveMany,
} from "../resolve.js";
import { resolveContext, validationHook, videoIdFrom } from "./request.js";
import { BatchRequest, BatchResult, errorResponses, KEYED_ERRORS, security } from "./schemas.js";

const batchRoute = createRoute({
  method: "post",
  path: "/v1/batch",
  operationId: "createBatch",
  summary: "Up to 50 transcripts at once; each item counts towards the quota",
  security,
  middleware: [
    bodyLimit({
      maxSize: MAX_BATCH_BODY_BYTES,
      onError: () => {
        throw new ApiError("PAYLOAD_TOO_LARGE");
      },
    }),
    ownKeyOnly,
    burstLimit,
  ],
  request: { body: { content: { "application/json": { schema: BatchRequest } }, required: true } },
  responses: {
    200: {
      description: "One result per item, in order: the status and body the single endpoint would answer",
      content: { "application/json": { schema: BatchResult } },
    },
    // Items' own failures are in the 200's items; these refuse the whole batch.
    ...errorResponses([...KEYED_ERRORS, "PAYLOAD_TOO_LARGE", "QUOTA_EXCEEDED"]),
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
async function* answerText(ctx: ResolveContext, prepared: Prepared[]): AsyncGenerator<string> {
  const lastUse = new Map<string, number>();
  const distinct = new Map<string, WorkRequest>();
  prepared.forEach((p, i) => {
    if (!("work" in p)) return;
    lastUse.set(p.hash, i);
    if (!distinct.has(p.hash)) distinct.set(p.hash, p.work);
  });
  const unresolved = [...distinct];
  const texts = new Map<string, string>();
  yield '{"items":[';
  await queueMisses(ctx, distinct);
  for (const [i, p] of prepared.entries()) {
    if (i > 0) yield ",";
    if ("done" in p) {
      yield itemText(p.done, ctx.requestId);
      continue;
    }
    // Items come in first-use order, so a request not resolved yet opens the next window.
    if (!texts.has(p.hash)) {
      const window = new Map(unresolved.splice(0, RESOLVE_WINDOW));
      for (const [hash, resolution] of await resolveWindow(ctx, window))
        texts.set(hash, itemText(resolution, ctx.requestId));
    }
    yield texts.get(p.hash) ?? itemText(internalError(), ctx.requestId);
    if (lastUse.get(p.hash) === i) texts.delete(p.hash);
  }
  yield "]}";
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
    const { items } = c.req.valid("json");
    await chargeQuota(c, items.length);
    const ctx = resolveContext(c);
    return streamed(c, answerText(ctx, await Promise.all(items.map(prepare))));
  },
);
