import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  ApiError,
  errorBody,
  requestHash,
  type Transcript,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import type { StoredAnswer } from "../cache/store.js";
import {
  type Answer,
  callOrigin,
  interpretAnswer,
  originQuery,
  originUnavailable,
} from "../forward/origin.js";
import { chargeQuota, keyLimit } from "../rate-limit/middleware.js";
import { lookup, type Resolution, type ResolveContext, settle } from "../resolve.js";
import { issuesOf, resolveContext, validationHook, videoIdFrom } from "./request.js";
import {
  BatchBodySchema,
  type BatchItemSchema,
  BatchResultSchema,
  errorResponses,
  security,
} from "./schemas.js";

/** 50 items with long URLs fit easily; anything bigger is not a batch request. */
const MAX_BATCH_BODY_BYTES = 256 * 1024;

const batchRoute = createRoute({
  method: "post",
  path: "/v1/batch",
  summary: "Up to 50 transcripts at once; each item counts towards the quota",
  security,
  middleware: [
    bodyLimit({
      maxSize: MAX_BATCH_BODY_BYTES,
      onError: () => {
        throw new ApiError("INVALID_REQUEST", { message: "The request body is too large." });
      },
    }),
    keyLimit(0),
  ],
  request: { body: { content: { "application/json": { schema: BatchBodySchema } }, required: true } },
  responses: {
    200: {
      description: "One result per item, in order: the status and body the single endpoint would answer",
      content: { "application/json": { schema: BatchResultSchema } },
    },
    ...errorResponses,
  },
});

type BatchItem = z.infer<typeof BatchItemSchema>;
/** One item made canonical: its request and hash, or the answer it already has (a validation error). */
type Prepared = { done: Resolution } | { work: WorkRequest; hash: string };
type Miss = { work: WorkRequest; hash: string; stale: StoredAnswer | undefined };

async function prepare(item: BatchItem): Promise<Prepared> {
  try {
    const videoId = videoIdFrom(item.video);
    const query = TranscriptQuerySchema.safeParse({
      lang: item.lang,
      kind: item.kind,
      tlang: item.tlang,
      fallback: item.fallback,
    });
    if (!query.success) throw new ApiError("INVALID_REQUEST", { details: { issues: issuesOf(query.error) } });
    const work: WorkRequest = { kind: "transcript", request: toTranscriptRequest(videoId, query.data) };
    return { work, hash: await requestHash(work) };
  } catch (e) {
    if (e instanceof ApiError) return { done: { type: "error", error: e, cache: "MISS" } };
    throw e;
  }
}

/**
 * Resolves each distinct request once, however many items ask for it (the same video as ID and as
 * link, parameters in another order...): store lookups, then one origin call for all misses.
 */
async function resolveDistinct(
  ctx: ResolveContext,
  distinct: Map<string, WorkRequest>,
): Promise<Map<string, Resolution>> {
  const resolved = new Map<string, Resolution>();
  const misses: Miss[] = [];
  await Promise.all(
    [...distinct].map(async ([hash, work]) => {
      const found = await lookup(ctx, work, hash);
      if ("hit" in found) resolved.set(hash, found.hit);
      else misses.push({ work, hash, stale: found.miss });
    }),
  );
  if (misses.length > 0) {
    const answers = await askOrigin(ctx, misses);
    await Promise.all(
      misses.map(async (m, i) => {
        const answer = answers[i] ?? { type: "error", error: originUnavailable("bad-response") };
        resolved.set(m.hash, await settle(ctx, m.work, m.hash, answer, m.stale));
      }),
    );
  }
  return resolved;
}

const OriginBatchSchema = z.object({
  items: z.array(z.object({ status: z.number().int(), body: z.unknown() })),
});

/** One origin call for all misses; if it fails as a whole, every miss gets that failure. */
async function askOrigin(ctx: ResolveContext, misses: Miss[]): Promise<Answer[]> {
  const failAll = (error: ApiError): Answer[] => misses.map(() => ({ type: "error", error }));
  try {
    const raw = await callOrigin(ctx, "POST", "/v1/batch", {
      items: misses.map((m) => ({ video: m.work.request.videoId, ...originQuery(m.work.request) })),
    });
    if (raw.status !== 200) {
      const answer = interpretAnswer("transcript", raw);
      return failAll(answer.type === "error" ? answer.error : originUnavailable("bad-response"));
    }
    const parsed = OriginBatchSchema.safeParse(raw.body);
    if (!parsed.success || parsed.data.items.length !== misses.length)
      return failAll(originUnavailable("bad-response"));
    return parsed.data.items.map((item) =>
      interpretAnswer("transcript", { status: item.status, body: item.body, retryAfter: undefined }),
    );
  } catch (e) {
    if (e instanceof ApiError) return failAll(e);
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

export const batch = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  batchRoute,
  async (c) => {
    const { items } = c.req.valid("json");
    await chargeQuota(c, items.length);
    const ctx = resolveContext(c);
    const prepared = await Promise.all(items.map(prepare));
    const distinct = new Map<string, WorkRequest>();
    for (const p of prepared) if ("work" in p && !distinct.has(p.hash)) distinct.set(p.hash, p.work);
    const resolved = await resolveDistinct(ctx, distinct);
    const results = prepared.map((p) =>
      itemOf("done" in p ? p.done : (resolved.get(p.hash) as Resolution), ctx.requestId),
    );
    return c.json({ items: results }, 200, { "Cache-Control": "no-store" });
  },
);
