import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { generateApiKey } from "@ytt/edge-worker/keys";
import { Redis } from "ioredis";
import { DoubleClient } from "./double-client.js";
import { startEdge } from "./edge.js";
import { type KeySpec, seedApiKeys } from "./keys.js";
import { type OriginProcess, startApi, startDouble, startWebhooks, startWorker } from "./origin.js";
import { STATE_ROOT } from "./paths.js";
import { freePort, groupMembers, type LogSink, type ManagedProcess, printLog } from "./processes.js";
import { type RedisHandle, resolveRedis } from "./redis.js";

export { DoubleClient } from "./double-client.js";
export { metricSum } from "./origin.js";
export { STATE_ROOT } from "./paths.js";
export { descendants, freePort, groupMembers, type LogSink, ManagedProcess, printLog } from "./processes.js";
export { forgetOriginResults, redisAnswers, startRedisServer } from "./redis.js";

export interface StackOptions {
  /** Real YouTube (default) or the YouTube double; the CLI reads env YOUTUBE=double. */
  youtube?: "real" | "double";
  /** The double's pot decoration delay range (default its own, the real player's 200–1500 ms). */
  doublePotDelayMs?: [number, number];
  /** Worker processes started with the stack (0 = scaled to zero). Default 1. */
  workers?: number;
  /** Where process output goes; default: printed with [edge] [api] [worker] [webhooks] [double] prefixes. */
  log?: LogSink;
  /** Use this Redis instead of resolving one (REDIS_URL, 127.0.0.1:6379, or our own redis-server). */
  redisUrl?: string;
  /** BullMQ queue name; default a unique one per run, whose keys are deleted on close. */
  queueName?: string;
  /** Preferred ports (taken when free, else random); default all random. */
  ports?: { edge?: number; origin?: number; ops?: number; double?: number; doubleControl?: number };
  /** Edge state (KV, Durable Objects, rate limiters); default a per-run folder removed on close. */
  persistDir?: string;
  /** Origin env overrides (WAIT_BUDGET_MS, WORKER_CONCURRENCY, JOB_ATTEMPTS, ...), for API and workers. */
  originEnv?: Record<string, string>;
  /**
   * The webhooks process's env on top of the origin's: short WEBHOOK_RETRY_DELAYS_MS, and the
   * test-only WEBHOOK_HOST_RULES with NODE_EXTRA_CA_CERTS that let it reach a local receiver.
   */
  webhooksEnv?: Record<string, string>;
  /** Edge var overrides (ORIGIN_TIMEOUT_MS, QUOTA_*_PER_DAY, TTLs). */
  edgeVars?: Record<string, string>;
  /** Reload the edge when its sources change (the CLI does; tests must not: a reload cuts connections). */
  watch?: boolean;
  /** API keys to create besides the dev key (plan pro, owner "local-dev"). */
  keys?: KeySpec[];
}

export interface Stack {
  edgeUrl: string;
  /** The origin API (signed requests only), where the edge forwards to: plain HTTP locally, the tunnel in production. */
  originUrl: string;
  /** The origin API's ops port: /healthz /readyz /metrics /queue-depth. */
  opsUrl: string;
  youtubeOrigin: string;
  /** The workers' test-only upstream settings (empty against the real YouTube). */
  upstreamEnv: Record<string, string>;
  redisUrl: string;
  queueName: string;
  /** The dev key, then one key per `options.keys` entry. */
  apiKey: string;
  keys: string[];
  /** Set when the stack runs against the double. */
  double: DoubleClient | undefined;
  edge: ManagedProcess;
  api: OriginProcess;
  workers: OriginProcess[];
  /** The webhooks process: the deliveries of callbackUrl jobs. */
  webhooks: OriginProcess;
  /** Starts one more worker process (optionally with env overrides) and waits until it takes jobs. */
  startWorker(env?: Record<string, string>): Promise<OriginProcess>;
  /** Stops a worker: SIGTERM (drain) by default, or SIGKILL to the whole group like an OOM kill. */
  stopWorker(worker: OriginProcess, how?: "drain" | "kill"): Promise<void>;
  /** Stops and starts the origin API on the same ports (origin-down faults). */
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  /** Every process the stack started, for log dumps and leftover checks. */
  processes(): ManagedProcess[];
  recentLogs(): string;
  close(): Promise<void>;
}

