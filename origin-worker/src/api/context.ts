import type { Logger } from "../observability/logger.js";

/** What every handler finds on the Hono context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    log: Logger;
  };
}
