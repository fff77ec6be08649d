import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  ApiError,
  type Caller,
  encodeCaller,
  signRequest,
  type TranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import type { YoutubeDouble } from "@ytt/youtube-double";
import { startOrigin } from "../src/api/server.js";
import { type ApiConfig, loadApiConfig } from "../src/config.js";
import { createEngine, type Engine, type EngineOptions } from "../src/extract/index.js";
import { createLogger } from "../src/observability/logger.js";
import { type JobQueue, originKeyPrefix } from "../src/queue/queue.js";

export const SIGNING_KEY = { id: "edge-test", secret: "test-secret-0123456789abcdef-0123456789" };
/** The caller signed requests are made for unless a test says otherwise. */
export const TEST_CALLER: Caller = { plan: "pro", keyId: "00000000000000aa" };
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** A queue name no other test file (or engineer on the same Redis) uses. */
export function uniqueQueueName(label: string): string {
  return `test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export function testConfig(env: Record<string, string>): ApiConfig {
  return loadApiConfig({
    SIGNING_KEYS: `${SIGNING_KEY.id}:${SIGNING_KEY.secret}`,
    LOG_LEVEL: "silent",
    ...env,
  });
}

export interface RunningApi {
  url: string;
  opsUrl: string;
  jobs: JobQueue;
  config: ApiConfig;
  /** Empties the queue and the origin's own keys (results, admission places, nonces). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** The API and ops apps over real HTTP on random ports, as src/api/main.ts starts them. */
export async function startApi(env: Record<string, string>): Promise<RunningApi> {
  const config = testConfig({ ORIGIN_HOST: "127.0.0.1", ORIGIN_PORT: "0", OPS_PORT: "0", ...env });
  const origin = await startOrigin(config, createLogger(config.LOG_LEVEL, { service: "origin-api-test" }));
  const { jobs } = origin;
  const reset = async () => {
    await jobs.queue.obliterate({ force: true });
    for (const redis of new Set([jobs.redis, jobs.results.redis])) {
      const keys = await redis.keys(`${originKeyPrefix(config.QUEUE_NAME)}:*`);
      if (keys.length) await redis.del(...keys);
    }
  };
  return {
    url: `http://127.0.0.1:${origin.port}`,
    opsUrl: `http://127.0.0.1:${origin.opsPort}`,
    jobs,
    config,
    reset,
    async close() {
      await reset();
      await origin.close();
    },
  };
}

/** A request signed the way the edge signs it. */
export async function signedFetch(
  baseUrl: string,
  pathWithQuery: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; caller?: Caller } = {},
): Promise<Response> {
  const method = init.method ?? "GET";
  const signature = await signRequest({
    method,
    pathWithQuery,
    key: SIGNING_KEY,
    caller: encodeCaller(init.caller ?? TEST_CALLER),
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return fetch(`${baseUrl}${pathWithQuery}`, {
    method,
    headers: {
      ...signature,
      ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Every JSON log line the worker printed so far. */
  logs: Record<string, unknown>[];
  ready: Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/** A real worker process (`tsx src/worker/main.ts`), as production runs it. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/worker/main.ts"], {
    cwd: PACKAGE_DIR,
    env: {
      ...process.env,
      OPS_PORT: "0",
      ORIGIN_HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let buffer = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const l of listeners) l();
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitForLog: WorkerProcess["waitForLog"] = (predicate, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker log not seen in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then(() => {
        if (listeners.has(check)) {
          check();
          if (listeners.has(check)) {
            cleanup();
            reject(new Error(`worker exited; stderr: ${stderr.slice(-2000)}`));
          }
        }
      });
      check();
    });
  return { child, logs, exited, waitForLog, ready: waitForLog((l) => l.msg === "ready", 60_000) };
}

/** Polls until `probe` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The pot decoration delay for suites whose subject is not the race: the near end of the real
 * player's range keeps them quick. youtube-2026.test.ts and fidelity.test.ts keep the full range.
 */
export const QUICK_POT_DELAY_MS: [number, number] = [100, 300];

/**
 * The engine in its production configuration (https://www.youtube.com, the production allow-list),
 * with YouTube's hostnames resolving to the double: the only way the engine meets the double.
 */
export function productionEngine(
  double: Pick<YoutubeDouble, "hostRules" | "spki">,
  options: EngineOptions = {},
): Engine {
  return createEngine({
    youtubeOrigin: "https://www.youtube.com",
    upstream: { hostRules: double.hostRules, trustedSpki: double.spki },
    ...options,
  });
}

/** A transcript job for one video: English, any kind, no fallback, unless `extra` says otherwise. */
export const transcriptWork = (videoId: string, extra: Partial<TranscriptRequest> = {}): WorkRequest => ({
  kind: "transcript",
  request: { videoId, languages: ["en"], kind: "any", fallback: "error", ...extra },
});

/** The catalogue error an extraction ends in (it must fail, and with an ApiError). */
export async function failureOf(run: Promise<unknown>) {
  try {
    await run;
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error("expected the extraction to fail");
}
