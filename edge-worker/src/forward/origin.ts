import {
  ApiError,
  callerOf,
  ERRORS,
  ErrorBodySchema,
  encodeCaller,
  isPermanentFailure,
  type JobBody,
  JobBodySchema,
  type JobKind,
  type LanguageList,
  LanguageListSchema,
  signRequest,
  type Transcript,
  type TranscriptRequest,
  TranscriptSchema,
} from "@ytt/shared";
import type { z } from "zod";
import type { Caller } from "../app-env.js";
import type { Config } from "../config.js";
import { retryableError } from "../errors.js";

/** How soon to tell clients to retry when the origin cannot be reached. */
const ORIGIN_RETRY_AFTER_SECONDS = 5;
/** Default poll interval for a pending job when the origin does not say. */
const JOB_RETRY_AFTER_SECONDS = 2;

/** The origin could not give a usable answer; `reason` is for operators, not a hint to attackers. */
export function originUnavailable(reason: "timeout" | "unreachable" | "bad-response"): ApiError {
  return retryableError("ORIGIN_UNAVAILABLE", ORIGIN_RETRY_AFTER_SECONDS, { reason });
}

export interface OriginCall {
  config: Config;
  requestId: string;
  /** The API key behind the request: the origin bounds each key's jobs in flight. */
  caller: Caller;
}

export interface RawAnswer {
  status: number;
  body: unknown;
  retryAfter: number | undefined;
}

/**
 * One signed call to the origin. Network failures, timeouts and non-JSON answers all become
 * ORIGIN_UNAVAILABLE: clients never see a platform error page.
 */
export async function callOrigin(
  call: OriginCall,
  method: "GET" | "POST",
  pathWithQuery: string,
  json?: unknown,
  /** A call that must end sooner than ORIGIN_TIMEOUT_MS (a wait with its own deadline). */
  timeoutMs = call.config.originTimeoutMs,
): Promise<RawAnswer> {
  const response = await originFetch(call, method, pathWithQuery, json, timeoutMs);
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw originUnavailable("bad-response");
  }
  const retryAfter = Number(response.headers.get("Retry-After"));
  return {
    status: response.status,
    body: parsed,
    retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  };
}

/**
 * The signed request itself, its answer unread: callOrigin reads it as JSON, a collection's
 * results (JSON lines) are streamed through as they come. A network failure or timeout is
 * ORIGIN_UNAVAILABLE.
 */
export async function originFetch(
  { config, requestId, caller }: OriginCall,
  method: "GET" | "POST",
  pathWithQuery: string,
  json?: unknown,
  timeoutMs = config.originTimeoutMs,
  accept = "application/json",
): Promise<Response> {
  const url = new URL(config.originUrl + pathWithQuery);
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers: Record<string, string> = {
    Accept: accept,
    "X-Request-Id": requestId,
    ...(await signRequest({
      method,
      pathWithQuery: url.pathname + url.search,
      body,
      key: config.signingKey,
      caller: encodeCaller(callerOf(caller.plan, caller.keyHash)),
    })),
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (config.access) {
    headers["CF-Access-Client-Id"] = config.access.clientId;
    headers["CF-Access-Client-Secret"] = config.access.clientSecret;
  }
  try {
    return await fetch(url, {
      method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(Math.min(timeoutMs, config.originTimeoutMs)),
    });
  } catch (e) {
    throw originUnavailable(e instanceof Error && e.name === "TimeoutError" ? "timeout" : "unreachable");
  }
}

export type Answer =
  | { type: "ok"; body: Transcript | LanguageList }
  | { type: "pending"; job: JobBody; retryAfter: number }
  | { type: "error"; error: ApiError };

/** Reads what the origin said about one request (a single call or one item of a batch). */
export function interpretAnswer(kind: JobKind, raw: RawAnswer): Answer {
  if (raw.status === 200) {
    const parsed = (kind === "transcript" ? TranscriptSchema : LanguageListSchema).safeParse(raw.body);
    if (parsed.success) return { type: "ok", body: parsed.data };
  } else if (raw.status === 202) {
    const parsed = JobBodySchema.safeParse(raw.body);
    if (parsed.success) {
      return { type: "pending", job: parsed.data, retryAfter: raw.retryAfter ?? JOB_RETRY_AFTER_SECONDS };
    }
  } else {
    const parsed = ErrorBodySchema.safeParse(raw.body);
    // The origin refusing us (bad signature, Access) is our misconfiguration, not the client's problem.
    if (
      parsed.success &&
      !["UNAUTHORIZED", "FORBIDDEN", "RATE_LIMITED", "QUOTA_EXCEEDED"].includes(parsed.data.error.code)
    ) {
      const { code, message, details } = parsed.data.error;
      // The origin's Retry-After (busy queue, YouTube pushing back) reaches the client too.
      const retry = raw.retryAfter && ERRORS[code].retryable ? { retryAfterSeconds: raw.retryAfter } : {};
      const merged = { ...details, ...retry };
      const error = new ApiError(code, {
        message,
        ...(Object.keys(merged).length ? { details: merged } : {}),
      });
      return { type: "error", error };
    }
  }
  return { type: "error", error: originUnavailable("bad-response") };
}

/** What a refusal from the origin means for the client: its catalogue error, else ORIGIN_UNAVAILABLE. */
export function originRefusal(raw: RawAnswer): ApiError {
  const answer = interpretAnswer("transcript", raw);
  return answer.type === "error" ? answer.error : originUnavailable("bad-response");
}

/** The origin's 2xx body, checked against its schema; its refusals become ours, as for any origin call. */
export async function fromOrigin<T>(
  call: OriginCall,
  method: "GET" | "POST",
  path: string,
  schema: z.ZodType<T>,
  json?: unknown,
): Promise<T> {
  const raw = await callOrigin(call, method, path, json);
  if (raw.status >= 300) throw originRefusal(raw);
  const parsed = schema.safeParse(raw.body);
  if (!parsed.success) throw originUnavailable("bad-response");
  return parsed.data;
}

/** Failures worth remembering: the same request would fail the same way (no transcript, no such video). */
export function isCacheableFailure(error: ApiError): boolean {
  return isPermanentFailure(error.code) && error.code !== "INVALID_REQUEST" && error.code !== "NOT_FOUND";
}

/** The origin path and query for one request, in the canonical form the contract defines. */
export function originPath(kind: JobKind, r: TranscriptRequest): string {
  const id = encodeURIComponent(r.videoId);
  if (kind === "languages") return `/v1/transcripts/${id}/languages`;
  return `/v1/transcripts/${id}?${new URLSearchParams(originQuery(r))}`;
}

/** The query fields of a request as the origin (and its batch items) take them. */
export function originQuery(r: TranscriptRequest): Record<string, string> {
  return {
    lang: r.languages.join(","),
    kind: r.kind,
    ...(r.translateTo ? { tlang: r.translateTo } : {}),
    fallback: r.fallback,
  };
}

/** Rewrites a job body for clients: the job is named by its token (job-token.ts), polled at the edge. */
export function edgeJob(job: JobBody, requestId: string, token: string): JobBody {
  return { ...job, job: { ...job.job, id: token, statusUrl: `/v1/jobs/${token}` }, requestId };
}
