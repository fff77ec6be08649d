import type { Config } from "./config.js";
import type { QuotaState } from "./rate-limit/quota-counter.js";

/** The caller behind a valid API key. */
export interface Caller {
  keyHash: string;
  owner: string;
  plan: "free" | "pro";
}

/** Hono's typed context for this Worker. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    caller: Caller;
    /** The caller's daily quota after this request was counted; drives the RateLimit-* headers. */
    quota: QuotaState;
  };
}