async function portOrFree(preferred: number | undefined): Promise<number> {
  if (preferred === undefined) return freePort();
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(preferred, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

/** Deletes every Redis key of one queue: BullMQ's (ytt:<queue>:…) and the origin's (ytt-origin:<queue>:…). */
async function dropQueueKeys(redisUrl: string, queueName: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    for (const pattern of [`ytt:${queueName}:*`, `ytt-origin:${queueName}:*`]) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * The whole chain on this machine: YouTube (real or the double) ← worker(s) ← Redis/BullMQ ←
 * origin API ← edge Worker in workerd. Used by `pnpm dev` and by every end-to-end test, so the two
 * cannot drift. On failure part-way, whatever was started is stopped again.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? printLog;
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const runDir = join(STATE_ROOT, runId);
  mkdirSync(runDir, { recursive: true });
  const persistDir = options.persistDir ?? join(runDir, "edge-state");
  const queueName = options.queueName ?? `stack-${runId}`;
  const started: ManagedProcess[] = [];
  const workers: OriginProcess[] = [];
  let redis: RedisHandle | undefined;

  const cleanup = async () => {
    await Promise.all(started.filter((p) => p.running).map((p) => p.stop()));
    if (redis && !options.queueName && !redis.server) {
      await dropQueueKeys(redis.url, queueName).catch(() => undefined);
    }
    rmSync(runDir, { recursive: true, force: true });
  };

  try {
    const [edgePort, originPort, opsPort] = await Promise.all([
      portOrFree(options.ports?.edge),
      portOrFree(options.ports?.origin),
      portOrFree(options.ports?.ops),
    ]);
    redis = options.redisUrl
      ? { url: options.redisUrl }
      : await resolveRedis({ dir: join(runDir, "redis"), log });
    if (redis.server) started.push(redis.server);

    // The double is reached the way YouTube is, under its real hostnames: the workers get the
    // test-only resolver rules and trust settings that send those names to it.
    let double: DoubleClient | undefined;
    let upstreamEnv: Record<string, string> = {};
    if (options.youtube === "double") {
      const d = await startDouble(
        await portOrFree(options.ports?.double),
        await portOrFree(options.ports?.doubleControl),
        log,
        options.doublePotDelayMs,
      );
      started.push(d.process);
      double = new DoubleClient(d.controlUrl);
      upstreamEnv = d.upstreamEnv;
    }
    const youtubeOrigin = "https://www.youtube.com";

    // A fresh signing secret per run, shared by edge and origin only through their configs, and a
    // fresh demo key for the web page.
    const signingKey = { id: "stack", secret: randomBytes(32).toString("base64url") };
    // And the workers' own key for asking the edge's store (another secret: neither opens the other's door).
    const originLinkKey = { id: "stack-origin", secret: randomBytes(32).toString("base64url") };
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    const demoKey = generateApiKey("live");
    const originEnv: Record<string, string> = {
      REDIS_URL: redis.url,
      ORIGIN_HOST: "127.0.0.1",
      ORIGIN_PORT: String(originPort),
      SIGNING_KEYS: `${signingKey.id}:${signingKey.secret}`,
      QUEUE_NAME: queueName,
      YOUTUBE_ORIGIN: youtubeOrigin,
      ...upstreamEnv,
      ...options.originEnv,
    };
    const apiEnv = { ...originEnv, OPS_PORT: String(opsPort) };

    // Keys go into the edge's local KV before wrangler dev opens the same state.
    const keys = await seedApiKeys({ persistDir, keys: options.keys ?? [] });

    const workerEnv = { EDGE_URL: edgeUrl, EDGE_LINK_KEY: `${originLinkKey.id}:${originLinkKey.secret}` };
    const launchWorker = async (env: Record<string, string> = {}) => {
      const worker = await startWorker({ ...originEnv, ...workerEnv, ...env }, log);
      started.push(worker.process);
      workers.push(worker);
      return worker;
    };

    let api = await startApi(apiEnv, log);
    started.push(api.process);
    const originUrl = `http://127.0.0.1:${originPort}`;
    // Edge and workers start side by side; whatever did start is tracked before any failure is thrown.
    const [edgeStart, webhooksStart, ...workerStarts] = await Promise.allSettled([
      startEdge({
        port: edgePort,
        originUrl,
        signingKey,
        originLinkKey,
        demoKey,
        persistDir,
        runDir,
        vars: options.edgeVars,
        watch: options.watch ?? false,
        log,
      }),
      startWebhooks({ ...originEnv, ...options.webhooksEnv }, log),
      ...Array.from({ length: options.workers ?? 1 }, () => launchWorker()),
    ]);
    if (edgeStart?.status === "fulfilled") started.push(edgeStart.value);
    if (webhooksStart?.status === "fulfilled") started.push(webhooksStart.value.process);
    for (const result of [edgeStart, webhooksStart, ...workerStarts]) {
      if (result?.status === "rejected") throw result.reason;
    }
    const edge = (edgeStart as PromiseFulfilledResult<ManagedProcess>).value;
    const webhooks = (webhooksStart as PromiseFulfilledResult<OriginProcess>).value;

    const stack: Stack = {
      edgeUrl,
      originUrl,
      opsUrl: api.opsUrl,
      youtubeOrigin,
      upstreamEnv,
      redisUrl: redis.url,
      queueName,
      apiKey: keys[0] as string,
      keys: keys.slice(1),
      double,
      edge,
      get api() {
        return api;
      },
      workers,
      webhooks,
      startWorker: launchWorker,
      async stopWorker(worker, how = "drain") {
        if (how === "kill") {
          worker.process.noteDescendantGroups();
          worker.process.signalGroup("SIGKILL");
        }
        await worker.process.stop();
        workers.splice(workers.indexOf(worker), 1);
      },
      async stopApi() {
        await api.process.stop();
      },
      async startApi() {
        api = await startApi(apiEnv, log);
        started.push(api.process);
      },
      processes: () => [...started],
      recentLogs: () =>
        started
          .map((p) => p.recentLogs())
          .filter(Boolean)
          .join("\n"),
      close: cleanup,
    };
    return stack;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Processes still alive in the process groups of everything a stack started (expected: none after close). */
export function leftoverProcesses(stack: Pick<Stack, "processes">): { pid: number; command: string }[] {
  return stack.processes().flatMap((p) => p.groups().flatMap((group) => groupMembers(group)));
}
