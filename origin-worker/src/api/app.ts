import {
  ApiError,
  BatchRequestSchema,
  type Caller,
  errorBody,
  invalidRequest,
  isVideoId,
  type JobBody,
  MAX_BATCH_BODY_BYTES,
  parseVideoRef,
  RETRY_AFTER_SECONDS,
  requestIdFrom,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import { type Context, Hono } from "hono";
import { routePath } from "hono/route";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CollectionStore } from "../collect/state.js";
import type { Logger } from "../observability/logger.js";
import type { ApiMetrics } from "../observability/metrics.js";
import { type Outcome, outcomeError } from "../queue/outcome.js";
import { BATCH_PRIORITY, JOB_ID, type JobQueue, type JobStatus, originKeyPrefix } from "../queue/queue.js";
import { webhookRoutes } from "../webhooks/routes.js";
import { collectionJob, collectionOrder, collectionStatus, createCollection } from "./collections.js";
import type { ApiEnv } from "./context.js";
import { type SignatureOptions, verifySignature } from "./verify-signature.js";

export interface ApiDeps {
  jobs: JobQueue;
  metrics: ApiMetrics;
  log: Logger;
  signature: Omit<SignatureOptions, "redis" | "maxBodyBytes">;
  waitBudgetMs: number;
}

/** What one request (or one batch item) answers: the batch endpoint nests exactly these. */
interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * Retry-After for a 202 or a retryable failure (a full queue, YouTube pushing back): long enough
 * not to hammer, short enough to feel live. The edge tells the same for a job that failed so.
 */
const RETRY_AFTER = String(RETRY_AFTER_SECONDS);

function errorAnswer(error: ApiError, requestId: string): Answer {
  const headers: Record<string, string> = error.retryable ? { "Retry-After": RETRY_AFTER } : {};
  return { status: error.status, body: errorBody(error, requestId), headers };
}

function send(c: Context<ApiEnv>, answer: Answer): Response {
  return c.json(answer.body, answer.status as ContentfulStatusCode, answer.headers);
}

function outcomeAnswer(outcome: Outcome, requestId: string, cache: "HIT" | "MISS"): Answer {
  if (outcome.ok) return { status: 200, body: outcome.value, headers: { "X-Cache": cache } };
  const answer = errorAnswer(outcomeError(outcome), requestId);
  return { ...answer, headers: { ...answer.headers, "X-Cache": cache } };
}

function jobBody(id: string, status: JobStatus, requestId: string, outcome?: Outcome): JobBody {
  return {
    job: { id, status, statusUrl: `/v1/jobs/${id}` },
    ...(outcome?.ok ? { result: outcome.value } : {}),
    ...(outcome && !outcome.ok ? { error: errorBody(outcomeError(outcome), requestId).error } : {}),
    requestId,
  };
}

