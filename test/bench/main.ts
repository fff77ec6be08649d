/**
 * `pnpm bench`: the whole chain measured on this machine, each figure next to a baseline measured
 * in the same run, everything on 127.0.0.1 against the YouTube double.
 *   1. edge cache hit vs a trivial Worker: the edge's own benchmark (edge-worker/bench/run.ts), run as is
 *   2. cold miss through the chain with a warm worker vs the bare engine and Chromium's bare page load
 *   3. throughput of distinct requests with 1 and 2 workers, peak memory (PSS) per worker, vs the bare engine
 *   4. 0 → 1: a worker process's start to its first finished job, vs a bare Node+tsx process start
 * Tunables: BENCH_SAMPLES (cold misses, default 12), BENCH_BURST (requests per burst, default 16),
 * BENCH_SECONDS (edge autocannon seconds, default 5), BENCH_LOGS=1 (print the stack's logs).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createEngine } from "@ytt/origin-worker";
import type { WorkRequest } from "@ytt/shared";
import { descendants, printLog, type Stack, startStack } from "../stack/index.js";
import { EDGE_DIR, nodeEnv, ORIGIN_DIR } from "../stack/paths.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 12);
const BURST = Number(process.env.BENCH_BURST ?? 16);
const EDGE_SECONDS = process.env.BENCH_SECONDS ?? "5";
const VIDEO = "GJLlxj_dtq8";
const CONCURRENCY = 2;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const timed = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

/** Runs a command to completion, its output passed through; rejects on a non-zero exit. */
function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: nodeEnv(env), stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

/**
 * Memory of a process and every descendant (Chromium included), in MB: the sum of PSS, which splits
 * pages shared between Chromium's processes among them instead of counting them in each (as RSS does).
 */
function treePssMb(pid: number): number {
  let kb = 0;
  for (const p of [{ pid }, ...descendants(pid)]) {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process ended while we looked
    }
  }
  return kb / 1024;
}

let requestCounter = 0;
/** A request for a transcript nobody asked for yet (a distinct request hash): a guaranteed cold miss. */
function coldPath(): string {
  requestCounter++;
  return `/v1/transcripts/${VIDEO}?lang=en-b${requestCounter},en&fallback=any`;
}

/**
 * One client request through the edge: whether it was a 200. Anything else, or no answer at all (under
 * bursts wrangler's proxy may answer 500 "Network connection lost"), is logged and counted as an error
 * in the table rather than ending the run.
 */
async function fetchOk(stack: Stack, path: string, key: string): Promise<boolean> {
  try {
    const res = await fetch(`${stack.edgeUrl}${path}`, {
      headers: { Authorization: `Bearer ${key}`, "CF-Connecting-IP": `203.0.113.${requestCounter % 250}` },
    });
    const body = await res.text();
    if (res.status === 200) return true;
    console.warn(`${path}: ${res.status} ${body.slice(0, 200)}`);
  } catch (e) {
    console.warn(`${path}: ${String(e)}`);
  }
  return false;
}

/** The time of one successful request, or undefined when it failed (counted by the caller). */
async function timedOk(stack: Stack, path: string, key: string): Promise<number | undefined> {
  const start = performance.now();
  return (await fetchOk(stack, path, key)) ? performance.now() - start : undefined;
}

interface Row {
  measure: string;
  value: string;
  baseline: string;
  baselineValue: string;
  ratio: string;
  /** Requests of this measure that failed (left out of its figure). */
  errors: number;
}
const rows: Row[] = [];
type Figure = [value: number, unit: "ms" | "req/s" | "jobs/s" | "MB"];
const show = ([value, unit]: Figure) => `${value.toFixed(unit === "ms" || unit === "MB" ? 0 : 2)} ${unit}`;
/** One table row: a figure, its baseline from this run, and their ratio. */
function compare(
  measure: string,
  figure: Figure,
  baseline: string,
  baselineFigure: Figure,
  errors = 0,
): void {
  rows.push({
    measure,
    value: show(figure),
    baseline,
    baselineValue: show(baselineFigure),
    ratio: (figure[0] / baselineFigure[0]).toFixed(2),
    errors,
  });
}

async function edgeCacheHit(): Promise<void> {
  console.log("\n== 1. edge cache hit vs a trivial Worker (edge-worker/bench/run.ts) ==");
  // Its own failure is reported, and the chain is measured all the same.
  await run(process.execPath, ["--import", "tsx", "bench/run.ts"], EDGE_DIR, {
    BENCH_SECONDS: EDGE_SECONDS,
  }).catch((e: unknown) => console.warn(`edge bench failed: ${String(e)}`));
}

