/**
 * `pnpm --filter @ytt/origin-worker canary [--videos FILE]`: asks YouTube for a short list of
 * well-known videos through each configured route alone (the worker's engine, configuration and
 * environment, with that one route), so a route YouTube has broken shows before the fallbacks hide it.
 *   stdout  a table per route: successes/attempts, p50/max ms; stderr: one line per probe;
 *   exit    0 the primary route (the player page) answered every video, 1 it failed on one at least,
 *           2 the canary could not run or report (arguments, configuration, list, browser, Pushgateway).
 * With CANARY_PUSHGATEWAY_URL set, the run is pushed as metrics (see canary-report.ts).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseVideoRef, type WorkRequest } from "@ytt/shared";
import { loadCanaryConfig } from "../config.js";
import { configuredRoutes } from "../extract/engine.js";
import { createEngineFromConfig, upstreamOverrideWarning } from "../extract/from-config.js";
import { type Probe, pushCanaryMetrics, routeTable } from "./canary-report.js";
import { asApiError, callerCwd, EXIT_OK, exitWith } from "./process.js";

/** The canary's own exit codes (0: the primary route answered every video). */
const EXIT_PRIMARY_ROUTE_FAILED = 1;
const EXIT_COULD_NOT_RUN = 2;

const DEFAULT_VIDEOS_FILE = fileURLToPath(new URL("../../canary/videos.txt", import.meta.url));

/** Video IDs, one per line (an ID or a link), '#' comments and blank lines skipped. */
async function readVideos(file: string): Promise<string[]> {
  const lines = (await readFile(file, "utf8")).split("\n");
  const videos = lines.flatMap((line, i) => {
    const ref = line.replace(/#.*/, "").trim();
    if (!ref) return [];
    const parsed = parseVideoRef(ref);
    if (!parsed.ok) throw new Error(`${file}:${i + 1}: ${parsed.reason}`);
    return [parsed.videoId];
  });
  if (videos.length === 0) throw new Error(`${file}: no videos listed`);
  return videos;
}

/** What the canary asks of each video: any transcript at all (the route is on trial, not the languages). */
const probeWork = (videoId: string): WorkRequest => ({
  kind: "transcript",
  request: { videoId, languages: ["en"], kind: "any", fallback: "any" },
});

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { videos: { type: "string" } } });
  const config = loadCanaryConfig();
  const file = values.videos ?? config.CANARY_VIDEOS_FILE ?? DEFAULT_VIDEOS_FILE;
  const videos = await readVideos(resolve(callerCwd(), file));
  const warning = upstreamOverrideWarning(config);
  if (warning) process.stderr.write(`warning: ${warning}\n`);

  const routes = configuredRoutes(config.INNERTUBE_CLIENTS);
  const probes: Probe[] = [];
  for (const route of routes) {
    const engine = createEngineFromConfig(config, { strategies: [route] });
    try {
      // Chromium's launch is not the route's time.
      await engine.browser.withPage(async () => undefined);
      for (const videoId of videos) {
        const started = performance.now();
        const error = await engine.run(probeWork(videoId)).then(
          () => undefined,
          (e: unknown) => asApiError(e).code,
        );
        const probe: Probe = {
          route: route.name,
          videoId,
          ms: Math.round(performance.now() - started),
          ...(error ? { error } : {}),
        };
        probes.push(probe);
        process.stderr.write(
          `route=${probe.route} video=${videoId} result=${error ?? "success"} ms=${probe.ms}\n`,
        );
      }
    } finally {
      await engine.close();
    }
  }

  process.stdout.write(`${routeTable(probes)}\n`);
  if (config.CANARY_PUSHGATEWAY_URL)
    await pushCanaryMetrics(config.CANARY_PUSHGATEWAY_URL, probes, Date.now());
  const primary = routes[0]?.name;
  return probes.some((p) => p.route === primary && p.error) ? EXIT_PRIMARY_ROUTE_FAILED : EXIT_OK;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`canary: ${(error as Error).message ?? error}\n`);
  code = EXIT_COULD_NOT_RUN;
}
await exitWith(code);
