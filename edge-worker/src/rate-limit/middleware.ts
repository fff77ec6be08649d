import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { wrapTime } from "hono/timing";
import type { AppEnv, Identity } from "../app-env.js";
import { retryableError } from "../errors.js";
import { setHeaders } from "../headers.js";
import { addressKey } from "./address.js";
import { BurstVerdicts } from "./burst-verdicts.js";
import { LIMITER_PERIOD_SECONDS } from "./limits.js";
import type { QuotaState } from "./quota-counter.js";

const DAY_SECONDS = 86_400;

/** The client's address as per-address limits count it (an IPv6 address by its /64). */
function clientAddress(c: Context<AppEnv>): string {
  return addressKey(c.req.header("CF-Connecting-IP"));
}

/**
 * Per client address, before auth: slows key guessing and anonymous floods. It guards what a caller
 * without a key of their own reaches (no key, a bad one, the shared demo key, the public paths); a
 * caller with their own valid key skips it, their key's burst limit and quota being what limit them.
 */
export const ipLimit = createMiddleware<AppEnv>(async (c, next) => {
  // Set on /v1 only (identifyKey), before this runs.
  const identity: Identity | undefined = c.get("identity");
  if (identity && "caller" in identity && identity.caller.plan !== "demo") return next();
  const { success } = await wrapTime(c, "ip-limiter", c.env.IP_LIMITER.limit({ key: clientAddress(c) }));
  if (!success) throw retryableError("RATE_LIMITED", LIMITER_PERIOD_SECONDS, { scope: "ip" });
  await next();
});

/** The latest burst verdicts of up to this many keys are kept per isolate. */
const burstVerdicts = new BurstVerdicts(10_000);

const burstRefusal = () => retryableError("RATE_LIMITED", LIMITER_PERIOD_SECONDS, { scope: "key" });

/**
 * Per API key, on every /v1 route: the per-minute burst limit. Each request is counted, but only work
 * for the origin always waits for its own count (chargeQuota). Cache hits, 304s and job polls wait for
 * theirs only once the key's previous count said no (BurstVerdicts), so a key past its limit gets one
 * cached answer more. The binding is permissive by design (per location, eventually consistent:
 * https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/), and a hit within the
 * limit then makes no binding round trip before its answer.
 */
export const burstLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { caller } = c.var;
  // Everyone shares the demo key, so its (tighter) burst limit counts per client address instead.
  const [limiter, key] =
    caller.plan === "demo" ? [c.env.DEMO_LIMITER, clientAddress(c)] : [c.env.BURST_LIMITER, caller.keyHash];
  const own = limiter.limit({ key }).then((outcome) => outcome.success);
  c.executionCtx.waitUntil(own);
  c.set("burstVerdict", own);
  if (!(await burstVerdicts.admits(`${caller.plan === "demo" ? "demo" : "key"}:${key}`, own)))
    throw burstRefusal();
  await next();
});

/** The exact daily counters a request is charged to, in the order they are charged. */
export function quotasOf(c: Context<AppEnv>): { counter: string; limit: number; scope: "ip" | "key" }[] {
  const { caller, config } = c.var;
  const key = { counter: caller.keyHash, limit: config.dailyQuota[caller.plan], scope: "key" as const };
  if (caller.plan !== "demo") return [key];
  // The shared demo key: each address its own share first, so an address past it spends nothing of everyone's budget.
  return [{ counter: `demo-ip:${clientAddress(c)}`, limit: config.demoQuotaPerAddress, scope: "ip" }, key];
}

/**
 * Admits origin work: waits for this request's burst verdict (RATE_LIMITED), then counts units against
 * the caller's daily quotas; throws QUOTA_EXCEEDED when they do not all fit. `collection`: a charge id
 * the key's counter notes the units under (routes/collections.ts).
 * The RateLimit-* headers show the quota with the least left (the one that refused, on a refusal).
 */
export async function chargeQuota(c: Context<AppEnv>, units: number, collection?: string): Promise<void> {
  if (!(await wrapTime(c, "burst-limiter", c.var.burstVerdict))) throw burstRefusal();
  let tightest: QuotaState | undefined;
  for (const { counter, limit, scope } of quotasOf(c)) {
    // A collection's charge is noted by the key's own counter, which settles it.
    const note = scope === "key" ? collection : undefined;
    const state = await wrapTime(c, "quota", c.env.QUOTA.getByName(counter).consume(units, limit, note));
    if (!state.allowed) {
      c.set("quota", state);
      throw retryableError("QUOTA_EXCEEDED", state.resetSeconds, { limit: state.limit, scope });
    }
    if (!tightest || state.remaining < tightest.remaining) tightest = state;
    c.set("quota", tightest);
  }
}

/**
 * Gives back units chargeQuota counted, to every counter it counted them against, when the origin
 * answered that it would not do the work (never after a timeout: the work may have started).
 */
export async function refundQuota(c: Context<AppEnv>, units: number): Promise<void> {
  const states = await Promise.all(
    quotasOf(c).map(({ counter, limit }) => c.env.QUOTA.getByName(counter).refund(units, limit)),
  );
  c.set(
    "quota",
    states.reduce((a, b) => (b.remaining < a.remaining ? b : a)),
  );
}

/**
 * Outermost on /v1: once the quota was counted, the answer (errors included) carries the RateLimit-* headers.
 * Answers that spend none (cache hits, 304s, job polls) do not read it, so they carry none.
 */
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
