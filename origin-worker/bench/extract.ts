import { readdirSync, readFileSync } from "node:fs";
import type { WorkRequest } from "@ytt/shared";
import { startYoutubeDouble } from "@ytt/youtube-double";
import { productionEngine } from "../test/helpers.js";

/**
 * Extraction against the YouTube double (its realistic page weight, the production configuration):
 * latency of one extraction with a warm browser next to the floor (Chromium loading the same watch
 * page in a fresh context, nothing else), the bytes one job receives per host, throughput
 * at 1, 2 and 4 concurrent jobs in one browser, and the browser's peak memory per concurrent job.
 *   pnpm --filter @ytt/origin-worker bench:extract   (RUNS=30 JOBS=24 to change the sample sizes)
 */

const RUNS = Number(process.env.RUNS ?? 20);
const JOBS = Number(process.env.JOBS ?? 16);
const VIDEO = "GJLlxj_dtq8";

const work: WorkRequest = {
  kind: "transcript",
  request: { videoId: VIDEO, languages: ["en"], kind: "any", fallback: "error" },
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** RSS (kB) of a process and all its descendants, from /proc. */
function treeRssKb(rootPid: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of tree) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      total += Number(match?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

const double = await startYoutubeDouble();
const engine = productionEngine(double, { recycleAfterJobs: 100_000 });
const timed = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

try {
  for (let i = 0; i < 3; i++) await engine.run(work);

  const floor: number[] = [];
  const extraction: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    floor.push(
      await timed(() =>
        engine.browser.withPage(({ page }) =>
          page.goto(`${double.origin}/watch?v=${VIDEO}&hl=en`, { waitUntil: "domcontentloaded" }),
        ),
      ),
    );
    extraction.push(await timed(() => engine.run(work)));
  }

  // What one warm job pulls from each host (as served, compressed where YouTube compresses).
  double.reset();
  await engine.run(work);
  const bytesPerJob = double.stats().bytesByHost;

  const pid = engine.browser.pid() as number;
  const idleKb = treeRssKb(pid);
  const throughput: { concurrency: number; perSecond: number; p50: number; peakKb: number }[] = [];
  for (const concurrency of [1, 2, 4]) {
    let peakKb = idleKb;
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, treeRssKb(pid));
    }, 50);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < JOBS) {
          next++;
          latencies.push(await timed(() => engine.run(work)));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    throughput.push({ concurrency, perSecond: JOBS / seconds, p50: percentile(latencies, 50), peakKb });
  }

  const f50 = percentile(floor, 50);
  const e50 = percentile(extraction, 50);
  console.log(
    `\nExtraction against the YouTube double (${RUNS} runs, warm browser, ${VIDEO}, ${process.arch}, ${process.platform})\n`,
  );
  console.table([
    {
      measure: "floor: load the watch page (fresh context)",
      p50_ms: Math.round(f50),
      p90_ms: Math.round(percentile(floor, 90)),
    },
    {
      measure: "one extraction (fresh context)",
      p50_ms: Math.round(e50),
      p90_ms: Math.round(percentile(extraction, 90)),
    },
    {
      measure: "ratio extraction / floor",
      p50_ms: Number((e50 / f50).toFixed(2)),
      p90_ms: Number((percentile(extraction, 90) / percentile(floor, 90)).toFixed(2)),
    },
  ]);
  console.log("\nBytes one extraction receives, per host (the double's realistic page weight)\n");
  console.table(Object.entries(bytesPerJob).map(([host, bytes]) => ({ host, kB: Math.round(bytes / 1024) })));
  console.log(
    `\nThroughput and memory, ${JOBS} jobs per level, one browser (idle browser tree RSS ${Math.round(idleKb / 1024)} MB)\n`,
  );
  console.table(
    throughput.map((t) => ({
      concurrent_jobs: t.concurrency,
      extractions_per_s: Number(t.perSecond.toFixed(2)),
      p50_latency_ms: Math.round(t.p50),
      peak_browser_rss_mb: Math.round(t.peakKb / 1024),
      peak_extra_mb_per_job_vs_idle: Math.round((t.peakKb - idleKb) / 1024 / t.concurrency),
    })),
  );
} finally {
  await engine.close();
  await double.close();
}
