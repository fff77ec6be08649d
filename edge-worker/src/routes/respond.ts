import { sha256Hex } from "@ytt/shared";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { isolateRenderings } from "../cache/hot.js";
import { putRendered, type Rendered } from "../cache/rendered.js";
import { errorResponse } from "../errors.js";
import { setHeaders } from "../headers.js";
import type { CacheStatus, Resolution, StaleReason } from "../resolve.js";

const WARNINGS: Record<StaleReason, string> = {
  revalidating: '110 - "Response is Stale"',
  "origin-unavailable": '111 - "Revalidation Failed"',
};

/**
 * Turns a resolution into the HTTP answer, rendering successes from the canonical model; the
 * rendering is kept in the isolate's memory and the Cache API under `cacheKey`, if given.
 */
export async function respond(
  c: Context<AppEnv>,
  resolution: Resolution,
  render: (body: Extract<Resolution, { type: "ok" }>["body"]) => { body: string; contentType: string },
  cacheKey: { hash: string; variant: string } | undefined,
): Promise<Response> {
  switch (resolution.type) {
    case "pending":
      return c.json(resolution.job, 202, {
        Location: resolution.job.job.statusUrl,
        "Retry-After": String(resolution.retryAfter),
        "Cache-Control": "no-store",
        "X-Cache": "MISS",
      });
    case "error": {
      c.res = errorResponse(c, resolution.error);
      setHeaders(c, { "X-Cache": resolution.cache });
      return c.res;
    }
    case "ok": {
      const { body, contentType } = render(resolution.body);
      const rendered: Rendered = {
        body,
        contentType,
        etag: await etagOf(body),
        freshUntil: resolution.freshUntil,
      };
      if (cacheKey && resolution.cache !== "STALE") {
        isolateRenderings(c.var.config.hotCacheBytes).put(cacheKey.hash, cacheKey.variant, rendered);
        c.executionCtx.waitUntil(putRendered(cacheKey.hash, cacheKey.variant, rendered));
      }
      return sendRendered(c, rendered, resolution.cache, resolution.staleReason);
    }
  }
}

export function sendRendered(
  c: Context<AppEnv>,
  r: Rendered,
  cache: CacheStatus,
  staleReason?: StaleReason,
): Response {
  const maxAge = Math.max(0, Math.floor((r.freshUntil - Date.now()) / 1000));
  const headers: Record<string, string> = {
    "Content-Type": r.contentType,
    ETag: r.etag,
    "Cache-Control": staleReason ? "private, max-age=0, must-revalidate" : `private, max-age=${maxAge}`,
    Vary: "Accept",
    "X-Cache": cache,
  };
  if (staleReason) {
    headers.Warning = WARNINGS[staleReason];
    headers["X-Stale-Reason"] = staleReason;
  }
  if (etagMatches(c.req.header("If-None-Match"), r.etag)) return c.body(null, 304, headers);
  return c.body(r.body, 200, headers);
}

async function etagOf(body: string): Promise<string> {
  return `"${(await sha256Hex(body)).slice(0, 32)}"`;
}

/** If-None-Match against our strong ETag, with the weak comparison RFC 9110 asks for on GET. */
function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
