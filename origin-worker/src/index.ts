/** For the local stack and e2e tests: the origin's parts, to run in-process or inspect. */
export { createApiApp, createOpsApp } from "./api/app.js";
export { type ApiConfig, loadApiConfig, loadWorkerConfig, type WorkerConfig } from "./config.js";
export { JobQueue, type QueueDepth, queueDepth } from "./queue/queue.js";
export { createTranscriptWorker } from "./worker/worker.js";
