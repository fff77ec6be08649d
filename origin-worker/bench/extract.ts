import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type DoubleStats, ensureDoubleTls } from "@ytt/youtube-double";
import { DEFAULT_STATIC_CACHE_MAX_BYTES } from "../src/browser/static-cache.js";
import { ProxyPool } from "../src/egress/pool.js";
import { startForwardProxy } from "../test/forward-proxy.js";
import { productionEngine, transcriptWork } from "../test/helpers.js";
import type { WorkerMemory } from "./extract-memory.js";

/**
 * Extraction against the YouTube double (its realistic page weight, the production configuration),
 * the double in its own process, each figure next to a baseline from the same run:
 *   1. bytes one warm job pulls from YouTube's hosts, with the static cache and without it
 *      (STATIC_CACHE_MAX_BYTES=0, the "before"), against the job's dynamic floor: the answers no cache
 *      may serve (watch page, the player's API answers, timedtext), counted by the double per path,
 *      and in total at the proxy every job goes out through (an authenticating forward proxy, as a
 *      residential provider bills it: TLS and handshakes included);
 *   2. time per warm job with and without the cache, next to Chromium's bare load of the watch page,
 *      on loopback and with 100 ms added to every answer (a proxy's round trip);
 *   3. throughput and memory at 1, 2 and 4 concurrent jobs: PSS of a worker process (a fresh one per
 *      variant, bench/extract-memory.ts) and of its Chromium, with the cache and without.
 *   pnpm --filter @ytt/origin-worker bench:extract   (RUNS=30 JOBS=24 to change the sample sizes)
 */

const RUNS = Number(process.env.RUNS ?? 16);
const JOBS = Number(process.env.JOBS ?? 16);
const VIDEO = "GJLlxj_dtq8";
/** A residential proxy's round trip, added to every answer of the double in the second timing. */
const PROXY_RTT_MS = 100;
const DOUBLE_MAIN = fileURLToPath(new URL("../../test/youtube-double/src/main.ts", import.meta.url));
const MEMORY_MAIN = fileURLToPath(new URL("./extract-memory.ts", import.meta.url));

const work = transcriptWork(VIDEO);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const kB = (bytes: number) => Number((bytes / 1024).toFixed(1));
const MB = (kb: number) => Math.round(kb / 1024);
const timed = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

