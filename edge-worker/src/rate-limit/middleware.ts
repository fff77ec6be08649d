import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { retryableError } from "../errors.js";
import { setHeaders } from "../headers.js";
import { addressKey } from "./address.js";
import type { QuotaState } from "./quota-counter.js";

/** The window of both rate-limiting bindings (wrangler.jsonc `ratelimits[].simple.period`). */
const LIMITER_PERIOD_SECONDS = 60;
const DAY_SECONDS = 86_400;

/** The client's address as per-address limits count it (an IPv6 address by its /64). */
function clientAddress(c: Context<AppEnv>): string {
  return addressKey(c.req.header("CF-Connecting-IP"));
}

/** Per client address, before auth: slows key guessing and anonymous floods. */
export const ipLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { success } = await c.env.IP_LIMITER.limit({ key: clientAddress(c) });
  if (!success) throw retryableError("RATE_LIMITED", LIMITER_PERIOD_SECONDS, { scope: "ip" });
  await next();
});

/** The burst limit, then `units` of the daily quota, strictly in that order: a burst refusal spends no quota. */
async function admit(c: Context<AppEnv>, units: number): Promise<void> {
  const { caller } = c.var;
  // Everyone shares the demo key, so its (tighter) burst limit counts per client address instead.
  const { success } =
    caller.plan === "demo"
      ? await c.env.DEMO_LIMITER.limit({ key: clientAddress(c) })
      : await c.env.BURST_LIMITER.limit({ key: caller.keyHash });
  if (!success) throw retryableError("RATE_LIMITED", LIMITER_PERIOD_SECONDS, { scope: "key" });
  await chargeQuota(c, units);
}

/**
 * Per API key: the burst limit, then `units` of the exact daily quota (0 only reads it, for the headers).
 * "before": the route runs once admitted. "alongside": the route runs while admission is under way,
 * so its side-effect-free reads (request hash, Cache API) overlap the limiter and quota round trips;
 * it must `await admitted(c)` before it answers or calls the origin, and a refusal replaces whatever
 * it answered anyway (awaited again below).
 */
export function keyLimit(units: number, timing: "before" | "alongside" = "before") {
  return createMiddleware<AppEnv>(async (c, next) => {
    const admission = admit(c, units);
    c.set("admission", admission);
    if (timing === "before") {
      await admission;
      return next();
    }
    // Awaited by the route and below; this only keeps a refusal from counting as unhandled meanwhile.
    admission.catch(() => {});
    await next();
    await admission;
  });
}

/** Settles when keyLimit has admitted the request; rejects with its refusal (RATE_LIMITED, QUOTA_EXCEEDED). */
export function admitted(c: Context<AppEnv>): Promise<void> {
  const admission = c.get("admission");
  if (!admission) throw new Error("admitted() on a route without keyLimit");
  return admission;
}

/** The exact daily counters a request is charged to, in the order they are charged. */
function quotasOf(c: Context<AppEnv>): { counter: string; limit: number; scope: "ip" | "key" }[] {
  const { caller, config } = c.var;
  const key = { counter: caller.keyHash, limit: config.dailyQuota[caller.plan], scope: "key" as const };
  if (caller.plan !== "demo") return [key];
  // The shared demo key: each address its own share first, so an address past it spends nothing of everyone's budget.
  return [{ counter: `demo-ip:${clientAddress(c)}`, limit: config.demoQuotaPerAddress, scope: "ip" }, key];
}

/**
 * Counts units against the caller's daily quotas; throws QUOTA_EXCEEDED when they do not all fit.
 * The RateLimit-* headers show the quota with the least left (the one that refused, on a refusal).
 */
export async function chargeQuota(c: Context<AppEnv>, units: number): Promise<void> {
  let tightest: QuotaState | undefined;
  for (const { counter, limit, scope } of quotasOf(c)) {
    const state = await c.env.QUOTA.getByName(counter).consume(units, limit);
    if (!state.allowed) {
      c.set("quota", state);
      throw retryableError("QUOTA_EXCEEDED", state.resetSeconds, { limit: state.limit, scope });
    }
    if (!tightest || state.remaining < tightest.remaining) tightest = state;
    c.set("quota", tightest);
  }
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
