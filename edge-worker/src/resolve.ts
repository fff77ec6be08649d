/**
 * The edge's one result service: a request's answer from the edge store or the origin (storing what
 * the origin says), the batch fan-out, and a job's status. Routes only translate HTTP to and from it.
 */

import {
  ApiError,
  ERRORS,
  errorBody,
  isErrorCode,
  type JobBody,
  JobBodySchema,
  type JobKind,
  type LanguageList,
  RETRY_AFTER_SECONDS,
  type Transcript,
  type WorkRequest,
} from "@ytt/shared";
import { z } from "zod";
import { freshness, readAnswer, type StoredAnswer, writeFailure, writeSuccess } from "./cache/store.js";
import { type IssuedJob, issueJobToken } from "./forward/job-token.js";
import {
  type Answer,
  callOrigin,
  edgeJob,
  fromOrigin,
  interpretAnswer,
  isCacheableFailure,
  type OriginCall,
  originPath,
  originQuery,
  originRefusal,
  originUnavailable,
} from "./forward/origin.js";

export type CacheStatus = "HIT" | "MISS" | "STALE";
/** Why a stale copy was served: it is being refreshed, or the origin failed to give a fresh one. */
export type StaleReason = "revalidating" | "origin-unavailable";

export type Resolution =
  | {
      type: "ok";
      body: Transcript | LanguageList;
      /** When the edge store took this answer: which copy of it this is (MCP's page cursors name it). */
      storedAt: number;
      freshUntil: number;
      cache: CacheStatus;
      staleReason?: StaleReason;
    }
  | { type: "error"; error: ApiError; cache: CacheStatus }
  | { type: "pending"; job: JobBody; retryAfter: number };

export interface ResolveContext extends OriginCall {
  env: Env;
  waitUntil(promise: Promise<unknown>): void;
}

/** A request the edge store could not answer, with the stale entry, if any, to fall back on. */
type Miss = { work: WorkRequest; hash: string; stale: StoredAnswer | undefined };

/** A request answered from the edge store, or a miss (with the stale entry, if any, to fall back on). */
type Lookup = { hit: Resolution } | { miss: StoredAnswer | undefined };

async function lookup(ctx: ResolveContext, work: WorkRequest, hash: string): Promise<Lookup> {
  const stored = await readAnswer(ctx.env.TRANSCRIPTS, hash);
  if (!stored) return { miss: undefined };
  const state = freshness(stored);
  if (state === "fresh") return { hit: fromStored(stored, "HIT") };
  if (state === "revalidate") {
    ctx.waitUntil(refresh(ctx, work, hash));
    return { hit: fromStored(stored, "STALE", "revalidating") };
  }
  return { miss: stored };
}

/**
 * The whole path for one request: edge store, else the origin (falling back to a stale copy).
 * `beforeOrigin` runs (and may refuse) only when the origin is asked: the quota is spent there.
 * With `jobWaitMs`, a job the origin answers 202 for is waited for that much longer, counted from
 * the 202 (the origin has already held the call for its own wait budget): MCP tools, which cannot
 * hand a client a job to poll. Only a job still running then is answered pending.
 */
export async function resolve(
  ctx: ResolveContext,
  work: WorkRequest,
  hash: string,
  beforeOrigin: () => Promise<void>,
  jobWaitMs = 0,
): Promise<Resolution> {
  const found = await lookup(ctx, work, hash);
  if ("hit" in found) return found.hit;
  await beforeOrigin();
  let answer = await askOrigin(ctx, work);
  if (answer.type === "pending") answer = await awaitJob(ctx, work.kind, answer, jobWaitMs);
  return settle(ctx, work, hash, answer, found.miss);
}

/**
 * Waits up to `waitMs` for a pending job at the origin, which holds GET /v1/jobs/{id}?wait=1 until
 * the job ends or its own wait budget passes: the job's answer as soon as it ends, else the pending
 * answer. A call rather than a poll every few seconds spends one subrequest per budget (a Worker
 * invocation has a bounded number) and loses no time between polls; the call is cut off at the
 * deadline, since the origin's budget (25 s) may well be longer than ours. It costs no quota, as GET
 * /v1/jobs does not, and stores nothing: settle() stores the outcome once, as for any origin answer.
 */
