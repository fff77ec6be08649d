/**
 * Redis bytes the origin keeps per 1,000 distinct requests, once every job has finished.
 *
 * The requests are what one caller asking for `lang` variants looks like: REQUESTS distinct requests
 * over VIDEOS multi-hour videos, each resolving to one of two tracks (en, de) of its video. The real
 * queue, QueueEvents, result store and a real BullMQ Worker run against Redis; only the engine is a
 * stand-in that answers a synthetic transcript of SEGMENTS cues (about an hour at 3 s a cue), since
 * what is measured is storage, not extraction.
 *
 * Baseline (measured in this run): the transcripts' JSON, one uncompressed copy per request.
 * Run: pnpm --filter @ytt/origin-worker bench:redis
 */
import type { Caller, Transcript, WorkRequest } from "@ytt/shared";
import { Redis } from "ioredis";
import pino from "pino";
import type { Engine } from "../src/extract/index.js";
import { createWorkerMetrics } from "../src/observability/metrics.js";
import { BULL_PREFIX, JobQueue, originKeyPrefix, producerConnection } from "../src/queue/queue.js";
import { WebhookOutbox } from "../src/webhooks/outbox.js";
import { createTranscriptWorker } from "../src/worker/worker.js";
import { uniqueQueueName } from "../test/helpers.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const VIDEOS = Number(process.env.BENCH_VIDEOS ?? 100);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 1200);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A seeded generator, so every run stores the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * 3,000 made-up words of 2 to 9 letters, drawn uniformly: text that compresses no better than
 * real captions (brotli gets about 3× on it; a small real vocabulary would flatter compression).
 */
const VOCABULARY = (() => {
  const next = random(42);
  return Array.from({ length: 3000 }, () =>
    Array.from({ length: 2 + Math.floor(next() * 8) }, () =>
      String.fromCharCode(97 + Math.floor(next() * 26)),
    ).join(""),
  );
})();

function transcript(videoId: string, languageCode: string): Transcript {
  const next = random([...(videoId + languageCode)].reduce((s, ch) => s * 31 + ch.charCodeAt(0), 7));
  const word = () => VOCABULARY[Math.floor(next() * VOCABULARY.length)];
  return {
    video: {
      videoId,
      title: `A long talk ${videoId}`,
      channelName: "Bench",
      channelId: "UCbench",
      chapters: [],
    },
    track: { languageCode, name: languageCode, kind: "manual", isTranslatable: true },
    segments: Array.from({ length: SEGMENTS }, (_, i) => ({
      startMs: i * 3000,
      durationMs: 2900,
      text: Array.from({ length: 10 }, word).join(" "),
    })),
  };
}

const BENCH_CALLER: Caller = { plan: "pro", keyId: "00000000000be7c4" };
const videoId = (v: number) => `bench${String(v).padStart(6, "0")}`;
/** Request i: video i mod VIDEOS; a distinct language list each time, ending in en or de. */
function request(i: number): WorkRequest {
  const v = i % VIDEOS;
  const round = Math.floor(i / VIDEOS);
  const track = round % 2 === 0 ? "en" : "de";
  return {
    kind: "transcript",
    request: { videoId: videoId(v), languages: [`x${round}`, track], kind: "any", fallback: "error" },
  };
}

const engine: Engine = {
  run: async (work: WorkRequest) => transcript(work.request.videoId, work.request.languages.at(-1) ?? "en"),
} as unknown as Engine;

async function bytesUnder(redis: Redis, patterns: string[]): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  for (const match of patterns) {
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
      cursor = next;
      for (const key of found) {
        keys++;
        bytes += Number(await redis.memory("USAGE", key, "SAMPLES", 0)) || 0;
      }
    } while (cursor !== "0");
  }
  return { keys, bytes };
}

const queueName = uniqueQueueName("bench-redis");
const log = pino({ level: "silent" });
const jobs = new JobQueue({
  redisUrl: REDIS_URL,
  queueName,
  attempts: 2,
  resultRedisUrl: REDIS_URL,
  jobResultTtlSeconds: 3600,
  maxBacklog: REQUESTS + 10,
  pendingPerCaller: { free: REQUESTS, pro: REQUESTS, demo: REQUESTS },
  admissionLeaseMs: 3_600_000,
});
await jobs.ready();
const workerRedis = producerConnection(REDIS_URL);
const worker = createTranscriptWorker({
  redisUrl: REDIS_URL,
  redis: workerRedis,
  resultRedis: workerRedis,
  admissionLeaseMs: 3_600_000,
  queueName,
  concurrency: 16,
  attempts: 2,
  retryBaseDelayMs: 100,
  blockedPauseMs: 1000,
  resultTtlSeconds: 86_400,
  failureTtlSeconds: 3600,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  engine,
  log,
  metrics: createWorkerMetrics(),
  submitter: jobs,
  outbox: new WebhookOutbox(workerRedis, queueName),
  collectionPassMs: 1000,
  collectionPassItems: 200,
  jobResultTtlSeconds: 3600,
});
const inspect = new Redis(REDIS_URL);
try {
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < REQUESTS; i++) ids.push((await jobs.submit(request(i), `bench-${i}`, BENCH_CALLER)).id);
  const outcomes = await Promise.all(ids.map((id) => jobs.waitFor(id, 120_000)));
  if (outcomes.some((o) => !o?.ok)) throw new Error("a bench job did not complete");
  const seconds = (performance.now() - started) / 1000;

  let baseline = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const work = request(i);
    baseline += JSON.stringify(
      transcript(work.request.videoId, work.request.languages.at(-1) ?? "en"),
    ).length;
  }
  const stored = await bytesUnder(inspect, [
    `${BULL_PREFIX}:${queueName}:*`,
    `${originKeyPrefix(queueName)}:*`,
  ]);
  const per1000 = (n: number) => (n / REQUESTS) * 1000;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const rows = [
    ["one JSON copy per request (baseline)", mb(per1000(baseline)), "", "1.00×"],
    [
      "Redis, queue and result store",
      mb(per1000(stored.bytes)),
      String(stored.keys),
      `${(stored.bytes / baseline).toFixed(3)}×`,
    ],
  ];
  const header = ["per 1,000 distinct requests", "MB", "keys", "vs baseline"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(
    `\nRedis memory (${REQUESTS} requests over ${VIDEOS} videos × 2 tracks, ${SEGMENTS} cues each, ${seconds.toFixed(1)} s)\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
} finally {
  await worker.close();
  await jobs.queue.obliterate({ force: true }).catch(() => undefined);
  const leftovers = await inspect.keys(`${originKeyPrefix(queueName)}:*`);
  if (leftovers.length) await inspect.del(...leftovers);
  await Promise.all([jobs.close(), workerRedis.quit(), inspect.quit()]);
}
