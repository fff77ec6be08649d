import type { Caller } from "@ytt/shared";
import type { Logger } from "../observability/logger.js";

/** What every handler finds on the Hono context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Whom the edge serves the request for (signed): set by verifySignature on /v1/*. */
    caller: Caller;
  };
}