/** The signed API (port 8788): transcripts, languages, batch and job status. */
export function createApiApp(deps: ApiDeps): Hono<ApiEnv> {
  const { jobs, metrics, waitBudgetMs } = deps;
  const app = new Hono<ApiEnv>();
  const collections = new CollectionStore(jobs.redis, originKeyPrefix(jobs.queue.name));

  /** Queues the work, joins its job, or answers at once (result store hit, queue full). */
  async function start(
    work: WorkRequest,
    requestId: string,
    caller: Caller,
    priority?: number,
  ): Promise<Answer | string> {
    try {
      const submission = await jobs.submit(work, requestId, caller, priority);
      if (!submission.cached) {
        metrics.cache.inc({ result: "miss" });
        return submission.id;
      }
      metrics.cache.inc({ result: "hit" });
      return outcomeAnswer(submission.cached, requestId, "HIT");
    } catch (error) {
      if (error instanceof ApiError) return errorAnswer(error, requestId);
      throw error;
    }
  }

  /** Waits for the job up to the budget; past it, 202 with where to look later. */
  async function finish(started: Answer | string, requestId: string): Promise<Answer> {
    if (typeof started !== "string") return started;
    const id = started;
    const outcome = (await jobs.waitFor(id, waitBudgetMs)) ?? (await jobs.view(id))?.outcome;
    if (outcome) return outcomeAnswer(outcome, requestId, "MISS");
    return {
      status: 202,
      body: jobBody(id, (await jobs.view(id))?.status ?? "queued", requestId),
      headers: { Location: `/v1/jobs/${id}`, "Retry-After": RETRY_AFTER, "X-Cache": "MISS" },
    };
  }

  const answer = async (work: WorkRequest, c: Context<ApiEnv>) =>
    finish(await start(work, c.get("requestId"), c.get("caller")), c.get("requestId"));

  function transcriptWork(videoId: string, query: Record<string, string>): WorkRequest {
    const parsed = TranscriptQuerySchema.safeParse(query);
    if (!parsed.success) throw invalidRequest(parsed.error.issues);
    return { kind: "transcript", request: toTranscriptRequest(videoId, parsed.data) };
  }

  function languagesWork(videoId: string): WorkRequest {
    return { kind: "languages", request: toTranscriptRequest(videoId, TranscriptQuerySchema.parse({})) };
  }

  function checkedVideoId(value: string): string {
    if (!isVideoId(value)) {
      throw new ApiError("INVALID_VIDEO_REFERENCE", { details: { reason: "not an 11-character video ID" } });
    }
    return value;
  }

  app.use("*", async (c, next) => {
    const requestId = requestIdFrom(c.req.header("x-request-id"));
    const log = deps.log.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    c.header("X-Request-Id", requestId);
    const route = routePath(c, -1);
    metrics.requests.inc({ route, status: String(c.res.status) });
    log.info(
      { method: c.req.method, route, status: c.res.status, ms: Math.round(performance.now() - started) },
      "request",
    );
  });

  app.use(
    "/v1/*",
    ...verifySignature({ ...deps.signature, redis: jobs.redis, maxBodyBytes: MAX_BATCH_BODY_BYTES }),
  );

  app.get("/v1/transcripts/:videoId/languages", async (c) => {
    const work = languagesWork(checkedVideoId(c.req.param("videoId")));
    return send(c, await answer(work, c));
  });

  app.get("/v1/transcripts/:videoId", async (c) => {
    const work = transcriptWork(checkedVideoId(c.req.param("videoId")), c.req.query());
    return send(c, await answer(work, c));
  });

  // ?wait=0: queue every item and answer at once with statuses only (the edge then fetches the
  // answers a few at a time, its memory being small, while every job already runs).
  app.post("/v1/batch", async (c) => {
    const requestId = c.get("requestId");
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new ApiError("INVALID_REQUEST", { message: "The body must be JSON." });
    }
    const parsed = BatchRequestSchema.safeParse(json);
    if (!parsed.success) throw invalidRequest(parsed.error.issues);
    // Items are admitted one after the other, each taking its own place (a batch costs its items), then awaited together.
    const started: (Answer | string)[] = [];
    for (const { video, ...query } of parsed.data.items) {
      const ref = parseVideoRef(video);
      if (!ref.ok) {
        const error = new ApiError("INVALID_VIDEO_REFERENCE", { details: { reason: ref.reason } });
        started.push(errorAnswer(error, requestId));
        continue;
      }
      try {
        const defined = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
        const work = transcriptWork(ref.videoId, defined);
        started.push(await start(work, requestId, c.get("caller"), BATCH_PRIORITY));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        started.push(errorAnswer(error, requestId));
      }
    }
    if (c.req.query("wait") === "0") {
      return c.json({ items: started.map((s) => ({ status: typeof s === "string" ? 202 : s.status })) });
    }
    const items = await Promise.all(
      started.map(async (s) => {
        const { status, body } = await finish(s, requestId);
        return { status, body };
      }),
    );
    return c.json({ items });
  });

  // A collection is always a job: its coordinator lists it and feeds its videos in (collect/).
  app.post("/v1/collections", async (c) => {
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new ApiError("INVALID_REQUEST", { message: "The body must be JSON." });
    }
    const order = collectionOrder(json);
    const requestId = c.get("requestId");
    const id = await createCollection(jobs, order, requestId, c.get("caller"));
    const body: JobBody = {
      job: { id, status: "queued", statusUrl: `/v1/jobs/${id}`, kind: "collection" },
      progress: { total: 0, done: 0, failed: 0, extracted: 0 },
      requestId,
    };
    return c.json(body, 202, { Location: `/v1/jobs/${id}`, "Retry-After": RETRY_AFTER });
  });

  // ?wait=1: the edge, in the background after a 202, waits (up to the budget) for the job to end.
  app.get("/v1/jobs/:id", async (c) => {
    const id = c.req.param("id");
    if (!JOB_ID.test(id)) throw new ApiError("NOT_FOUND", { message: "No such job, or it has expired." });
    const collection = await collectionJob(jobs, collections, id, c.get("caller"));
    if (collection) return collectionStatus(c, jobs, collections, collection);
    let view = await jobs.view(id);
    if (view && !view.outcome && c.req.query("wait") === "1") {
      await jobs.waitFor(id, waitBudgetMs);
      view = await jobs.view(id);
    }
    if (!view) throw new ApiError("NOT_FOUND", { message: "No such job, or it has expired." });
    return c.json(jobBody(view.id, view.status, c.get("requestId"), view.outcome));
  });

  // The caller's webhook secret, batch callbacks and their deliveries (webhooks/routes.ts).
  app.route("/v1/webhooks", webhookRoutes(jobs));

  app.notFound((c) => c.json(errorBody(new ApiError("NOT_FOUND"), c.get("requestId") ?? ""), 404));

  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? "";
    if (error instanceof ApiError) return send(c, errorAnswer(error, requestId));
    // Without Redis nothing can be queued or looked up: a retryable 503, not a 500.
    const redisDown = jobs.redis.status !== "ready";
    c.get("log")?.error({ err: error, redisDown }, "unhandled error");
    return send(c, errorAnswer(new ApiError(redisDown ? "ORIGIN_UNAVAILABLE" : "INTERNAL"), requestId));
  });

  return app;
}

export interface OpsDeps {
  jobs: JobQueue;
  metrics: ApiMetrics;
}

/** The ops port (9090), never exposed through the tunnel: probes, metrics, and the autoscaler's queue depth. */
export function createOpsApp({ jobs, metrics }: OpsDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    try {
      await jobs.redis.ping();
      return c.json({ ok: true, redis: "ok" });
    } catch {
      return c.json({ ok: false, redis: "unreachable" }, 503);
    }
  });
  app.get("/metrics", async (c) =>
    c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
  );
  app.get("/queue-depth", async (c) => c.json(await jobs.depth()));
  return app;
}
