import { loadWorkerConfig } from "../config.js";
import { createEngineFromConfig, upstreamOverrideWarning } from "../extract/from-config.js";
import { createLogger } from "../observability/logger.js";
import { createWorkerMetrics } from "../observability/metrics.js";
import { JobSubmitter, producerConnection, submitterOptionsFrom } from "../queue/queue.js";
import { drainWithin, listen, workerProbes } from "../serve.js";
import { WebhookOutbox } from "../webhooks/outbox.js";
import { createTranscriptWorker, workerOptionsFrom } from "./worker.js";

const started = performance.now();
const config = loadWorkerConfig();
const log = createLogger(config.LOG_LEVEL, {
  service: "origin-worker",
  queue: config.QUEUE_NAME,
  pid: process.pid,
});
const upstreamWarning = upstreamOverrideWarning(config);
if (upstreamWarning) {
  log.warn(
    { hostRules: config.UPSTREAM_HOST_RULES, trustedSpki: config.UPSTREAM_TRUSTED_SPKI },
    upstreamWarning,
  );
}
const metrics = createWorkerMetrics();
const redis = producerConnection(config.REDIS_URL);
const resultRedis = config.RESULT_REDIS_URL ? producerConnection(config.RESULT_REDIS_URL) : redis;

const engine = createEngineFromConfig(config, {
  onRouteOutcome: (route, outcome) => metrics.routeOutcomes.inc({ route, outcome }),
  onProxyOutcome: (proxy, outcome) => metrics.proxyOutcomes.inc({ proxy, outcome }),
});
if (engine.proxies) log.info({ proxies: engine.proxies.describe() }, "jobs go out through a proxy pool");
// One browser per process, launched now (an empty page) so the first job does not pay for it.
await engine.browser.withPage(async () => undefined);

// Its own connections (fail fast while Redis is away, as the API's): a coordinator's pass that
// cannot reach Redis fails and is retried, rather than hanging on a worker slot.
const submitter = new JobSubmitter(submitterOptionsFrom(config));
const outbox = new WebhookOutbox(redis, config.QUEUE_NAME);
const worker = createTranscriptWorker(
  workerOptionsFrom(config, { redis, resultRedis, engine, log, metrics, submitter, outbox }),
);
await worker.waitUntilReady();

// Each worker pod has its own ops port: liveness, readiness and its job metrics.
const ops = workerProbes(worker, redis);
ops.get("/metrics", async (c) =>
  c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
);
const opsServer = await listen(ops.fetch, config.OPS_PORT, config.ORIGIN_HOST);
log.info(
  {
    concurrency: config.WORKER_CONCURRENCY,
    opsPort: opsServer.port,
    browserPid: engine.browser.pid(),
    startupMs: Math.round(performance.now() - started),
  },
  "ready",
);

let stopping = false;
/** Stop taking jobs, let the running ones finish within the grace period, then close the browser. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, "draining");
  const drained = await drainWithin(worker, config.SHUTDOWN_GRACE_MS);
  // Jobs still running lost their lock: another worker picks them up.
  if (!drained) log.warn("grace period over: left unfinished jobs to other workers");
  await engine.close();
  await Promise.all([submitter.close(), outbox.close()]);
  await Promise.all([redis.quit(), resultRedis !== redis ? resultRedis.quit() : undefined]);
  await opsServer.close();
  log.info({ drained }, "stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
