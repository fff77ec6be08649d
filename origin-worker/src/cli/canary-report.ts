import type { ErrorCode } from "@ytt/shared";
import { Gauge, Pushgateway, Registry } from "prom-client";

/** One video asked through one route alone: what came back and how long the job took. */
export interface Probe {
  route: string;
  videoId: string;
  /** The error's code; absent when the transcript came back. */
  error?: ErrorCode;
  ms: number;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * One row per route, in the order the routes ran: successes/attempts, and p50/max over the
 * successful attempts (a timeout or a refusal says nothing about how fast the route is).
 */
export function routeTable(probes: readonly Probe[]): string {
  const routes = [...new Set(probes.map((p) => p.route))];
  const rows = routes.map((route) => {
    const ofRoute = probes.filter((p) => p.route === route);
    const times = ofRoute
      .filter((p) => !p.error)
      .map((p) => p.ms)
      .sort((a, b) => a - b);
    const failed = ofRoute.filter((p) => p.error).map((p) => `${p.videoId} ${p.error}`);
    return [
      route,
      `${times.length}/${ofRoute.length}`,
      String(percentile(times, 50) ?? "-"),
      String(times.at(-1) ?? "-"),
      failed.join(", "),
    ];
  });
  const header = ["route", "ok", "p50 ms", "max ms", "failed"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, i) =>
          i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The Pushgateway job the canary's metrics are grouped under. */
export const CANARY_JOB = "ytt_canary";

/**
 * The run as metrics, pushed with PUT, so that the group holds this run only (a video taken off the
 * list stops being reported). Alert on the player page's success and on the timestamp's age.
 */
export async function pushCanaryMetrics(url: string, probes: readonly Probe[], finishedAtMs: number) {
  const registry = new Registry();
  const success = new Gauge({
    name: "ytt_canary_route_success",
    help: "1 when the route alone returned the video's transcript in the last canary run, else 0",
    labelNames: ["route", "video"] as const,
    registers: [registry],
  });
  const duration = new Gauge({
    name: "ytt_canary_route_duration_seconds",
    help: "How long the route alone took on the video in the last canary run, failures included",
    labelNames: ["route", "video"] as const,
    registers: [registry],
  });
  const lastRun = new Gauge({
    name: "ytt_canary_last_run_timestamp_seconds",
    help: "When the last canary run finished (Unix time)",
    registers: [registry],
  });
  for (const p of probes) {
    const labels = { route: p.route, video: p.videoId };
    success.set(labels, p.error ? 0 : 1);
    duration.set(labels, p.ms / 1000);
  }
  lastRun.set(finishedAtMs / 1000);
  await new Pushgateway(url, { timeout: 10_000 }, registry).push({ jobName: CANARY_JOB });
}
