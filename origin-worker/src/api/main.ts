import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { loadConfig } from "../config.js";
import { createLogger } from "../observability/logger.js";
import { createApiMetrics } from "../observability/metrics.js";
import { JobQueue, originKeyPrefix } from "../queue/queue.js";
import { createApiApp, createOpsApp } from "./app.js";

const started = performance.now();
const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, { service: "origin-api", queue: config.QUEUE_NAME });

const jobs = new JobQueue({
  redisUrl: config.REDIS_URL,
  queueName: config.QUEUE_NAME,
  attempts: config.JOB_ATTEMPTS,
  jobResultTtlSeconds: config.JOB_RESULT_TTL_SECONDS,
  maxBacklog: config.MAX_BACKLOG,
});
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

const listen = (fetch: (req: Request) => Response | Promise<Response>, port: number) =>
  new Promise<ReturnType<typeof serve>>((resolve) => {
    const server = serve({ fetch, port, hostname: config.ORIGIN_HOST }, () => resolve(server));
  });
const apiServer = await listen(api.fetch, config.ORIGIN_PORT);
const opsServer = await listen(createOpsApp({ jobs, metrics }).fetch, config.OPS_PORT);
log.info(
  {
    port: (apiServer.address() as AddressInfo).port,
    opsPort: (opsServer.address() as AddressInfo).port,
    startupMs: Math.round(performance.now() - started),
  },
  "ready",
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  await Promise.all([new Promise((r) => apiServer.close(r)), new Promise((r) => opsServer.close(r))]);
  await jobs.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
