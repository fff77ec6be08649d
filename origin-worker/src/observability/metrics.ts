import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The API process's metrics; a registry per instance so tests can run several side by side. */
export function createApiMetrics(queueDepth: () => Promise<Record<string, number>>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "origin_http_requests_total",
    help: "Origin API requests by route and status",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const cache = new Counter({
    name: "origin_result_cache_total",
    help: "Answers served from the result store (hit) or from a job (miss)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "origin_queue_jobs",
    help: "Jobs in the queue by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      for (const [state, count] of Object.entries(await queueDepth())) this.set({ state }, count);
    },
  });
  return { registry, requests, cache };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** The worker process's metrics: what it extracted, how it ended, how long it took. */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const jobs = new Counter({
    name: "origin_jobs_total",
    help: "Job attempts by outcome (completed, retry, failed, rate_limited) and error code",
    labelNames: ["outcome", "code"] as const,
    registers: [registry],
  });
  const extraction = new Histogram({
    name: "origin_extraction_duration_seconds",
    help: "Time the extraction engine took per job attempt",
    labelNames: ["kind", "outcome"] as const,
    buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [registry],
  });
  const routeOutcomes = new Counter({
    name: "ytt_route_outcomes_total",
    help: "Extraction route attempts by route and outcome (success, refused, no_captions, blocked, failed, timeout, error, skipped)",
    labelNames: ["route", "outcome"] as const,
    registers: [registry],
  });
  const proxyOutcomes = new Counter({
    name: "ytt_proxy_outcomes_total",
    help: "Jobs by proxy (p1, p2… in PROXY_URLS order) and outcome (ok, blocked, auth_failed, unreachable, failed)",
    labelNames: ["proxy", "outcome"] as const,
    registers: [registry],
  });
  const edgeCalls = new Counter({
    name: "ytt_edge_calls_total",
    help: "Collections' calls to the edge (call: lookup, settlement) by outcome (ok, refused, failed); a settlement refused or failed to the end leaves the whole charge",
    labelNames: ["call", "outcome"] as const,
    registers: [registry],
  });
  return { registry, jobs, extraction, routeOutcomes, proxyOutcomes, edgeCalls };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** The webhooks process's metrics, on its ops port. */
export function createWebhookMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const refused = new Counter({
    name: "origin_webhooks_refused_total",
    help: "Webhook jobs refused unsigned because the API registered no destination for their job, or another URL or key, by kind (deliver, batch) and reason (unregistered, url, key)",
    labelNames: ["kind", "reason"] as const,
    registers: [registry],
  });
  return { registry, refused };
}
export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
