import type { Plan } from "./auth/keys.js";
import type { KeyLookup } from "./auth/middleware.js";
import type { Config } from "./config.js";
import type { QuotaState } from "./rate-limit/quota-counter.js";

/** The caller behind a valid API key. */
export interface Caller {
  keyHash: string;
  owner: string;
  /** "demo": the web page's shared key (config DEMO_KEY), limited per client IP and by one daily budget. */
  plan: Plan | "demo";
}

/** Hono's typed context for this Worker. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    /** The API key lookup started before the per-IP limiter (auth/middleware.ts). */
    keyLookup: Promise<KeyLookup>;
    caller: Caller;
    /** Burst limit then quota for this request, started before the handler runs (rate-limit/middleware.ts). */
    admission: Promise<void>;
    /** The caller's daily quota after this request was counted; drives the RateLimit-* headers. */
    quota: QuotaState;
  };
}
