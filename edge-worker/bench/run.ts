/**
 * Cache-hit benchmark: the edge Worker under `wrangler dev` answering a cached transcript (auth,
 * per-IP and per-key limits, quota Durable Object, Cache API hit) next to a trivial Worker that
 * returns a fixed JSON body, measured in the same run with autocannon. Prints a table and the ratio.
 *
 *   pnpm --filter @ytt/edge-worker bench            (BENCH_SECONDS, BENCH_CONNECTIONS to tune)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { seedDevKey } from "../scripts/keys.js";
import { TEST_SIGNING_KEY_ID, TEST_SIGNING_SECRET } from "../test/support/constants.js";
import { startOriginStandIn } from "../test/support/origin-stand-in.js";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const VIDEO = "okBenchmark";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function wranglerDev(
  config: string,
  port: number,
  persistTo: string,
  vars: Record<string, string> = {},
): ChildProcess {
  const args = ["exec", "wrangler", "dev", "-c", config, "--port", String(port), "--ip", "127.0.0.1"];
  args.push("--persist-to", persistTo, "--show-interactive-dev-session=false");
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  return spawn("pnpm", args, {
    cwd: PACKAGE_DIR,
    detached: true,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev for ${url} exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

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

/** Ends a wrangler dev and its workerd children (its own process group). */
function stop(child: ChildProcess): void {
  if (!child.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
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
  const children: ChildProcess[] = [];
  try {
    const key = await seedDevKey({ persistTo: dir });
    const [edgePort, basePort] = [await freePort(), await freePort()];
    children.push(
      wranglerDev(await benchConfig(dir), edgePort, dir, {
        ORIGIN_URL: `http://127.0.0.1:${origin.port}`,
        SIGNING_KEY_ID: TEST_SIGNING_KEY_ID,
        SIGNING_SECRET: TEST_SIGNING_SECRET,
        QUOTA_PRO_PER_DAY: "1000000000",
      }),
      wranglerDev(join(PACKAGE_DIR, "bench/baseline.wrangler.jsonc"), basePort, join(dir, "baseline")),
    );
    const edge = `http://127.0.0.1:${edgePort}`;
    const base = `http://127.0.0.1:${basePort}`;
    await Promise.all([
      waitFor(`${edge}/health`, children[0] as ChildProcess),
      waitFor(base, children[1] as ChildProcess),
    ]);

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
    for (const child of children) stop(child);
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
