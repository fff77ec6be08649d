import { doubleUpstreamEnv, ensureDoubleTls } from "@ytt/youtube-double";
import { DOUBLE_DIR, nodeEnv, ORIGIN_DIR } from "./paths.js";
import { answersOk, freePort, type LogSink, ManagedProcess, waitUntil } from "./processes.js";

/** A Node process running a TypeScript entry point through tsx, like `pnpm run api` does. */
function tsxProcess(name: string, cwd: string, entry: string, env: Record<string, string>, log: LogSink) {
  return new ManagedProcess({
    name,
    command: process.execPath,
    args: ["--import", "tsx", entry],
    cwd,
    env: nodeEnv(env),
    log,
  });
}

export interface OriginProcess {
  process: ManagedProcess;
  /** The ops port: /healthz, /readyz, /metrics (and /queue-depth on the API). */
  opsUrl: string;
}

/** The origin API (signed requests only) with its ops port; resolves once /readyz answers. */
export async function startApi(env: Record<string, string>, log: LogSink): Promise<OriginProcess> {
  const opsPort = env.OPS_PORT ?? String(await freePort());
  const api = tsxProcess("api", ORIGIN_DIR, "src/api/main.ts", { ...env, OPS_PORT: opsPort }, log);
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  await waitUntil("origin API", () => answersOk(`${opsUrl}/readyz`), { process: api, timeoutMs: 60_000 });
  return { process: api, opsUrl };
}

/**
 * The sum of a Prometheus counter's series on an origin process's ops port (`/metrics`), over the
 * series whose labels contain `labels` (e.g. `outcome="completed"`), or all of them.
 */
export async function metricSum(opsUrl: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** One worker process (one Chromium, WORKER_CONCURRENCY jobs at a time); resolves once it takes jobs. */
export async function startWorker(env: Record<string, string>, log: LogSink): Promise<OriginProcess> {
  const opsPort = String(await freePort());
  const worker = tsxProcess("worker", ORIGIN_DIR, "src/worker/main.ts", { ...env, OPS_PORT: opsPort }, log);
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  await waitUntil("worker", () => answersOk(`${opsUrl}/readyz`), { process: worker, timeoutMs: 90_000 });
  return { process: worker, opsUrl };
}

/** The webhooks process (signs and sends the webhooks queue's deliveries); resolves once it takes them. */
export async function startWebhooks(env: Record<string, string>, log: LogSink): Promise<OriginProcess> {
  const opsPort = String(await freePort());
  const webhooks = tsxProcess(
    "webhooks",
    ORIGIN_DIR,
    "src/webhooks/main.ts",
    { ...env, OPS_PORT: opsPort },
    log,
  );
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  await waitUntil("webhooks", () => answersOk(`${opsUrl}/readyz`), { process: webhooks, timeoutMs: 60_000 });
  return { process: webhooks, opsUrl };
}

/**
 * The YouTube double as its own process (its CLI entry): every impersonated host over TLS on
 * `port`, controlled over plain HTTP on `controlPort`. Returns the worker environment that points
 * the engine at it under YouTube's real hostnames.
 */
export async function startDouble(
  port: number,
  controlPort: number,
  log: LogSink,
  potDelayMs?: [number, number],
): Promise<{ process: ManagedProcess; controlUrl: string; upstreamEnv: Record<string, string> }> {
  // Made (or found) here first, so the double process reads the same files instead of racing us.
  const tls = await ensureDoubleTls();
  const double = tsxProcess(
    "double",
    DOUBLE_DIR,
    "src/main.ts",
    {
      PORT: String(port),
      CONTROL_PORT: String(controlPort),
      HOST: "127.0.0.1",
      ...(potDelayMs ? { POT_DELAY_MS: potDelayMs.join("-") } : {}),
    },
    log,
  );
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  await waitUntil("youtube double", () => answersOk(`${controlUrl}/__double/stats`), {
    process: double,
    timeoutMs: 30_000,
  });
  return { process: double, controlUrl, upstreamEnv: doubleUpstreamEnv("127.0.0.1", port, tls) };
}
