/**
 * Cache-hit benchmark: the edge Worker under `wrangler dev` answering a cached transcript (auth,
 * per-IP and per-key limits, quota Durable Object, Cache API hit) next to a trivial Worker that
 * returns a fixed JSON body, measured in the same run with autocannon. Prints a table and the ratio.
 *
 *   pnpm --filter @ytt/edge-worker bench            (BENCH_SECONDS, BENCH_CONNECTIONS to tune)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { seedDevKey } from "../scripts/keys.js";
import { startOriginStandIn } from "../test/support/origin-stand-in.js";
import {
  PACKAGE_DIR,
  standInOriginVars,
  startWranglerDev,
  type WranglerDev,
} from "../test/support/wrangler-dev.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const VIDEO = "okBenchmark";

/** The real config with the rate limits lifted, so the benchmark measures the path rather than 429s. */
async function benchConfig(dir: string): Promise<string> {
  const jsonc = await readFile(join(PACKAGE_DIR, "wrangler.jsonc"), "utf8");
  const config = JSON.parse(
    jsonc
      .split("\n")
      .filter((line) => !line.trim().startsWith("//"))
      .join("\n"),
  );
  // The copy lives elsewhere: make its relative paths absolute.
  config.main = join(PACKAGE_DIR, config.main);
  if (config.assets?.directory) config.assets.directory = join(PACKAGE_DIR, config.assets.directory);
  for (const limiter of config.ratelimits) limiter.simple.limit = 1_000_000_000;
  const path = join(dir, "edge.wrangler.json");
  await writeFile(path, JSON.stringify(config));
  return path;
}

interface Row {
  target: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function measure(target: string, url: string, headers: Record<string, string>): Promise<Row> {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 }); // warm-up
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  return {
    target,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors,
  };
}

async function main(): Promise<void> {
  const origin = await startOriginStandIn();
  const dir = await mkdtemp(join(tmpdir(), "ytt-edge-bench-"));
  const servers: WranglerDev[] = [];
  try {
    const key = await seedDevKey({ persistTo: dir });
    // One after the other, each recorded at once, so a failure still stops what did start.
    const edgeDev = await startWranglerDev({
      config: await benchConfig(dir),
      persistTo: dir,
      readyPath: "/health",
      vars: { ...standInOriginVars(origin.port), QUOTA_PRO_PER_DAY: "1000000000" },
    });
    servers.push(edgeDev);
    const baseDev = await startWranglerDev({
      config: join(PACKAGE_DIR, "bench/baseline.wrangler.jsonc"),
      persistTo: join(dir, "baseline"),
    });
    servers.push(baseDev);
    const edge = edgeDev.url;
    const base = baseDev.url;

    const url = `${edge}/v1/transcripts/${VIDEO}?format=text`;
    const headers = { "X-API-Key": key };
    await fetch(url, { headers }); // the miss that fills the store and the cache
    const check = await fetch(url, { headers });
    if (check.status !== 200 || check.headers.get("X-Cache") !== "HIT") {
      throw new Error(`expected a cache hit, got ${check.status} X-Cache=${check.headers.get("X-Cache")}`);
    }

    const baseline = await measure("baseline (fixed JSON Worker)", base, {});
    const hit = await measure("edge cache hit (auth+limits+quota+Cache API)", url, headers);
    const fmt = (n: number) => n.toFixed(2);
    console.log(`\nwrangler dev, ${CONNECTIONS} connections, ${SECONDS} s each\n`);
    console.log("| target | req/s | p50 ms | p99 ms | non-2xx/errors |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const r of [baseline, hit])
      console.log(`| ${r.target} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
    console.log(
      `| ratio edge/baseline | ${fmt(hit.rps / baseline.rps)}x | ${fmt(hit.p50 / Math.max(baseline.p50, 0.01))}x | ${fmt(hit.p99 / Math.max(baseline.p99, 0.01))}x | |`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
