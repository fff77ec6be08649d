import { ApiError, timingSafeEqual } from "@ytt/shared";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { wrapTime } from "hono/timing";
import type { AppEnv, Identity } from "../app-env.js";
import { demoKeyElsewhere, fromOwnPage } from "./demo.js";
import { keyRecord } from "./key-cache.js";
import { API_KEY_PATTERN, hashApiKey } from "./keys.js";

/** Longer values are not keys; they are refused without hashing megabytes. */
const MAX_PRESENTED_LENGTH = 256;

function presentedKey(
  authorization: string | undefined,
  apiKeyHeader: string | undefined,
): string | undefined {
  if (apiKeyHeader) return apiKeyHeader.trim();
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Who the presented key says the caller is. Every failure (missing, malformed, unknown, revoked) gets
 * the same 401, and every presented key takes the same path (hash, lookup, constant-time compare) so
 * the answer does not say which part was wrong. The shared demo key counts only from this site's page.
 */
async function identify(c: Context<AppEnv>): Promise<Identity> {
  const key = presentedKey(c.req.header("Authorization"), c.req.header("X-API-Key"));
  if (!key || key.length > MAX_PRESENTED_LENGTH) return { refusal: new ApiError("UNAUTHORIZED") };
  const hash = await hashApiKey(key);
  const { demoKey, keyCacheSeconds } = c.var.config;
  if (demoKey && timingSafeEqual(key, demoKey)) {
    if (!fromOwnPage(c.req)) return { refusal: demoKeyElsewhere() };
    return { caller: { keyHash: hash, owner: "demo", plan: "demo" } };
  }
  const record = await wrapTime(c, "key-lookup", keyRecord(c.env.API_KEYS, hash, keyCacheSeconds));
  const valid =
    record !== undefined &&
    timingSafeEqual(record.hash, hash) &&
    API_KEY_PATTERN.test(key) &&
    record.status === "active";
  if (!valid) return { refusal: new ApiError("UNAUTHORIZED") };
  return { caller: { keyHash: hash, owner: record.owner, plan: record.plan } };
}

/**
 * Reads the key (from the isolate's cache when it can) before the per-IP limiter, which then spares
 * callers with their own valid key: decides nothing, requireApiKey does once that limiter had its say.
 */
export const identifyKey = createMiddleware<AppEnv>(async (c, next) => {
  c.set("identity", await identify(c));
  await next();
});

/** Accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`; refuses as identifyKey found. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const identity = c.var.identity;
  if ("refusal" in identity) throw identity.refusal;
  c.set("caller", identity.caller);
  await next();
});
