/**
 * Cache-hit benchmark: the edge Worker under `wrangler dev` answering a cached transcript (key and
 * rendering from the isolate's memory; the burst limiter counts it after the answer) next to a trivial
 * Worker that returns a fixed JSON body, the same Worker behind what a hit cannot avoid under this
 * platform (bench/floor.wrangler.jsonc), and get_transcript over MCP on the same hit, measured in the
 * same run with autocannon. Prints a table with the ratios, then where a hit's time goes: the Worker's
 * Server-Timing (SERVER_TIMING=true) per binding call over sequential hits. Failed answers (wrangler's
 * proxy drops connections under bursts: "Network connection lost") count as errors.
 *
 *   pnpm --filter @ytt/edge-worker bench            (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_SAMPLES to tune)
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
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
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

interface Call {
  headers: Record<string, string>;
  method?: "GET" | "POST";
  body?: string;
}

async function measure(target: string, url: string, call: Call): Promise<Row> {
  await autocannon({ url, ...call, connections: CONNECTIONS, duration: 2 }); // warm-up
  const r = await autocannon({ url, ...call, connections: CONNECTIONS, duration: SECONDS });
  return {
    target,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors,
  };
}

/** The miss that fills the store and the cache, then a hit; a dropped connection is tried again. */
async function awaitHit(url: string, headers: Record<string, string>): Promise<void> {
  let last = "no answer";
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status === 200 && res.headers.get("X-Cache") === "HIT") return;
      last = `${res.status} X-Cache=${res.headers.get("X-Cache")}`;
    } catch (e) {
      last = String(e);
    }
  }
  throw new Error(`expected a cache hit, got ${last}`);
}

/**
 * get_transcript over MCP as a client sends it once initialised (the endpoint is stateless): the
 * same video and format as the REST hit, answered from the edge store.
 */
function mcpGetTranscript(key: string): Call {
  return {
    method: "POST",
    headers: {
      Authorization: `Bearer ${key}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-06-18",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "get_transcript", arguments: { video: VIDEO, format: "text" } },
    }),
  };
}

/** The MCP call answers the transcript, not a tool error, before it is measured. */
async function checkMcp(url: string, call: Call): Promise<void> {
  const res = await fetch(url, call);
  const body = (await res.json()) as { result?: { isError?: boolean; content?: { text?: string }[] } };
  const text = body.result?.content?.[0]?.text ?? "";
  if (res.status !== 200 || body.result?.isError || text.length === 0)
    throw new Error(
      `MCP get_transcript did not answer a transcript: ${res.status} ${JSON.stringify(body).slice(0, 300)}`,
    );
}

/** Sequential requests: each answer's client round trip and Server-Timing metrics (ms), and the failures. */
async function sample(url: string, headers: Record<string, string>) {
  const metrics = new Map<string, number[]>();
  const add = (name: string, ms: number) => metrics.set(name, [...(metrics.get(name) ?? []), ms]);
  let errors = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(String(res.status));
      add("round trip", performance.now() - started);
      for (const entry of (res.headers.get("Server-Timing") ?? "").split(",")) {
        const [name, ...params] = entry.trim().split(";");
        const dur = params.find((p) => p.startsWith("dur="));
        if (name && dur) add(name, Number(dur.slice("dur=".length)));
      }
    } catch {
      errors++;
    }
  }
  return { metrics, answered: SAMPLES - errors, errors };
}

const mean = (values: number[] = []) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

/**
 * Where a hit's time goes: SAMPLES sequential hits and as many baseline requests. Inside the Worker,
 * each binding call's Server-Timing and `total`; workerd's clock moves in whole milliseconds, so means
 * over many hits are shown, not medians. The client's round trip adds wrangler dev's proxy.
 */
async function printBreakdown(url: string, headers: Record<string, string>, baseUrl: string): Promise<void> {
  const hit = await sample(url, headers);
  const base = await sample(baseUrl, {});
  console.log(`\nWhere a hit's time goes: ${SAMPLES} sequential requests each, means (Server-Timing)\n`);
  console.log("| step | mean ms | calls per hit |");
  console.log("| --- | ---: | ---: |");
  const row = (name: string, ms: number, calls: string) =>
    console.log(`| ${name} | ${ms.toFixed(2)} | ${calls} |`);
  row("baseline round trip (fixed JSON Worker)", mean(base.metrics.get("round trip")), "");
  row("edge hit round trip", mean(hit.metrics.get("round trip")), "");
  let bindings = 0;
  for (const [name, values] of hit.metrics) {
    if (name === "round trip" || name === "total") continue;
    bindings += mean(values);
    row(`  ${name}`, mean(values), (values.length / Math.max(hit.answered, 1)).toFixed(2));
  }
  const total = mean(hit.metrics.get("total"));
  row("  rest of the Worker (routing, validation, hashing, rendering)", total - bindings, "");
  row("  Worker total", total, "");
  console.log(`| errors (edge / baseline) | ${hit.errors} / ${base.errors} | |`);
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
      vars: { ...standInOriginVars(origin.port), QUOTA_PRO_PER_DAY: "1000000000", SERVER_TIMING: "true" },
    });
    servers.push(edgeDev);
    const baseDev = await startWranglerDev({
      config: join(PACKAGE_DIR, "bench/baseline.wrangler.jsonc"),
      persistTo: join(dir, "baseline"),
    });
    servers.push(baseDev);
    const floorDev = await startWranglerDev({
      config: join(PACKAGE_DIR, "bench/floor.wrangler.jsonc"),
      persistTo: join(dir, "floor"),
    });
    servers.push(floorDev);
    const edge = edgeDev.url;
    const base = baseDev.url;

    const url = `${edge}/v1/transcripts/${VIDEO}?format=text`;
    const headers = { "X-API-Key": key };
    await awaitHit(url, headers);

    const mcp = mcpGetTranscript(key);
    await checkMcp(`${edge}/mcp`, mcp);

    const baseline = await measure("baseline (fixed JSON Worker)", base, { headers: {} });
    // Under /v1/, where the floor's assets router sends requests to the Worker first, as the edge's does.
    const floor = await measure(
      "platform floor (the same + assets router + a rate-limit count)",
      `${floorDev.url}/v1/floor`,
      { headers: {} },
    );
    const hit = await measure("edge cache hit (key + rendering in isolate memory)", url, { headers });
    const mcpHit = await measure("MCP get_transcript, same hit (key cache + edge store)", `${edge}/mcp`, mcp);
    const fmt = (n: number) => n.toFixed(2);
    const ratio = (name: string, a: Row, b: Row) =>
      `| ${name} | ${fmt(a.rps / b.rps)}x | ${fmt(a.p50 / Math.max(b.p50, 0.01))}x | ${fmt(a.p99 / Math.max(b.p99, 0.01))}x | |`;
    console.log(`\nwrangler dev, ${CONNECTIONS} connections, ${SECONDS} s each\n`);
    console.log("| target | req/s | p50 ms | p99 ms | non-2xx/errors |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const r of [baseline, floor, hit, mcpHit])
      console.log(`| ${r.target} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
    console.log(ratio("ratio edge hit/baseline", hit, baseline));
    console.log(ratio("ratio edge hit/platform floor", hit, floor));
    console.log(ratio("ratio MCP/REST hit", mcpHit, hit));
    await printBreakdown(url, headers, base);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
