import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { retryableError } from "../errors.js";
import { setHeaders } from "../headers.js";

/** The window of both rate-limiting bindings (wrangler.jsonc `ratelimits[].simple.period`). */
const LIMITER_PERIOD_SECONDS = 60;
const DAY_SECONDS = 86_400;

function clientIp(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}

/** Per client IP, before auth: slows key guessing and anonymous floods. */
export const ipLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { success } = await c.env.IP_LIMITER.limit({ key: clientIp(c) });
  if (!success) throw retryableError("RATE_LIMITED", LIMITER_PERIOD_SECONDS, { scope: "ip" });
  await next();
});

/** Per API key: the burst limit, then `units` of the exact daily quota (0 only reads it, for the headers). */
export function keyLimit(units: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { caller } = c.var;
    // Everyone shares the demo key, so its (tighter) burst limit counts per client IP instead.
    const { success } =
      caller.plan === "demo"
        ? await c.env.DEMO_LIMITER.limit({ key: clientIp(c) })
        : await c.env.BURST_LIMITER.limit({ key: caller.keyHash });
    if (!success) throw retryableError("RATE_LIMITED", LIMITER_PERIOD_SECONDS, { scope: "key" });
    await chargeQuota(c, units);
    await next();
  });
}

/** Counts units against the caller's daily quota; throws QUOTA_EXCEEDED when they do not all fit. */
export async function chargeQuota(c: Context<AppEnv>, units: number): Promise<void> {
  const { caller, config } = c.var;
  const counter = c.env.QUOTA.getByName(caller.keyHash);
  const state = await counter.consume(units, config.dailyQuota[caller.plan]);
  c.set("quota", state);
  if (!state.allowed) throw retryableError("QUOTA_EXCEEDED", state.resetSeconds, { limit: state.limit });
}

/** Outermost on /v1: once the quota is known, every answer (errors included) carries the RateLimit-* headers. */
export const rateLimitHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const quota = c.get("quota");
  if (!quota) return;
  setHeaders(c, {
    "RateLimit-Policy": `${quota.limit};w=${DAY_SECONDS}`,
    "RateLimit-Limit": String(quota.limit),
    "RateLimit-Remaining": String(quota.remaining),
    "RateLimit-Reset": String(quota.resetSeconds),
  });
});