/** Runs a Node script of this package to its end and resolves with its stdout. */
function runScript(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}`))));
  });
}

/** The double as its own process (test/youtube-double/src/main.ts) on free ports, and its control endpoints. */
async function startDouble() {
  const child = spawn(process.execPath, ["--import", "tsx", DOUBLE_MAIN], {
    env: { ...process.env, PORT: "0", CONTROL_PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [hostRules, controlUrl] = await new Promise<[string, string]>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /serving (MAP \S+ \S+) \(control (\S+)\)/.exec(out);
      if (match) resolve([match[1] as string, match[2] as string]);
    });
    child.once("exit", (code) => reject(new Error(`the double exited (${code}) before serving`)));
  });
  const control = async (action: string) => {
    const res = await fetch(`${controlUrl}/__double/${action}`);
    if (!res.ok) throw new Error(`/__double/${action} answered ${res.status}`);
    return res.json();
  };
  return {
    hostRules,
    spki: (await ensureDoubleTls()).spki,
    stats: () => control("stats") as Promise<DoubleStats>,
    reset: () => control("reset"),
    setLatency: (ms: number) => control(`latency?ms=${ms}`),
    close: () => child.kill("SIGTERM"),
  };
}

/** Which part of a job a request (host + path, as the double counts them) belongs to. */
function part(path: string): "static" | "watch page" | "player API answers" | "timedtext" | "other" {
  if (path.startsWith("www.youtube.com/s/") || path.startsWith("www.google.com/js/th/")) return "static";
  if (path === "www.youtube.com/watch") return "watch page";
  if (path === "www.youtube.com/api/timedtext") return "timedtext";
  if (/^(?:www\.youtube\.com\/(?:youtubei\/v1|api\/jnn)\/|jnn-pa\.googleapis\.com\/)/.test(path))
    return "player API answers";
  return "other";
}
const DYNAMIC = ["watch page", "player API answers", "timedtext"] as const;

const double = await startDouble();
const proxy = await startForwardProxy({
  username: "bench",
  password: "bench-secret",
  exitAddress: "127.0.0.2",
  hostRules: double.hostRules,
});
const VARIANTS = { cache: DEFAULT_STATIC_CACHE_MAX_BYTES, "no cache": 0 } as const;
type Variant = keyof typeof VARIANTS;
const variants = Object.keys(VARIANTS) as Variant[];
const engines = Object.fromEntries(
  variants.map((v) => [
    v,
    productionEngine(double, {
      recycleAfterJobs: 100_000,
      staticCacheMaxBytes: VARIANTS[v],
      proxies: new ProxyPool([proxy.url], { quarantineBaseMs: 1_000, quarantineMaxMs: 1_000 }),
    }),
  ]),
) as Record<Variant, ReturnType<typeof productionEngine>>;

try {
  for (let i = 0; i < 3; i++) for (const v of variants) await engines[v].run(work);

  // 1 and 2: warm jobs, each alone at the double, with and without the cache in turn.
  const floor: Record<number, number[]> = {};
  const ms: Record<number, Record<Variant, number[]>> = {};
  const byHost: Record<Variant, Record<string, number>> = { cache: {}, "no cache": {} };
  const byPart: Record<Variant, Record<string, number>> = { cache: {}, "no cache": {} };
  const atProxy: Record<Variant, number> = { cache: 0, "no cache": 0 };
  for (const latency of [0, PROXY_RTT_MS]) {
    floor[latency] = [];
    ms[latency] = { cache: [], "no cache": [] };
    for (let i = 0; i < RUNS; i++) {
      await double.reset();
      await double.setLatency(latency);
      floor[latency].push(
        await timed(() =>
          engines["no cache"].browser.withPage(({ page }) =>
            page.goto(`https://www.youtube.com/watch?v=${VIDEO}&hl=en`, { waitUntil: "domcontentloaded" }),
          ),
        ),
      );
      for (const v of variants) {
        await double.reset();
        await double.setLatency(latency);
        const carried = proxy.bytesDown();
        ms[latency][v].push(await timed(() => engines[v].run(work)));
        if (latency) continue;
        atProxy[v] += (proxy.bytesDown() - carried) / RUNS;
        const stats = await double.stats();
        for (const [host, bytes] of Object.entries(stats.bytesByHost))
          byHost[v][host] = (byHost[v][host] ?? 0) + bytes / RUNS;
        for (const [path, bytes] of Object.entries(stats.bytesByPath))
          byPart[v][part(path)] = (byPart[v][part(path)] ?? 0) + bytes / RUNS;
      }
    }
  }
  await Promise.all(variants.map((v) => engines[v].close()));

  // 3: a fresh worker process per variant, alone with its Chromium.
  const memory = {} as Record<Variant, WorkerMemory>;
  for (const v of variants) {
    const out = await runScript(MEMORY_MAIN, {
      DOUBLE_HOST_RULES: double.hostRules,
      DOUBLE_SPKI: double.spki,
      STATIC_CACHE_MAX_BYTES: String(VARIANTS[v]),
      JOBS: String(JOBS),
      VIDEO,
    });
    memory[v] = JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
  }

  console.log(
    `\nExtraction against the YouTube double (${RUNS} warm jobs per variant and latency, ${VIDEO}, ${process.arch}, ${process.platform})`,
  );
  console.log(
    "\n1. Bytes one warm job receives from the double (mean, as sent: compressed where YouTube compresses)\n",
  );
  const total = (v: Variant) => Object.values(byHost[v]).reduce((a, b) => a + b, 0);
  const dynamicFloor = DYNAMIC.reduce((sum, p) => sum + (byPart.cache[p] ?? 0), 0);
  const hosts = [...new Set(variants.flatMap((v) => Object.keys(byHost[v])))].sort();
  console.table([
    ...hosts.map((host) => ({
      what: host,
      cache_kB: kB(byHost.cache[host] ?? 0),
      no_cache_kB: kB(byHost["no cache"][host] ?? 0),
    })),
    ...[...DYNAMIC, "static", "other"].map((p) => ({
      what: `  ${p === "static" ? "versioned static files" : p}`,
      cache_kB: kB(byPart.cache[p] ?? 0),
      no_cache_kB: kB(byPart["no cache"][p] ?? 0),
    })),
    { what: "total", cache_kB: kB(total("cache")), no_cache_kB: kB(total("no cache")) },
    { what: "dynamic floor: watch page + player API answers + timedtext", cache_kB: kB(dynamicFloor) },
    {
      what: "ratio total / dynamic floor (goal ≤ 1.2×)",
      cache_kB: ratio(total("cache"), dynamicFloor),
      no_cache_kB: ratio(total("no cache"), dynamicFloor),
    },
    { what: "ratio cache / no cache", cache_kB: ratio(total("cache"), total("no cache")) },
    {
      what: "total counted at the proxy (TLS, handshakes included)",
      cache_kB: kB(atProxy.cache),
      no_cache_kB: kB(atProxy["no cache"]),
    },
    {
      what: "ratio at the proxy / dynamic floor (goal ≤ 1.2×)",
      cache_kB: ratio(atProxy.cache, dynamicFloor),
      no_cache_kB: ratio(atProxy["no cache"], dynamicFloor),
    },
  ]);

  console.log("\n2. Time per warm job (a fresh context each), ms\n");
  console.table(
    [0, PROXY_RTT_MS].flatMap((latency) => {
      const at = latency ? ` (+${latency} ms per answer)` : " (loopback)";
      const f = floor[latency] ?? [];
      const { cache, "no cache": none } = ms[latency] ?? { cache: [], "no cache": [] };
      const row = (measure: string, values: number[]) => ({
        measure: `${measure}${at}`,
        p50: Math.round(percentile(values, 50)),
        p90: Math.round(percentile(values, 90)),
      });
      const ratios = (measure: string, a: number[], b: number[]) => ({
        measure: `${measure}${at}`,
        p50: ratio(percentile(a, 50), percentile(b, 50)),
        p90: ratio(percentile(a, 90), percentile(b, 90)),
      });
      return [
        row("floor: Chromium's bare load of the watch page, no cache", f),
        row("one extraction, no cache (before)", none),
        row("one extraction, static cache", cache),
        ratios("ratio cache / no cache", cache, none),
        ratios("ratio cache / floor", cache, f),
      ];
    }),
  );

  console.log(
    `\n3. Throughput and memory of a worker process and its Chromium (PSS from /proc/<pid>/smaps_rollup, peak sampled every 250 ms), ${JOBS} jobs per level\n`,
  );
  console.table(
    variants.flatMap((v) => {
      const { idle, levels, cacheBytes } = memory[v];
      const one = levels[0]?.peak.totalKb ?? Number.NaN;
      return [
        {
          variant: v,
          concurrent_jobs: 0,
          jobs_per_s: "",
          p50_ms: "",
          pss_mb: MB(idle.totalKb),
          node_mb: MB(idle.nodeKb),
          chromium_mb: MB(idle.chromiumKb),
          per_job_above_idle_mb: "",
          vs_no_cache: "",
          note: `idle; cache holds ${MB(cacheBytes / 1024)} of ${MB(VARIANTS[v] / 1024)} MB`,
        },
        ...levels.map((l, i) => ({
          variant: v,
          concurrent_jobs: l.concurrency,
          jobs_per_s: Number(l.perSecond.toFixed(2)),
          p50_ms: Math.round(l.p50Ms),
          pss_mb: MB(l.peak.totalKb),
          node_mb: MB(l.peak.nodeKb),
          chromium_mb: MB(l.peak.chromiumKb),
          per_job_above_idle_mb: MB((l.peak.totalKb - idle.totalKb) / l.concurrency),
          vs_no_cache: ratio(l.peak.totalKb, memory["no cache"].levels[i]?.peak.totalKb ?? Number.NaN),
          note: `peak; ${ratio(l.peak.totalKb, one)} of 1 job`,
        })),
      ];
    }),
  );
} finally {
  await Promise.all(variants.map((v) => engines[v].close()));
  await proxy.close();
  double.close();
}
