import { loadWebhooksConfig } from "../config.js";
import { createLogger } from "../observability/logger.js";
import { producerConnection } from "../queue/queue.js";
import { drainWithin, listen, workerProbes } from "../serve.js";
import { parseHostRules } from "../upstream/host-rules.js";
import { createWebhookWorker } from "./worker.js";

/**
 * The webhooks process: delivers the webhooks queue's messages. A process of its own because it is
 * the only one that must reach hosts our users name: its pods alone get egress to the internet's
 * port 443 (never to private ranges: k8s NetworkPolicy origin-webhooks-egress), and it holds neither
 * the edge's signing keys (the API does) nor a browser working on YouTube's pages (the workers do).
 * It never scales to zero, unlike the workers, since retries run for a day whatever the queue holds.
 */
const started = performance.now();
const config = loadWebhooksConfig();
const log = createLogger(config.LOG_LEVEL, { service: "origin-webhooks", queue: config.QUEUE_NAME });
if (config.WEBHOOK_HOST_RULES) {
  log.warn(
    { hostRules: config.WEBHOOK_HOST_RULES },
    "WEBHOOK_HOST_RULES is set (test-only): callbacks to the hosts it maps skip the public-address check",
  );
}
const redis = producerConnection(config.REDIS_URL);
const delivery = createWebhookWorker({
  redisUrl: config.REDIS_URL,
  redis,
  queueName: config.QUEUE_NAME,
  retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
  batchPollMs: config.WEBHOOK_BATCH_POLL_MS,
  concurrency: config.WEBHOOK_CONCURRENCY,
  send: {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    ...(config.WEBHOOK_HOST_RULES ? { hostRules: parseHostRules(config.WEBHOOK_HOST_RULES) } : {}),
  },
  log,
});
await delivery.worker.waitUntilReady();

const ops = workerProbes(delivery.worker, redis);
// Its metrics (refused deliveries among them) beside the probes, as the worker's ops port has them.
const { registry } = delivery.metrics;
ops.get("/metrics", async (c) =>
  c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType }),
);
const opsServer = await listen(ops.fetch, config.OPS_PORT, config.ORIGIN_HOST);
log.info(
  {
    opsPort: opsServer.port,
    retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
    startupMs: Math.round(performance.now() - started),
  },
  "ready",
);

let stopping = false;
/** BullMQ's graceful shutdown: let running deliveries finish; past the grace, they are retried later. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "draining");
  const drained = await drainWithin(delivery, config.WEBHOOK_SHUTDOWN_GRACE_MS);
  await redis.quit();
  await opsServer.close();
  log.info({ drained }, "stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
