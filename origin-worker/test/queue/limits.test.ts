import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { Caller } from "@ytt/shared";
import { expectedTranscript, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JobQueue } from "../../src/queue/queue.js";
import {
  QUICK_POT_DELAY_MS,
  type RunningApi,
  signedFetch,
  spawnWorker,
  startApi,
  uniqueQueueName,
  type WorkerProcess,
} from "../helpers.js";

const FLOODER: Caller = { plan: "free", keyId: "f100d00000000001" };
const NEIGHBOUR: Caller = { plan: "free", keyId: "0e19b00000000002" };
const video = (i: number) => `flood${String(i).padStart(6, "0")}`;

type ErrorAnswer = { error: { code: string; details?: Record<string, unknown> } };

describe("admission: the backlog and each key's jobs in flight (no worker running)", () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({
      QUEUE_NAME: uniqueQueueName("limits"),
      WAIT_BUDGET_MS: "50",
      MAX_BACKLOG: "8",
      MAX_PENDING_FREE: "3",
    });
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(async () => {
    await api.reset();
  });

  it("one key flooding gets its own 429 with Retry-After; another key is still served", async () => {
    // 20 distinct requests at once: the check and the add are one step, so exactly 3 get in.
    const flood = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signedFetch(api.url, `/v1/transcripts/${video(i)}`, { caller: FLOODER }),
      ),
    );
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    const refused = flood.find((r) => r.status === 429) as Response;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await Promise.all(flood.filter((r) => r !== refused).map((r) => r.body?.cancel()));
    expect(((await refused.json()) as ErrorAnswer).error).toMatchObject({
      code: "TOO_MANY_PENDING",
      details: { limit: 3 },
    });

    // The flooder may still join work already in flight (it costs nothing new)...
    const joined = await signedFetch(api.url, `/v1/transcripts/${video(0)}`, { caller: FLOODER });
    expect(joined.status).toBe(202);
    await joined.body?.cancel();
    // ...and its neighbour is served as if nothing happened.
    const neighbour = await signedFetch(api.url, `/v1/transcripts/${video(100)}`, { caller: NEIGHBOUR });
    expect(neighbour.status).toBe(202);
    await neighbour.body?.cancel();
    expect(await api.jobs.admission.inFlight()).toBe(4);
  });

  it("keeps no more than 1,000 finished jobs and about 1,000 events, whatever the traffic", async () => {
    // Its own queue: the tests' reset (obliterate) also drops the meta key the bound is written to.
    const jobs = new JobQueue({
      redisUrl: api.config.REDIS_URL,
      resultRedisUrl: api.config.REDIS_URL,
      queueName: uniqueQueueName("retention"),
      attempts: 1,
      jobResultTtlSeconds: 3600,
      maxBacklog: 10,
      pendingPerCaller: { free: 1, pro: 1, demo: 1 },
      admissionLeaseMs: 60_000,
    });
    await jobs.ready();
    try {
      expect(jobs.queue.defaultJobOptions).toMatchObject({
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 3600, count: 1000 },
      });
      const work = (i: number) => ({
        work: {
          kind: "transcript" as const,
          request: { videoId: video(i), languages: ["en"], kind: "any" as const, fallback: "error" as const },
        },
        requestId: "retention",
        caller: NEIGHBOUR,
      });
      await jobs.queue.addBulk(
        Array.from({ length: 3000 }, (_, i) => ({ name: "transcript", data: work(i) })),
      );
      // BullMQ trims approximately (whole stream nodes); its default would keep all 3,000+ events.
      expect(await jobs.redis.xlen(jobs.queue.keys.events as string)).toBeLessThan(1500);
    } finally {
      await jobs.queue.obliterate({ force: true });
      await jobs.close();
    }
  });

  it("a batch costs its items: each one takes a place, and those past the key's bound are refused", async () => {
    const response = await signedFetch(api.url, "/v1/batch", {
      method: "POST",
      caller: FLOODER,
      body: JSON.stringify({ items: Array.from({ length: 5 }, (_, i) => ({ video: video(200 + i) })) }),
    });
    const { items } = (await response.json()) as { items: { status: number; body: ErrorAnswer }[] };
    expect(items.map((i) => i.status)).toEqual([202, 202, 202, 429, 429]);
    expect(items[3]?.body.error.code).toBe("TOO_MANY_PENDING");
  });

  it("queues a whole batch at once with ?wait=0 and answers statuses only", async () => {
    const r = await signedFetch(api.url, "/v1/batch?wait=0", {
      method: "POST",
      caller: NEIGHBOUR,
      body: JSON.stringify({ items: [video(500), video(501), "nope"].map((v) => ({ video: v })) }),
    });
    expect(await r.json()).toEqual({ items: [{ status: 202 }, { status: 202 }, { status: 400 }] });
    expect(await api.jobs.admission.inFlight()).toBe(2);
  });

  it("the global backlog still bounds everyone together, and says nothing about its size", async () => {
    const callers = Array.from(
      { length: 4 },
      (_, i) => ({ plan: "free", keyId: `00000000000000c${i}` }) as const,
    );
    const answers = [];
    for (let i = 0; i < 12; i++) {
      answers.push(
        await signedFetch(api.url, `/v1/transcripts/${video(300 + i)}`, { caller: callers[i % 4] as Caller }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([...Array(8).fill(202), ...Array(4).fill(503)]);
    const full = (await (answers.at(-1) as Response).json()) as ErrorAnswer;
    expect(full.error.code).toBe("QUEUE_FULL");
    expect(full.error.details).toBeUndefined();
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * With a worker: places are given back when a job ends, and the result store may live in its own
 * Redis that evicts (allkeys-lru) and is full, while the queue's Redis keeps working.
 */
describe("a worker gives places back; a full, evicting result store does not stop the queue", () => {
  const queueName = uniqueQueueName("cache-full");
  const CACHE_MAX_BYTES = 4 * 1024 * 1024;
  let cacheServer: ChildProcess;
  let cache: Redis;
  let cacheUrl: string;
  let double: YoutubeDouble;
  let api: RunningApi;
  let worker: WorkerProcess;

  beforeAll(async () => {
    const port = await freePort();
    cacheUrl = `redis://127.0.0.1:${port}`;
    cacheServer = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    cache = new Redis(cacheUrl, { retryStrategy: () => 100 });
    // Refused connections while redis-server starts are expected; the ping below waits them out.
    cache.on("error", () => undefined);
    await cache.ping();
    await cache.config("SET", "maxmemory", String(CACHE_MAX_BYTES));
    await cache.config("SET", "maxmemory-policy", "allkeys-lru");
    double = await startYoutubeDouble({ port: 0, potDelayMs: QUICK_POT_DELAY_MS });
    const env = { QUEUE_NAME: queueName, RESULT_REDIS_URL: cacheUrl };
    api = await startApi({ ...env, WAIT_BUDGET_MS: "30000", MAX_PENDING_FREE: "1" });
    worker = spawnWorker({
      ...env,
      ...double.upstreamEnv,
      ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
    });
    await worker.ready;
  });
  afterAll(async () => {
    worker?.child.kill("SIGTERM");
    await worker?.exited;
    await api?.close();
    await double?.close();
    await cache?.quit();
    cacheServer?.kill("SIGTERM");
  });

  it("serves transcripts through a result store that is full, and a key bounded to one job gets a second once the first ended", async () => {
    // Fill the cache Redis past its bound with incompressible junk: it evicts, it does not refuse.
    const junk = "x".repeat(64 * 1024);
    for (let i = 0; i < 120; i++) await cache.set(`junk:${i}:${Math.random()}`, `${junk}${Math.random()}`);
    const info = await cache.info("stats");
    expect(Number(/evicted_keys:(\d+)/.exec(info)?.[1])).toBeGreaterThan(0);

    const first = await signedFetch(api.url, "/v1/transcripts/GJLlxj_dtq8?lang=en", { caller: FLOODER });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
    );
    // The job returned a marker; the transcript itself is in the cache Redis, compressed, once.
    const [job] = await api.jobs.queue.getJobs(["completed"]);
    expect(job?.returnvalue).toEqual({ stored: true });
    expect(await cache.keys("ytt-origin:*:blob:*")).toHaveLength(1);
    expect(await api.jobs.redis.keys(`ytt-origin:${queueName}:blob:*`)).toEqual([]);

    // MAX_PENDING_FREE=1: admitted only because the first job gave its place back.
    const second = await signedFetch(api.url, "/v1/transcripts/GJLlxj_dtq8?lang=zz,en", { caller: FLOODER });
    expect(second.status).toBe(200);
    const again = await signedFetch(api.url, "/v1/transcripts/GJLlxj_dtq8?lang=en", { caller: FLOODER });
    expect(again.status).toBe(200);
    expect(again.headers.get("x-cache")).toBe("HIT");
    // Two request variants, one track: one stored body.
    expect(await cache.keys("ytt-origin:*:blob:*")).toHaveLength(1);
    expect(await cache.keys("ytt-origin:*:result:*")).toHaveLength(2);
  });

  it("runs a request again when its result was evicted before anyone read it", async () => {
    const path = "/v1/transcripts/GJLlxj_dtq8?lang=fr,en";
    const first = await signedFetch(api.url, path, { caller: NEIGHBOUR });
    expect(first.status).toBe(200);
    await first.body?.cancel();
    await cache.flushall();
    const afterEviction = await signedFetch(api.url, path, { caller: NEIGHBOUR });
    expect(afterEviction.status).toBe(200);
    expect(afterEviction.headers.get("x-cache")).toBe("MISS");
    expect(await afterEviction.json()).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
    );
  });
});
