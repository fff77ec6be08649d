/**
 * End-to-end origin latency and throughput against the YouTube double:
 *   bare      the extraction engine called in-process (the baseline, measured in this run)
 *   origin    a signed request → API → queue → warm worker process → result
 * then throughput of a burst of distinct requests with 1 and 2 worker processes.
 * Run: pnpm --filter @ytt/origin-worker bench
 */
import type { WorkRequest } from "@ytt/shared";
import { startYoutubeDouble } from "@ytt/youtube-double";
import {
  productionEngine,
  signedFetch,
  spawnWorker,
  startApi,
  uniqueQueueName,
  type WorkerProcess,
} from "../test/helpers.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const BURST = Number(process.env.BENCH_BURST ?? 16);
const VIDEO = "GJLlxj_dtq8";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1] ?? Number.NaN;
/** Distinct requests for one video (so nothing is served from the result store): a different language each. */
const variant = (i: number) => `/v1/transcripts/${VIDEO}?lang=en-b${i},en&fallback=any`;

const double = await startYoutubeDouble({ port: 0 });
const queueName = uniqueQueueName("bench");
const api = await startApi({ QUEUE_NAME: queueName, WAIT_BUDGET_MS: "60000", MAX_BACKLOG: "10000" });
const workers: WorkerProcess[] = [];
const rows: string[][] = [];

try {
  // Baseline: the bare engine, warmed by one run.
  const engine = productionEngine(double, {
    ...(process.env.CHROMIUM_PATH ? { chromiumPath: process.env.CHROMIUM_PATH } : {}),
    locale: "en-US",
    navigationTimeoutMs: 20_000,
    jobTimeoutMs: 45_000,
    recycleAfterJobs: 1000,
  });
  const work: WorkRequest = {
    kind: "transcript",
    request: { videoId: VIDEO, languages: ["en"], kind: "any", fallback: "any" },
  };
  await engine.run(work, {});
  const bare: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await engine.run(work, {});
    bare.push(performance.now() - t);
  }
  await engine.close();

  const startWorker = async () => {
    const w = spawnWorker({
      QUEUE_NAME: queueName,
      ...double.upstreamEnv,
      WORKER_CONCURRENCY: "2",
    });
    workers.push(w);
    await w.ready;
  };
  const request = async (path: string) => {
    const t = performance.now();
    const r = await signedFetch(api.url, path);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
    return performance.now() - t;
  };

  // Origin, one request at a time, warm worker.
  await startWorker();
  await request(variant(900));
  const origin: number[] = [];
  for (let i = 0; i < SAMPLES; i++) origin.push(await request(variant(i)));

  // A cache hit: the same request again.
  const hit: number[] = [];
  for (let i = 0; i < SAMPLES; i++) hit.push(await request(variant(0)));

  const fmt = (ms: number) => ms.toFixed(1);
  rows.push(["bare engine (baseline)", fmt(median(bare)), fmt(p95(bare)), "1.00×", ""]);
  rows.push([
    "origin, result store miss",
    fmt(median(origin)),
    fmt(p95(origin)),
    `${(median(origin) / median(bare)).toFixed(2)}×`,
    "",
  ]);
  rows.push([
    "origin, result store hit",
    fmt(median(hit)),
    fmt(p95(hit)),
    `${(median(hit) / median(bare)).toFixed(2)}×`,
    "",
  ]);

  // Throughput: a burst of distinct requests, with 1 then 2 worker processes.
  const burst = async (offset: number) => {
    const t = performance.now();
    await Promise.all(Array.from({ length: BURST }, (_, i) => request(variant(offset + i))));
    return (BURST / (performance.now() - t)) * 1000;
  };
  const one = await burst(1000);
  await startWorker();
  const two = await burst(2000);
  rows.push([`burst of ${BURST}, 1 worker process`, "", "", "", one.toFixed(2)]);
  rows.push([
    `burst of ${BURST}, 2 worker processes`,
    "",
    "",
    `${(two / one).toFixed(2)}× of 1`,
    two.toFixed(2),
  ]);

  const header = ["case", "median ms", "p95 ms", "vs bare", "jobs/s"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(`\norigin benchmark (${SAMPLES} samples, concurrency 2 per worker, double on loopback)\n`);
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
} finally {
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  await api.close();
  await double.close();
}
