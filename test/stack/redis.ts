import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { Socket } from "node:net";
import { originKeyPrefix } from "@ytt/origin-worker";
import { Redis } from "ioredis";
import { freePort, type LogSink, ManagedProcess, waitUntil } from "./processes.js";

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** A Redis the stack uses; `server` is set when the stack started it and must stop it. */
export interface RedisHandle {
  url: string;
  server?: ManagedProcess;
}

/** Sends PING over a raw socket (no client library, no reconnect loop) and waits for +PONG. */
export function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    socket.connect(Number(port || 6379), hostname.replace(/^\[|\]$/g, ""), () => socket.write("PING\r\n"));
  });
}

function redisServerInstalled(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * A redis-server of our own on a random (or the given) port. Nothing is persisted unless
 * `appendOnly`: then every write is fsynced to `dir`, and a restart on the same dir and port
 * (the fault tests) keeps the queue.
 */
export async function startRedisServer(options: {
  dir: string;
  log: LogSink;
  port?: number;
  appendOnly?: boolean;
}): Promise<RedisHandle> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true });
  const server = new ManagedProcess({
    name: "redis",
    command: "redis-server",
    args: [
      ...["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--dir", options.dir],
      ...(options.appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ],
    cwd: options.dir,
    env: { PATH: process.env.PATH },
    log: options.log,
  });
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil("redis-server", () => redisAnswers(url), { process: server, timeoutMs: 10_000 });
  return { url, server };
}

/**
 * REDIS_URL when set; else the usual 127.0.0.1:6379 when it answers; else a redis-server of our
 * own when one is installed; else a clear message on how to get one.
 */
export async function resolveRedis(options: { dir: string; log: LogSink }): Promise<RedisHandle> {
  const configured = process.env.REDIS_URL;
  if (configured) {
    if (!(await redisAnswers(configured)))
      throw new Error(`REDIS_URL is set to ${configured} but nothing answers PING there`);
    return { url: configured };
  }
  if (await redisAnswers(DEFAULT_REDIS_URL)) return { url: DEFAULT_REDIS_URL };
  if (redisServerInstalled()) return startRedisServer(options);
  throw new Error(
    "No Redis: nothing answers on 127.0.0.1:6379 and redis-server is not installed.\n" +
      "  Start one (docker run -p 6379:6379 redis:7, or apt-get install redis-server),\n" +
      "  or point REDIS_URL at one (REDIS_URL=redis://host:6379 make dev).",
  );
}

/**
 * Drops every answer the origin's result store holds for a stack (its queue), as its day
 * (RESULT_TTL_SECONDS) passing or an eviction would: what the edge stored is still there. Returns
 * how many it dropped.
 */
export async function forgetOriginResults(stack: { redisUrl: string; queueName: string }): Promise<number> {
  const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let dropped = 0;
    for await (const keys of redis.scanStream({ match: `${originKeyPrefix(stack.queueName)}:result:*` })) {
      if ((keys as string[]).length) dropped += await redis.del(...(keys as string[]));
    }
    return dropped;
  } finally {
    redis.disconnect();
  }
}
