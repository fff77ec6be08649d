import type { ApiConfig } from "../config.js";
import type { Logger } from "../observability/logger.js";
import { createApiMetrics } from "../observability/metrics.js";
import { JobQueue, originKeyPrefix, submitterOptionsFrom } from "../queue/queue.js";
import { listen } from "../serve.js";
import { createApiApp, createOpsApp } from "./app.js";

export interface RunningOrigin {
  jobs: JobQueue;
  port: number;
  opsPort: number;
  /** Stops listening, lets in-flight requests end, closes the queue's Redis connections. */
  close(): Promise<void>;
}

/** The origin API and its ops port, wired from the config: what src/api/main.ts runs, and tests too. */
export async function startOrigin(config: ApiConfig, log: Logger): Promise<RunningOrigin> {
  const jobs = new JobQueue(submitterOptionsFrom(config));
  await jobs.ready();
  const metrics = createApiMetrics(() => jobs.depth().then(({ depth: _, ...states }) => states));
  const api = createApiApp({
    jobs,
    metrics,
    log,
    waitBudgetMs: config.WAIT_BUDGET_MS,
    signature: {
      keys: config.SIGNING_KEYS,
      maxSkewSeconds: config.SIGNATURE_MAX_SKEW_SECONDS,
      noncePrefix: `${originKeyPrefix(config.QUEUE_NAME)}:nonce`,
      access:
        config.ACCESS_CLIENT_ID && config.ACCESS_CLIENT_SECRET
          ? { clientId: config.ACCESS_CLIENT_ID, clientSecret: config.ACCESS_CLIENT_SECRET }
          : undefined,
    },
  });
  const apiServer = await listen(api.fetch, config.ORIGIN_PORT, config.ORIGIN_HOST);
  const opsServer = await listen(createOpsApp({ jobs, metrics }).fetch, config.OPS_PORT, config.ORIGIN_HOST);
  return {
    jobs,
    port: apiServer.port,
    opsPort: opsServer.port,
    async close() {
      await Promise.all([apiServer.close(), opsServer.close()]);
      await jobs.close();
    },
  };
}
