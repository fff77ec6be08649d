/** The window of the rate-limiting bindings (wrangler.jsonc `ratelimits[].simple.period`). */
export const LIMITER_PERIOD_SECONDS = 60;

/**
 * Requests per window of the per-key burst limiters, as wrangler.jsonc configures the bindings, which
 * do not tell the Worker their limits (test/node/limits-config.test.ts keeps the two equal).
 */
export const BURST_LIMITS = { key: 60, demo: 30 } as const;
