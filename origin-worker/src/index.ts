/**
 * What the other packages use of the origin (the k8s checks, the local stack, the benches): its
 * processes' parts, to run in-process or inspect, and its configuration schemas. They import it
 * from here, never from a path inside src/.
 */
export { createApiApp, createOpsApp } from "./api/app.js";
export { type RunningOrigin, startOrigin } from "./api/server.js";
export { chromiumArgs, DIRECT, findChromium } from "./browser/chromium.js";
export {
  type ApiConfig,
  ApiConfigSchema,
  CanaryConfigSchema,
  loadApiConfig,
  loadCanaryConfig,
  loadWebhooksConfig,
  loadWorkerConfig,
  type WebhooksConfig,
  WebhooksConfigSchema,
  type WorkerConfig,
  WorkerConfigSchema,
} from "./config.js";
export { createEngine, type Engine } from "./extract/index.js";
export { createLogger } from "./observability/logger.js";
export { createWorkerMetrics } from "./observability/metrics.js";
export {
  BATCH_PRIORITY,
  BULL_PREFIX,
  blockingConnection,
  JobQueue,
  JobSubmitter,
  originKeyPrefix,
  producerConnection,
  type QueueDepth,
  queueDepth,
  submitterOptionsFrom,
} from "./queue/queue.js";
export { parseHostRules } from "./upstream/host-rules.js";
export { WebhookOutbox } from "./webhooks/outbox.js";
export { createWebhookWorker } from "./webhooks/worker.js";
export { MAX_RETRY_DELAY_MS, retryDelay } from "./worker/retry.js";
export { createTranscriptWorker, workerOptionsFrom } from "./worker/worker.js";