async function awaitJob(
  ctx: ResolveContext,
  kind: JobKind,
  pending: Extract<Answer, { type: "pending" }>,
  waitMs: number,
): Promise<Answer> {
  const until = Date.now() + waitMs;
  const path = `/v1/jobs/${encodeURIComponent(pending.job.job.id)}?wait=1`;
  for (let left = waitMs; left > 0; left = until - Date.now()) {
    let raw: Awaited<ReturnType<typeof callOrigin>>;
    try {
      raw = await callOrigin(ctx, "GET", path, undefined, left);
    } catch (e) {
      // The deadline, or the origin failing: either way the job may well go on, and the caller
      // hears it is pending and asks again later.
      if (e instanceof ApiError) return pending;
      throw e;
    }
    const status = raw.status === 200 ? JobBodySchema.safeParse(raw.body) : undefined;
    if (!status?.success) return pending;
    const finished = finishedAnswer(kind, status.data);
    if (finished) return finished;
    // The origin answers at once for a job it no longer waits on (ended outside the catalogue):
    // asking again would only spin.
    if (status.data.job.status !== "queued" && status.data.job.status !== "active") return pending;
  }
  return pending;
}

/**
 * A finished job as the origin's answer to its request; undefined while it runs (or failed outside
 * the catalogue). A retryable failure says when to retry, as the origin's own answer would in its
 * Retry-After: the job's details carry YouTube's time when it gave one, else the usual one.
 */
function finishedAnswer(kind: JobKind, { result, error }: JobBody): Answer | undefined {
  if (result) return interpretAnswer(kind, { status: 200, body: result, retryAfter: undefined });
  if (!error || !isErrorCode(error.code)) return undefined;
  const retry = ERRORS[error.code].retryable ? { retryAfterSeconds: RETRY_AFTER_SECONDS } : {};
  const details = { ...retry, ...error.details };
  return {
    type: "error",
    error: new ApiError(error.code, {
      message: error.message,
      ...(Object.keys(details).length ? { details } : {}),
    }),
  };
}

async function askOrigin(ctx: ResolveContext, work: WorkRequest): Promise<Answer> {
  try {
    return interpretAnswer(work.kind, await callOrigin(ctx, "GET", originPath(work.kind, work.request)));
  } catch (e) {
    if (e instanceof ApiError) return { type: "error", error: e };
    throw e;
  }
}

/** Stores what the origin answered and decides what the client gets. */
async function settle(
  ctx: ResolveContext,
  work: WorkRequest,
  hash: string,
  answer: Answer,
  stale: StoredAnswer | undefined,
): Promise<Resolution> {
  const kv = ctx.env.TRANSCRIPTS;
  switch (answer.type) {
    case "ok": {
      const entry = await writeSuccess(kv, ctx.config, hash, work.kind, answer.body);
      return {
        type: "ok",
        body: answer.body,
        storedAt: entry.storedAt,
        freshUntil: entry.freshUntil,
        cache: "MISS",
      };
    }
    case "pending": {
      const jobId = answer.job.job.id;
      const token = await issueJobToken(ctx.config, ctx.caller, { jobId, kind: work.kind });
      ctx.waitUntil(storeWhenFinished(ctx, work, hash, jobId));
      return {
        type: "pending",
        job: edgeJob(answer.job, ctx.requestId, token),
        retryAfter: answer.retryAfter,
      };
    }
    case "error":
      if (answer.error.retryable && stale?.outcome === "ok")
        return fromStored(stale, "STALE", "origin-unavailable");
      if (isCacheableFailure(answer.error)) {
        await writeFailure(
          kv,
          ctx.config,
          hash,
          work.kind,
          answer.error.status,
          errorBody(answer.error, ctx.requestId),
        );
      }
      return { type: "error", error: answer.error, cache: "MISS" };
  }
}

/**
 * After a 202: one more call, in the background, that waits at the origin for the job to finish,
 * then stores its answer in the edge store. Polls only read that store (and the origin while it is
 * empty): a poll writes nothing to KV. A job that outlasts this wait is stored by the next request.
 */
async function storeWhenFinished(ctx: ResolveContext, work: WorkRequest, hash: string, jobId: string) {
  try {
    const raw = await callOrigin(ctx, "GET", `/v1/jobs/${encodeURIComponent(jobId)}?wait=1`);
    const status = raw.status === 200 ? JobBodySchema.safeParse(raw.body) : undefined;
    const finished = status?.success ? finishedAnswer(work.kind, status.data) : undefined;
    if (finished) await settle(ctx, work, hash, finished, undefined);
  } catch {
    // Best effort: the next request for it stores it instead.
  }
}

