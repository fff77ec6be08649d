import {
  ApiError,
  errorBody,
  isErrorCode,
  type JobBody,
  JobBodySchema,
  type LanguageList,
  type Transcript,
  type WorkRequest,
} from "@ytt/shared";
import { freshness, readAnswer, type StoredAnswer, writeFailure, writeSuccess } from "./cache/store.js";
import { issueJobToken } from "./forward/job-token.js";
import {
  type Answer,
  callOrigin,
  edgeJob,
  interpretAnswer,
  isCacheableFailure,
  type OriginCall,
  originPath,
} from "./forward/origin.js";

export type CacheStatus = "HIT" | "MISS" | "STALE";
/** Why a stale copy was served: it is being refreshed, or the origin failed to give a fresh one. */
export type StaleReason = "revalidating" | "origin-unavailable";

export type Resolution =
  | {
      type: "ok";
      body: Transcript | LanguageList;
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

/** A request answered from the edge store, or a miss (with the stale entry, if any, to fall back on). */
export type Lookup = { hit: Resolution } | { miss: StoredAnswer | undefined };

export async function lookup(ctx: ResolveContext, work: WorkRequest, hash: string): Promise<Lookup> {
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
 */
export async function resolve(
  ctx: ResolveContext,
  work: WorkRequest,
  hash: string,
  beforeOrigin: () => Promise<void>,
): Promise<Resolution> {
  const found = await lookup(ctx, work, hash);
  if ("hit" in found) return found.hit;
  await beforeOrigin();
  return settle(ctx, work, hash, await askOrigin(ctx, work), found.miss);
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
export async function settle(
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
      return { type: "ok", body: answer.body, freshUntil: entry.freshUntil, cache: "MISS" };
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
    const finished = raw.status === 200 ? JobBodySchema.safeParse(raw.body) : undefined;
    if (!finished?.success) return;
    const { result, error } = finished.data;
    if (result) {
      await settle(
        ctx,
        work,
        hash,
        interpretAnswer(work.kind, { status: 200, body: result, retryAfter: undefined }),
        undefined,
      );
    } else if (error && isErrorCode(error.code)) {
      const failure = new ApiError(error.code, { message: error.message, details: error.details });
      await settle(ctx, work, hash, { type: "error", error: failure }, undefined);
    }
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
    freshUntil: entry.freshUntil,
    cache,
    ...(staleReason ? { staleReason } : {}),
  };
}
