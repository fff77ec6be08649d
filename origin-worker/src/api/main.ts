import { loadApiConfig } from "../config.js";
import { createLogger } from "../observability/logger.js";
import { startOrigin } from "./server.js";

const started = performance.now();
const config = loadApiConfig();
const log = createLogger(config.LOG_LEVEL, { service: "origin-api", queue: config.QUEUE_NAME });
const origin = await startOrigin(config, log);
log.info(
  { port: origin.port, opsPort: origin.opsPort, startupMs: Math.round(performance.now() - started) },
  "ready",
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  await origin.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
