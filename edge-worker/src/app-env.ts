import type { ApiError } from "@ytt/shared";
import type { TimingVariables } from "hono/timing";
import type { Plan } from "./auth/keys.js";
import type { Config } from "./config.js";
import type { QuotaState } from "./rate-limit/quota-counter.js";

/** The caller behind a valid API key. */
export interface Caller {
  keyHash: string;
  owner: string;
  /** "demo": the web page's shared key (config DEMO_KEY), limited per client IP and by one daily budget. */
  plan: Plan | "demo";
}

/** What the presented key turned out to be: a caller, or the refusal requireApiKey answers with. */
export type Identity = { caller: Caller } | { refusal: ApiError };

/** Hono's typed context for this Worker. */
export interface AppEnv {
  Bindings: Env;
  Variables: TimingVariables & {
    requestId: string;
    config: Config;
    /** Read before the per-IP limiter (auth/middleware.ts identifyKey). */
    identity: Identity;
    caller: Caller;
    /** Whether this request is within the key's burst limit (rate-limit/middleware.ts burstLimit). */
    burstVerdict: Promise<boolean>;
    /** The caller's daily quota once this request was counted; drives the RateLimit-* headers. */
    quota: QuotaState;
  };
}