async function chain(): Promise<void> {
  console.log("\n== 2-4. the chain: edge → origin → Redis/BullMQ → worker → Chromium → the double ==");
  const stack = await startStack({
    youtube: "double",
    workers: 1,
    log: process.env.BENCH_LOGS === "1" ? printLog : () => {},
    // Every request is answered directly (no 202), so the client sees the whole chain's latency: a
    // burst of jobs on the realistic page takes longer than the edge's default 28 s origin timeout.
    originEnv: { WAIT_BUDGET_MS: "85000", WORKER_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: "warn" },
    edgeVars: { ORIGIN_TIMEOUT_MS: "90000" },
    keys: Array.from({ length: 8 }, (_, i) => ({ owner: `bench-${i}`, plan: "pro" as const })),
  });
  // A key per phase keeps each under its burst limit (60 a minute).
  const key = (phase: number) => stack.keys[phase] as string;
  const engine = createEngine({
    youtubeOrigin: stack.youtubeOrigin,
    upstream: {
      hostRules: stack.upstreamEnv.UPSTREAM_HOST_RULES,
      trustedSpki: stack.upstreamEnv.UPSTREAM_TRUSTED_SPKI,
    },
    ...(process.env.CHROMIUM_PATH ? { chromiumPath: process.env.CHROMIUM_PATH } : {}),
    recycleAfterJobs: 100_000,
  });
  try {
    // Baselines, while the chain is idle: Chromium loading the watch page, and one bare extraction.
    const work: WorkRequest = {
      kind: "transcript",
      request: { videoId: VIDEO, languages: ["en"], kind: "any", fallback: "any" },
    };
    for (let i = 0; i < 3; i++) await engine.run(work);
    const pageLoad: number[] = [];
    const bare: number[] = [];
    const watchUrl = `${stack.youtubeOrigin}/watch?v=${VIDEO}&hl=en`;
    for (let i = 0; i < SAMPLES; i++) {
      pageLoad.push(
        await timed(() =>
          engine.browser.withPage(({ page }) => page.goto(watchUrl, { waitUntil: "domcontentloaded" })),
        ),
      );
      bare.push(await timed(() => engine.run(work)));
    }

    // 2. Cold misses through the whole chain, one at a time, warm worker.
    await fetchOk(stack, coldPath(), key(0));
    const cold: number[] = [];
    let coldErrors = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const ms = await timedOk(stack, coldPath(), key(0));
      if (ms === undefined) coldErrors++;
      else cold.push(ms);
    }
    const [c50, c99, b50, b99, l50] = [
      percentile(cold, 50),
      percentile(cold, 99),
      percentile(bare, 50),
      percentile(bare, 99),
      percentile(pageLoad, 50),
    ];
    compare("cold miss via chain, p50", [c50, "ms"], "bare engine extraction, p50", [b50, "ms"], coldErrors);
    compare("cold miss via chain, p99", [c99, "ms"], "bare engine extraction, p99", [b99, "ms"], coldErrors);
    compare(
      "cold miss via chain, p50",
      [c50, "ms"],
      "Chromium bare watch-page load, p50",
      [l50, "ms"],
      coldErrors,
    );

    // 3. Throughput: a burst of distinct requests, with 1 then 2 worker processes.
    const bareBurst = await timed(() =>
      Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = 0; i < BURST / CONCURRENCY; i++) await engine.run(work);
        }),
      ),
    );
    const bareRate = (BURST / bareBurst) * 1000;
    const burst = async (phase: number) => {
      const peaks = new Map<number, number>();
      const sample = () => {
        for (const w of stack.workers)
          peaks.set(w.process.pid, Math.max(peaks.get(w.process.pid) ?? 0, treePssMb(w.process.pid)));
      };
      const sampler = setInterval(sample, 100);
      const start = performance.now();
      const answers = await Promise.all(
        Array.from({ length: BURST }, () => fetchOk(stack, coldPath(), key(phase))),
      );
      const elapsed = performance.now() - start;
      clearInterval(sampler);
      sample();
      const ok = answers.filter(Boolean).length;
      return { rate: (ok / elapsed) * 1000, errors: BURST - ok, peakMb: Math.max(...peaks.values()) };
    };
    const one = await burst(1);
    await stack.startWorker();
    await fetchOk(stack, coldPath(), key(2)); // warm the new worker's browser
    const two = await burst(2);
    const bareLabel = `bare engine, ${CONCURRENCY} concurrent jobs`;
    compare(
      `throughput, 1 worker × ${CONCURRENCY}`,
      [one.rate, "req/s"],
      bareLabel,
      [bareRate, "jobs/s"],
      one.errors,
    );
    compare(
      `throughput, 2 workers × ${CONCURRENCY}`,
      [two.rate, "req/s"],
      "throughput, 1 worker",
      [one.rate, "req/s"],
      two.errors,
    );
    compare(
      "peak memory (PSS) of a worker + its Chromium, 1 running",
      [one.peakMb, "MB"],
      "the same, 2 running (the larger)",
      [two.peakMb, "MB"],
    );

    // 4. 0 → 1: no worker, a request waiting; a worker process starts and finishes its job.
    for (const w of [...stack.workers]) await stack.stopWorker(w);
    const waiting = fetchOk(stack, coldPath(), key(3));
    await new Promise((r) => setTimeout(r, 500)); // the job is queued before the worker exists
    const spawned = performance.now();
    await stack.startWorker();
    const ready = performance.now() - spawned;
    const firstJobOk = await waiting;
    const firstJob = performance.now() - spawned;
    const nodeStart = percentile(
      await Promise.all(
        [0, 1, 2].map(() =>
          timed(() => run(process.execPath, ["--import", "tsx", "-e", "0"], ORIGIN_DIR, {})),
        ),
      ),
      50,
    );
    compare("0→1: worker start to ready", [ready, "ms"], "bare node --import tsx start+exit", [
      nodeStart,
      "ms",
    ]);
    compare(
      "0→1: worker start to first finished job",
      [firstJob, "ms"],
      "bare engine extraction, p50",
      [b50, "ms"],
      firstJobOk ? 0 : 1,
    );
  } finally {
    await engine.close();
    await stack.close();
  }
}

const started = performance.now();
await edgeCacheHit();
await chain();
console.log(
  `\nThe chain on ${process.platform}/${process.arch}, ${SAMPLES} cold samples, bursts of ${BURST}, worker concurrency ${CONCURRENCY}, YouTube double on 127.0.0.1\n`,
);
console.log("| measure | value | baseline (same run) | baseline value | ratio | errors |");
console.log("| --- | ---: | --- | ---: | ---: | ---: |");
for (const r of rows)
  console.log(
    `| ${r.measure} | ${r.value} | ${r.baseline} | ${r.baselineValue} | ${r.ratio}× | ${r.errors} |`,
  );
console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
