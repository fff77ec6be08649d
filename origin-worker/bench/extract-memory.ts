import { readdirSync, readFileSync } from "node:fs";
import type { Engine } from "../src/extract/index.js";
import { productionEngine, transcriptWork } from "../test/helpers.js";

/**
 * One worker's memory, run by bench/extract.ts as its own process (a fresh Node, as a worker is): the
 * engine in its production configuration against the double at DOUBLE_HOST_RULES, with
 * STATIC_CACHE_MAX_BYTES, warmed up, then JOBS jobs at 1, 2 and 4 at a time. Prints one JSON line:
 * idle and peak PSS of this process and of its Chromium, throughput and p50 latency per level.
 */

const JOBS = Number(process.env.JOBS ?? 16);
const work = transcriptWork(process.env.VIDEO ?? "GJLlxj_dtq8");

/** PSS (kB) of one process, from /proc/<pid>/smaps_rollup: pages shared between processes split among them. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0; // the process ended while we looked
  }
}

/** A process and all its descendants, from /proc. */
function processTree(rootPid: number): number[] {
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
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

export interface WorkerMemory {
  idle: Pss;
  levels: { concurrency: number; perSecond: number; p50Ms: number; peak: Pss }[];
  cacheBytes: number;
}
type Pss = { nodeKb: number; chromiumKb: number; totalKb: number };

function workerPss(engine: Engine): Pss {
  const browserPid = engine.browser.pid();
  const chromiumKb = browserPid ? processTree(browserPid).reduce((sum, pid) => sum + pssKb(pid), 0) : 0;
  const nodeKb = pssKb(process.pid);
  return { nodeKb, chromiumKb, totalKb: nodeKb + chromiumKb };
}

const engine = productionEngine(
  { hostRules: process.env.DOUBLE_HOST_RULES ?? "", spki: process.env.DOUBLE_SPKI ?? "" },
  { recycleAfterJobs: 100_000, staticCacheMaxBytes: Number(process.env.STATIC_CACHE_MAX_BYTES) },
);
try {
  for (let i = 0; i < 3; i++) await engine.run(work);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idle = workerPss(engine);
  const levels: WorkerMemory["levels"] = [];
  for (const concurrency of [1, 2, 4]) {
    let peak = idle;
    const sampler = setInterval(() => {
      const now = workerPss(engine);
      if (now.totalKb > peak.totalKb) peak = now;
    }, 250);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < JOBS) {
          next++;
          const start = performance.now();
          await engine.run(work);
          latencies.push(performance.now() - start);
        }
      }),
    );
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    levels.push({
      concurrency,
      perSecond: JOBS / ((performance.now() - started) / 1000),
      p50Ms: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
      peak,
    });
  }
  const result: WorkerMemory = { idle, levels, cacheBytes: engine.browser.staticCache.bytes };
  console.log(JSON.stringify(result));
} finally {
  await engine.close();
}
