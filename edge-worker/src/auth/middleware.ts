import { ApiError, timingSafeEqual } from "@ytt/shared";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
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

/**
 * Accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`. Every failure (missing, malformed,
 * unknown, revoked) gets the same 401 body, and every presented key takes the same path (hash,
 * lookup, constant-time compare) so neither the answer nor its timing says which part was wrong.
 */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c.req.header("Authorization"), c.req.header("X-API-Key"));
  if (!key || key.length > MAX_PRESENTED_LENGTH) throw new ApiError("UNAUTHORIZED");

  const hash = await hashApiKey(key);
  const { demoKey } = c.var.config;
  if (demoKey && timingSafeEqual(key, demoKey)) {
    c.set("caller", { keyHash: hash, owner: "demo", plan: "demo" });
    return next();
  }
  const stored = await c.env.API_KEYS.get(hash, { type: "json", cacheTtl: KEY_CACHE_TTL_SECONDS });
  const record = KeyRecordSchema.safeParse(stored);
  const hashMatches = record.success && timingSafeEqual(record.data.hash, hash);
  const wellFormed = API_KEY_PATTERN.test(key);
  if (!record.success || !hashMatches || !wellFormed || record.data.status !== "active") {
    throw new ApiError("UNAUTHORIZED");
  }
  c.set("caller", { keyHash: hash, owner: record.data.owner, plan: record.data.plan });
  await next();
});