/** Background revalidation: a failure just leaves the stale copy in place for the next request. */
async function refresh(ctx: ResolveContext, work: WorkRequest, hash: string): Promise<void> {
  const answer = await askOrigin(ctx, work);
  if (answer.type === "ok") await writeSuccess(ctx.env.TRANSCRIPTS, ctx.config, hash, work.kind, answer.body);
}

function fromStored(entry: StoredAnswer, cache: CacheStatus, staleReason?: StaleReason): Resolution {
  if (entry.outcome === "error") {
    const { code, message, details } = entry.body.error;
    return { type: "error", error: new ApiError(code, { message, details }), cache };
  }
  return {
    type: "ok",
    body: entry.body,
    storedAt: entry.storedAt,
    freshUntil: entry.freshUntil,
    cache,
    ...(staleReason ? { staleReason } : {}),
  };
}

/**
 * Distinct requests resolved at a time: store lookups, then one origin call for their misses. A
 * multi-hour transcript is megabytes (JSON text, parsed model, stored copy), so a window of them
 * must fit a Worker's 128 MB alongside the rest.
 */
export const RESOLVE_WINDOW = 5;

/**
 * The batch fan-out: resolves each distinct request once, however many items ask for it (the same
 * video as ID and as link, parameters in another order...): store lookups, then one origin call for
 * all misses. The caller passes a window at a time (RESOLVE_WINDOW).
 */
export async function resolveMany(
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
    const answers = await askOriginBatch(ctx, misses);
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

/** A transcript request as an item of the origin's batch. */
function originItem(work: WorkRequest) {
  return { video: work.request.videoId, ...originQuery(work.request) };
}

/**
 * Before the windows: one origin call that queues every request the edge store cannot answer, so
 * their extractions run side by side rather than one window after another. It answers statuses
 * only (?wait=0); each window then fetches its answers, joining jobs already under way. The
 * lookups run a window at a time and keep no body.
 */
export async function queueMisses(ctx: ResolveContext, distinct: Map<string, WorkRequest>): Promise<void> {
  const misses: WorkRequest[] = [];
  const requests = [...distinct];
  for (let i = 0; i < requests.length; i += RESOLVE_WINDOW) {
    await Promise.all(
      requests.slice(i, i + RESOLVE_WINDOW).map(async ([hash, work]) => {
        const stored = await readAnswer(ctx.env.TRANSCRIPTS, hash);
        if (!stored || freshness(stored) === "stale-if-error") misses.push(work);
      }),
    );
  }
  // Misses that fit one window are asked for by that window anyway.
  if (misses.length <= RESOLVE_WINDOW) return;
  try {
    await callOrigin(ctx, "POST", "/v1/batch?wait=0", { items: misses.map(originItem) });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    // The origin is unavailable: each window asks it again, and answers its own failure.
  }
}

/** One origin call for all misses; if it fails as a whole, every miss gets that failure. */
async function askOriginBatch(ctx: ResolveContext, misses: Miss[]): Promise<Answer[]> {
  const failAll = (error: ApiError): Answer[] => misses.map(() => ({ type: "error", error }));
  try {
    const raw = await callOrigin(ctx, "POST", "/v1/batch", { items: misses.map((m) => originItem(m.work)) });
    if (raw.status !== 200) return failAll(originRefusal(raw));
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

/** A finished job's answer from the edge store, in the job body's shape. */
function storedJob(token: string, entry: StoredAnswer, requestId: string): JobBody {
  const job = { id: token, statusUrl: `/v1/jobs/${token}` };
  if (entry.outcome === "ok") return { job: { ...job, status: "completed" }, result: entry.body, requestId };
  return { job: { ...job, status: "failed" }, error: entry.body.error, requestId };
}

/**
 * A job's status for the caller whose token it is: from the edge store once the job has finished
 * there (storeWhenFinished put it), else from the origin. Writes nothing.
 */
export async function jobStatus(ctx: ResolveContext, job: IssuedJob, token: string): Promise<JobBody> {
  // The origin's job id is the request hash the edge store keys answers by: a job finished since the
  // token was handed out is read here (an older, stale entry is what the job is replacing).
  const stored = await readAnswer(ctx.env.TRANSCRIPTS, job.jobId);
  if (stored && stored.kind === job.kind && stored.storedAt >= job.issuedAt - 1000) {
    return storedJob(token, stored, ctx.requestId);
  }
  const body = await fromOrigin(ctx, "GET", `/v1/jobs/${job.jobId}`, JobBodySchema);
  return edgeJob(body, ctx.requestId, token);
}
