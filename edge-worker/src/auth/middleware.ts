import { ApiError, timingSafeEqual } from "@ytt/shared";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { demoKeyElsewhere, fromOwnPage } from "./demo.js";
import { API_KEY_PATTERN, hashApiKey, KeyRecordSchema } from "./keys.js";

/** Longer values are not keys; they are refused without hashing megabytes. */
const MAX_PRESENTED_LENGTH = 256;
/** How long a key record may be served from the KV edge cache: revocation takes effect within this. */
const KEY_CACHE_TTL_SECONDS = 60;

function presentedKey(
  authorization: string | undefined,
  apiKeyHeader: string | undefined,
): string | undefined {
  if (apiKeyHeader) return apiKeyHeader.trim();
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** A presented key with its hash and what KV holds for it (undefined: no usable key was presented). */
export type KeyLookup = { key: string; hash: string; stored: unknown; demo: boolean } | undefined;

/** The presented key, its hash and its stored record: reads only, nothing is decided here. */
async function lookUpKey(c: Context<AppEnv>): Promise<KeyLookup> {
  const key = presentedKey(c.req.header("Authorization"), c.req.header("X-API-Key"));
  if (!key || key.length > MAX_PRESENTED_LENGTH) return undefined;
  const hash = await hashApiKey(key);
  const { demoKey } = c.var.config;
  if (demoKey && timingSafeEqual(key, demoKey)) return { key, hash, stored: undefined, demo: true };
  const stored = await c.env.API_KEYS.get(hash, { type: "json", cacheTtl: KEY_CACHE_TTL_SECONDS });
  return { key, hash, stored, demo: false };
}

/**
 * Starts the key lookup (hash + KV read) before the per-IP limiter so the two round trips overlap.
 * It only reads: requireApiKey decides, after the IP limiter let the request through, so an
 * IP-limited caller gets its 429 whatever the key, exactly as before.
 */
export const prefetchApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const lookup = lookUpKey(c);
  // Awaited by requireApiKey; this only keeps a KV failure on an IP-refused request from going unhandled.
  lookup.catch(() => {});
  c.set("keyLookup", lookup);
  await next();
});

/**
 * Accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`. Every failure (missing, malformed,
 * unknown, revoked) gets the same 401 body, and every presented key takes the same path (hash,
 * lookup, constant-time compare) so neither the answer nor its timing says which part was wrong.
 * The shared demo key is accepted only from this site's own page (403 FORBIDDEN elsewhere).
 */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const found = await (c.get("keyLookup") ?? lookUpKey(c));
  if (!found) throw new ApiError("UNAUTHORIZED");
  const { key, hash, stored, demo } = found;
  if (demo) {
    if (!fromOwnPage(c.req)) throw demoKeyElsewhere();
    c.set("caller", { keyHash: hash, owner: "demo", plan: "demo" });
    return next();
  }
  const record = KeyRecordSchema.safeParse(stored);
  const hashMatches = record.success && timingSafeEqual(record.data.hash, hash);
  const wellFormed = API_KEY_PATTERN.test(key);
  if (!record.success || !hashMatches || !wellFormed || record.data.status !== "active") {
    throw new ApiError("UNAUTHORIZED");
  }
  c.set("caller", { keyHash: hash, owner: record.data.owner, plan: record.data.plan });
  await next();
});
