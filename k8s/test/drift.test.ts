import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApiConfigSchema,
  BULL_PREFIX,
  CanaryConfigSchema,
  loadApiConfig,
  loadCanaryConfig,
  loadWebhooksConfig,
  loadWorkerConfig,
  MAX_RETRY_DELAY_MS,
  WebhooksConfigSchema,
  WorkerConfigSchema,
} from "@ytt/origin-worker";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type RedisServer, redisServers } from "./redis.js";
import {
  build,
  type Container,
  containerPort,
  find,
  K8S_DIR,
  type K8sObject,
  matchesLabels,
  OVERLAYS,
  render,
  type Workload,
  workloads,
} from "./render.js";

const ORIGIN_SRC = join(K8S_DIR, "..", "origin-worker", "src");

/** The routes an ops server registers, read from the origin's source (`<app>.get("/path", …)`). */
function routes(file: string, app: string, from = 0): string[] {
  const source = readFileSync(join(ORIGIN_SRC, file), "utf8").slice(from);
  return [...source.matchAll(new RegExp(`\\b${app}\\.get\\("([^"]+)"`, "g"))].map((m) => m[1] as string);
}
const appSource = readFileSync(join(ORIGIN_SRC, "api/app.ts"), "utf8");
/** A BullMQ Worker's process: the probes serve.ts's workerProbes registers, if it calls it, and its own. */
function workerOpsRoutes(file: string): string[] {
  const usesProbes = readFileSync(join(ORIGIN_SRC, file), "utf8").includes("workerProbes(");
  return [...(usesProbes ? routes("serve.ts", "ops") : []), ...routes(file, "ops")];
}
/** Each origin container and the ops routes its process serves. */
const OPS_ROUTES: Record<string, string[]> = {
  api: routes("api/app.ts", "app", appSource.indexOf("export function createOpsApp")),
  worker: workerOpsRoutes("worker/main.ts"),
  webhooks: workerOpsRoutes("webhooks/main.ts"),
};

type Shape = Record<string, { safeParse(v: unknown): { success: boolean } }>;
/** Each origin container, the configuration its process loads, and the variables that schema reads. */
const PROCESSES = {
  api: { shape: ApiConfigSchema.shape as Shape, load: loadApiConfig },
  worker: { shape: WorkerConfigSchema.shape as Shape, load: loadWorkerConfig },
  webhooks: { shape: WebhooksConfigSchema.shape as Shape, load: loadWebhooksConfig },
} as const;
type Process = keyof typeof PROCESSES;
/** Every variable an origin process reads: the shared origin-config ConfigMap may set any of them. */
const schemaKeys = [...new Set(Object.values(PROCESSES).flatMap((p) => Object.keys(p.shape)))];
/** A variable is required when the schema has neither a default nor accepts it missing. */
const requiredKeys = (process: Process) =>
  Object.entries(PROCESSES[process].shape)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key);

/** Stand-ins for what the Secrets hold, so the manifests' environment can go through the real loaders. */
const SECRET_SAMPLES: Record<string, string> = {
  SIGNING_KEYS: "edge-2026:0123456789abcdef0123456789abcdef0123456789abcdef",
  REDIS_URL: "redis://origin-api:0123456789abcdef@redis.ytt.svc.cluster.local:6379",
  RESULT_REDIS_URL: "redis://origin-api:0123456789abcdef@redis-cache.ytt.svc.cluster.local:6379",
  ACCESS_CLIENT_ID: "0123456789abcdef.access",
  ACCESS_CLIENT_SECRET: "0123456789abcdef0123456789abcdef",
  EDGE_URL: "https://api.example.com",
  EDGE_LINK_KEY: "origin-2026:0123456789abcdef0123456789abcdef0123456789abcdef",
  PROXY_URLS:
    "http://user:0123456789abcdef@proxy.example.net:8000,socks5://user:0123456789abcdef@proxy.example.net:1080",
};

function quantityBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unsupported quantity ${q}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] as "Ki" | "Mi" | "Gi"] ?? 1;
  return Number(m[1]) * unit;
}

function originWorkloads(objects: K8sObject[]): Workload[] {
  return workloads(objects).filter((w) => w.labels["app.kubernetes.io/name"] === "origin");
}

/** The environment a container starts with: ConfigMap keys (envFrom) and env entries, secrets as samples. */
function containerEnv(objects: K8sObject[], namespace: string, c: Container) {
  const env: Record<string, string> = {};
  const optionalSecrets: string[] = [];
  for (const source of c.envFrom ?? []) {
    const cm = find(objects, "ConfigMap", source.configMapRef.name, namespace);
    Object.assign(env, cm.data);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const sample = SECRET_SAMPLES[e.name];
      if (sample === undefined) throw new Error(`no sample for secret-backed ${e.name}`);
      env[e.name] = sample;
      if (e.valueFrom.secretKeyRef.optional) optionalSecrets.push(e.name);
    } else throw new Error(`unexpected env source for ${e.name}`);
  }
  return { env, optionalSecrets };
}

describe("the tunnel side", () => {
  it("lives in k8s/cloudflare, a component every overlay includes, and nowhere in base", () => {
    const tunnel = (objects: K8sObject[]) =>
      objects.filter((o) => o.metadata.namespace === "cloudflared" || o.metadata.name === "cloudflared");
    expect(tunnel(build(join(K8S_DIR, "base")))).toEqual([]);
    for (const overlay of OVERLAYS) {
      const kustomization = parseYaml(
        readFileSync(join(K8S_DIR, "overlays", overlay, "kustomization.yaml"), "utf8"),
      );
      expect(kustomization.components, overlay).toContain("../../cloudflare");
      const kinds = tunnel(render(overlay)).map((o) => o.kind);
      // prod adds the connectors' ServiceMonitor (components/servicemonitors).
      expect(kinds, overlay).toEqual(
        expect.arrayContaining([
          "Deployment",
          "Namespace",
          "NetworkPolicy",
          "NetworkPolicy",
          "PodDisruptionBudget",
          "Service",
        ]),
      );
      expect(readFileSync(join(K8S_DIR, "cloudflare", "tunnel-config", `${overlay}.json`), "utf8")).toContain(
        "ingress",
      );
    }
  });
});

describe.each(OVERLAYS)("%s matches the origin's code", (overlay) => {
  const objects = render(overlay);
  const origin = originWorkloads(objects);
  const api = find(objects, "Deployment", "origin-api", "ytt");
  const worker = find(objects, "Deployment", "origin-worker", "ytt");
  const apiContainer = api.spec.template.spec.containers[0];
  const workerContainer = worker.spec.template.spec.containers[0];
  const apiConfig = loadApiConfig(containerEnv(objects, "ytt", apiContainer).env);
  const config = loadWorkerConfig(containerEnv(objects, "ytt", workerContainer).env);

  it("runs one API container and one worker container, each the process whose routes it probes", () => {
    expect(origin.map((w) => w.containers.map((c: Container) => c.name))).toEqual([["api"], ["worker"]]);
  });

  it("sets only variables the config schemas read, every required one, with values the loaders accept", () => {
    expect(requiredKeys("api")).toContain("SIGNING_KEYS");
    for (const w of origin) {
      for (const c of w.containers) {
        const { shape, load } = PROCESSES[c.name as Process];
        const { env, optionalSecrets } = containerEnv(objects, w.namespace, c);
        const unknown = Object.keys(env).filter((k) => !schemaKeys.includes(k));
        expect(unknown, `${c.name} sets variables the origin never reads`).toEqual([]);
        // Secrets go only to the process that reads them.
        const foreign = (c.env ?? [])
          .map((e: { name: string }) => e.name)
          .filter((k: string) => !(k in shape));
        expect(foreign, `${c.name} gets variables its process never reads`).toEqual([]);
        for (const key of requiredKeys(c.name)) expect(env, `${c.name} misses ${key}`).toHaveProperty(key);
        expect(() => load(env)).not.toThrow();
        // An optional Secret may be absent: the origin must start without it too.
        const without = Object.fromEntries(Object.entries(env).filter(([k]) => !optionalSecrets.includes(k)));
        expect(() => load(without)).not.toThrow();
      }
    }
  });

  const proxiesEnv = {
    name: "PROXY_URLS",
    valueFrom: { secretKeyRef: { name: "origin-proxies", key: "PROXY_URLS", optional: true } },
  };

  it("gives the signing keys to the API only, and the proxies to the workers and the canary only", () => {
    const names = (c: Container) => (c.env ?? []).map((e: { name: string }) => e.name);
    expect(names(apiContainer)).toContain("SIGNING_KEYS");
    expect(names(workerContainer)).not.toContain("SIGNING_KEYS");
    const canary = find(objects, "CronJob", "origin-canary", "ytt").spec.jobTemplate.spec.template.spec;
    for (const c of canary.containers) {
      expect(names(c)).not.toContain("SIGNING_KEYS");
      // The canary runs the engine alone: no Redis, and no Secret but the proxies the workers go out through.
      expect(JSON.stringify(c)).not.toMatch(/secretRef|REDIS/);
      const secrets = (c.env ?? []).filter(
        (e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef,
      );
      expect(secrets).toEqual([proxiesEnv]);
    }
    expect(workerContainer.env).toContainEqual(proxiesEnv);
    expect(apiContainer.env ?? []).not.toContainEqual(expect.objectContaining({ name: "PROXY_URLS" }));
    for (const w of workloads(objects))
      for (const c of w.containers)
        expect(c.envFrom ?? [], `${w.object.metadata.name}: whole Secrets as env`).not.toContainEqual(
          expect.objectContaining({ secretRef: expect.anything() }),
        );
  });

  it("listens where the Services, probes and ports point", () => {
    expect(apiConfig.ORIGIN_HOST).toBe("0.0.0.0");
    expect(containerPort([apiContainer], "api")).toBe(apiConfig.ORIGIN_PORT);
    expect(containerPort([apiContainer], "ops")).toBe(apiConfig.OPS_PORT);
    expect(containerPort([workerContainer], "ops")).toBe(config.OPS_PORT);
  });

  it("probes only paths the process serves, on its ops port", () => {
    expect(OPS_ROUTES.api).toEqual(
      expect.arrayContaining(["/healthz", "/readyz", "/queue-depth", "/metrics"]),
    );
    for (const c of [apiContainer, workerContainer]) {
      const probes = [c.startupProbe, c.livenessProbe, c.readinessProbe].filter(Boolean);
      expect(probes.length).toBeGreaterThanOrEqual(2);
      for (const probe of probes) {
        expect(OPS_ROUTES[c.name]).toContain(probe.httpGet.path);
        expect(containerPort([c], probe.httpGet.port)).toBe(config.OPS_PORT);
      }
      expect(c.readinessProbe.httpGet.path).toBe("/readyz");
      expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    }
  });

  it("has selectors that match their pods, and Service ports that exist on them", () => {
    const all = workloads(objects);
    for (const w of all.filter((w) => w.object.kind !== "CronJob"))
      expect(matchesLabels(w.object.spec.selector.matchLabels, w.labels)).toBe(true);
    for (const svc of objects.filter((o) => o.kind === "Service")) {
      const backends = all.filter(
        (w) => w.namespace === svc.metadata.namespace && matchesLabels(svc.spec.selector, w.labels),
      );
      expect(backends.length, `Service ${svc.metadata.name}`).toBeGreaterThan(0);
      for (const w of backends) {
        for (const p of svc.spec.ports) {
          expect(
            containerPort(w.containers, p.targetPort),
            `${svc.metadata.name} → ${p.targetPort}`,
          ).toBeDefined();
        }
      }
    }
    for (const o of objects.filter((o) =>
      ["PodDisruptionBudget", "NetworkPolicy", "PodMonitor"].includes(o.kind),
    )) {
      const selector = o.kind === "NetworkPolicy" ? o.spec.podSelector : o.spec.selector;
      const selected = all.filter(
        (w) => w.namespace === o.metadata.namespace && matchesLabels(selector.matchLabels, w.labels),
      );
      expect(selected.length, `${o.kind} ${o.metadata.name} selects nothing`).toBeGreaterThan(0);
      if (o.kind === "PodMonitor") {
        for (const w of selected)
          expect(containerPort(w.containers, o.spec.podMetricsEndpoints[0].port)).toBeDefined();
      }
    }
    for (const sm of objects.filter((o) => o.kind === "ServiceMonitor")) {
      const services = objects.filter(
        (o) =>
          o.kind === "Service" &&
          o.metadata.namespace === sm.metadata.namespace &&
          matchesLabels(sm.spec.selector.matchLabels, o.metadata.labels ?? {}),
      );
      expect(services.length).toBeGreaterThan(0);
      for (const svc of services)
        expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    }
  });

  it("scales the workers from zero on the API's /queue-depth, one pod per WORKER_CONCURRENCY jobs", () => {
    const scaled = objects.filter((o) => o.kind === "ScaledObject");
    expect(scaled.map((s) => s.spec.scaleTargetRef.name)).toEqual(["origin-worker"]);
    const so = scaled[0] as K8sObject;
    expect(so.metadata.namespace).toBe(worker.metadata.namespace);
    expect(so.spec.minReplicaCount).toBe(0);
    expect(worker.spec.replicas).toBe(0);
    expect(so.spec.pollingInterval).toBeLessThanOrEqual(10);
    // An idle gap (a retry's back-off, a queue paused by a YouTube block) must not scale the pool to zero.
    expect(so.spec.cooldownPeriod * 1000).toBeGreaterThan(MAX_RETRY_DELAY_MS);
    expect(so.spec.cooldownPeriod * 1000).toBeGreaterThan(config.BLOCKED_PAUSE_MS);

    const trigger = so.spec.triggers.find((t: { type: string }) => t.type === "metrics-api");
    expect(trigger.metadata).toMatchObject({
      valueLocation: "depth",
      activationTargetValue: "0",
      format: "json",
    });
    expect(Number(trigger.metadata.targetValue)).toBe(config.WORKER_CONCURRENCY);
    const url = new URL(trigger.metadata.url);
    const [svcName, namespace, svcLabel, ...rest] = url.hostname.split(".");
    expect([svcLabel, ...rest].join(".")).toBe("svc.cluster.local");
    const svc = find(objects, "Service", svcName as string, namespace);
    const svcPort = svc.spec.ports.find((p: { port: number }) => p.port === Number(url.port));
    expect(svcPort).toBeDefined();
    // The Service sends KEDA to the API pods' ops port, where the API serves this path.
    expect(matchesLabels(svc.spec.selector, api.spec.template.metadata.labels)).toBe(true);
    expect(matchesLabels(svc.spec.selector, worker.spec.template.metadata.labels)).toBe(false);
    expect(containerPort([apiContainer], svcPort.targetPort)).toBe(apiConfig.OPS_PORT);
    expect(OPS_ROUTES.api).toContain(url.pathname);
  });

  it("never scales the API to zero", () => {
    expect(api.spec.replicas).toBeGreaterThanOrEqual(1);
    expect(objects.some((o) => o.kind === "HorizontalPodAutoscaler")).toBe(false);
  });

  it("answers the edge before it gives up: WAIT_BUDGET_MS below the edge's ORIGIN_TIMEOUT_MS", () => {
    // wrangler.jsonc is JSON with comments, which TypeScript's tsconfig reader parses.
    const file = join(K8S_DIR, "..", "edge-worker", "wrangler.jsonc");
    const { config: wrangler, error } = ts.parseConfigFileTextToJson(file, readFileSync(file, "utf8"));
    expect(error).toBeUndefined();
    const edgeTimeoutMs = Number(wrangler.vars.ORIGIN_TIMEOUT_MS);
    // Past the budget the origin answers 202: that answer, and its trip back, must beat the edge's timeout.
    expect(apiConfig.WAIT_BUDGET_MS + 2_000).toBeLessThanOrEqual(edgeTimeoutMs);
  });

  it("gives jobs time to finish: grace period > SHUTDOWN_GRACE_MS ≥ JOB_TIMEOUT_MS, API grace > WAIT_BUDGET_MS", () => {
    expect(config.SHUTDOWN_GRACE_MS).toBeGreaterThanOrEqual(config.JOB_TIMEOUT_MS);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      config.SHUTDOWN_GRACE_MS,
    );
    expect(api.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      apiConfig.WAIT_BUDGET_MS,
    );
  });

  it("sizes the worker from its concurrency and gives Chromium a memory /dev/shm", () => {
    const spec = worker.spec.template.spec;
    const shm = spec.volumes.find((v: { name: string }) => v.name === "dshm");
    expect(shm.emptyDir.medium).toBe("Memory");
    expect(workerContainer.volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
    // limit ≥ 1.2 × (node 120 MiB + the static cache's bound + browser base 200 MiB + 250 MiB per
    // concurrent job), as documented.
    const needed =
      1.2 * ((120 + 200 + 250 * config.WORKER_CONCURRENCY) * 2 ** 20 + config.STATIC_CACHE_MAX_BYTES);
    expect(quantityBytes(workerContainer.resources.limits.memory)).toBeGreaterThanOrEqual(needed);
    expect(quantityBytes(workerContainer.resources.requests.memory)).toBe(
      quantityBytes(workerContainer.resources.limits.memory),
    );
  });

  it("runs the canary with the workers' image and settings, one run at a time, within its deadline and memory", () => {
    const canary = find(objects, "CronJob", "origin-canary", "ytt");
    const job = canary.spec.jobTemplate.spec;
    const c = job.template.spec.containers[0];
    expect(c.image).toBe(workerContainer.image);
    expect(c.args.at(-1)).toBe("/app/canary.mjs");
    expect(canary.spec.concurrencyPolicy).toBe("Forbid");
    expect(job.backoffLimit).toBe(0);

    const { env } = containerEnv(objects, "ytt", c);
    const known = [...schemaKeys, ...Object.keys(CanaryConfigSchema.shape)];
    expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
    const canaryConfig = loadCanaryConfig(env);
    // The Pushgateway's namespace and port are the ones the canary's NetworkPolicy opens.
    const gateway = new URL(canaryConfig.CANARY_PUSHGATEWAY_URL ?? "");
    const [, gatewayNamespace, svcLabel] = gateway.hostname.split(".");
    expect(svcLabel).toBe("svc");
    const policy = find(objects, "NetworkPolicy", "canary-egress", "ytt");
    const opened = policy.spec.egress.filter(
      (rule: { to: { namespaceSelector?: { matchLabels: Record<string, string> } }[] }) =>
        rule.to.some(
          (peer) => peer.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === gatewayNamespace,
        ),
    );
    expect(opened.flatMap((rule: { ports: { port: number }[] }) => rule.ports.map((p) => p.port))).toEqual([
      Number(gateway.port),
    ]);

    // Every listed video through every route at the job timeout, plus a browser start (≤ 30 s) per route.
    const videos = readFileSync(join(K8S_DIR, "..", "origin-worker", "canary", "videos.txt"), "utf8")
      .split("\n")
      .filter((line) => line.replace(/#.*/, "").trim());
    const routes = 1 + canaryConfig.INNERTUBE_CLIENTS.length;
    expect(job.activeDeadlineSeconds * 1000).toBeGreaterThanOrEqual(
      routes * (videos.length * canaryConfig.JOB_TIMEOUT_MS + 30_000),
    );
    // One job at a time: the worker's formula with a concurrency of one, and Chromium's /dev/shm.
    expect(quantityBytes(c.resources.limits.memory)).toBeGreaterThanOrEqual(
      1.2 * ((120 + 200 + 250) * 2 ** 20 + canaryConfig.STATIC_CACHE_MAX_BYTES),
    );
    expect(c.volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
  });

  it("runs cloudflared as two HA connectors with metrics, /ready liveness and a shorter drain than its grace", () => {
    const cf = find(objects, "Deployment", "cloudflared", "cloudflared");
    const spec = cf.spec.template.spec;
    const c = spec.containers[0];
    expect(cf.spec.replicas).toBe(2);
    expect(c.image).toMatch(/^cloudflare\/cloudflared:\d{4}\.\d+\.\d+$/);
    const arg = (flag: string) => c.args[c.args.indexOf(flag) + 1];
    expect(arg("--metrics")).toBe(`0.0.0.0:${containerPort([c], "metrics")}`);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/ready", port: "metrics" });
    expect(c.args.at(-1)).toBe("run");
    const grace = /^(\d+)s$/.exec(arg("--grace-period"));
    expect(Number(grace?.[1])).toBeLessThan(spec.terminationGracePeriodSeconds);
    expect(c.env).toContainEqual({
      name: "TUNNEL_TOKEN",
      valueFrom: { secretKeyRef: { name: "cloudflared-token", key: "TUNNEL_TOKEN" } },
    });
    const pdb = find(objects, "PodDisruptionBudget", "cloudflared", "cloudflared");
    expect(matchesLabels(pdb.spec.selector.matchLabels, cf.spec.template.metadata.labels)).toBe(true);
    expect(pdb.spec.minAvailable).toBe(1);
    const antiAffinity = spec.affinity.podAntiAffinity;
    const term =
      antiAffinity.requiredDuringSchedulingIgnoredDuringExecution?.[0] ??
      antiAffinity.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
    expect(term.topologyKey).toBe("kubernetes.io/hostname");
    expect(matchesLabels(term.labelSelector.matchLabels, cf.spec.template.metadata.labels)).toBe(true);
  });

  it("routes the tunnel's hostname to the signed API only, ends on 404, and enforces Access where configured", () => {
    const tunnel = JSON.parse(
      readFileSync(join(K8S_DIR, "cloudflare", "tunnel-config", `${overlay}.json`), "utf8"),
    );
    const rules = tunnel.config.ingress as {
      hostname?: string;
      service: string;
      originRequest?: { access?: { required: boolean; teamName: string; audTag: string[] } };
    }[];
    expect(rules.at(-1)).toEqual({ service: "http_status:404" });
    const routed = rules.slice(0, -1);
    expect(routed.length).toBeGreaterThan(0);
    for (const rule of routed) {
      expect(rule.hostname).toMatch(/^[a-z0-9.-]+$/);
      const url = new URL(rule.service);
      const [svcName, namespace] = url.hostname.split(".");
      expect(url.hostname).toBe(`${svcName}.${namespace}.svc.cluster.local`);
      const svc = find(objects, "Service", svcName as string, namespace);
      const port = svc.spec.ports.find((p: { port: number }) => p.port === Number(url.port));
      expect(matchesLabels(svc.spec.selector, api.spec.template.metadata.labels)).toBe(true);
      expect(containerPort([apiContainer], port.targetPort)).toBe(apiConfig.ORIGIN_PORT);

      const access = rule.originRequest?.access;
      const accessEnv = apiContainer.env.filter((e: { name: string }) => e.name.startsWith("ACCESS_CLIENT_"));
      expect(accessEnv.map((e: { name: string }) => e.name).sort()).toEqual([
        "ACCESS_CLIENT_ID",
        "ACCESS_CLIENT_SECRET",
      ]);
      // Access at the tunnel ⇔ the origin refuses to start without the service token.
      for (const e of accessEnv) expect(e.valueFrom.secretKeyRef.optional).toBe(!access?.required);
      if (access) {
        expect(access.teamName).not.toBe("");
        expect(access.audTag.length).toBeGreaterThan(0);
      }
    }
  });

  const redis = redisServers(objects);
  /** Each Redis' users (k8s/redis-acl/, filled as k8s/README.md says). */
  const ACL_SECRETS: Record<string, string> = { redis: "redis-queue-acl", "redis-cache": "redis-cache-acl" };
  const queueRedis = redis.redis as RedisServer;
  const cacheRedis = redis["redis-cache"] as RedisServer;
  /** redis.conf's maxmemory ("768mb": Redis' mb is MiB) within 75% of the container's memory limit. */
  const memoryBound = (server: RedisServer) => {
    const maxmemory = /^(\d+)mb$/.exec(server.directive("maxmemory") ?? "");
    expect(maxmemory, "maxmemory in mb").not.toBeNull();
    const limit = quantityBytes(server.container.resources.limits.memory);
    expect(Number(maxmemory?.[1]) * 2 ** 20).toBeLessThanOrEqual(0.75 * limit);
    expect(quantityBytes(server.container.resources.requests.memory)).toBe(limit);
  };

  it("runs two Redis servers: the queue's and the result store's", () => {
    expect(Object.keys(redis).sort()).toEqual(["redis", "redis-cache"]);
  });

  it("keeps the queue Redis durable and never evicting, within its memory limit", () => {
    expect(queueRedis.directive("maxmemory-policy")).toBe("noeviction");
    expect(queueRedis.directive("appendonly")).toBe("yes");
    expect(queueRedis.container.volumeMounts).toContainEqual({
      name: "data",
      mountPath: queueRedis.directive("dir"),
    });
    expect(queueRedis.workload.object.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
    memoryBound(queueRedis);
  });

  it("gives the result store its own Redis: least recently used keys evicted under a bound, nothing persisted", () => {
    expect(cacheRedis.directive("maxmemory-policy")).toBe("allkeys-lru");
    expect(cacheRedis.directive("appendonly")).toBe("no");
    expect(cacheRedis.directive("save")).toBe('""');
    expect(cacheRedis.workload.object.kind).toBe("Deployment");
    // Nothing to keep: no volume but its config and its users.
    expect(cacheRedis.workload.podSpec.volumes.map((v: { name: string }) => v.name).sort()).toEqual([
      "acl",
      "config",
    ]);
    memoryBound(cacheRedis);
    const svc = find(objects, "Service", "redis-cache", "ytt");
    expect(matchesLabels(svc.spec.selector, cacheRedis.workload.labels)).toBe(true);
    expect(
      matchesLabels(find(objects, "Service", "redis", "ytt").spec.selector, cacheRedis.workload.labels),
    ).toBe(false);
  });

  it("loads each Redis' users from an ACL file in its own Secret, no password in its config or arguments", () => {
    for (const [name, server] of Object.entries(redis)) {
      expect(server.directive("aclfile"), name).toBe("/etc/redis-acl/users.acl");
      expect(server.acl, name).toEqual({ secret: ACL_SECRETS[name], key: "users.acl" });
      const directives = server.conf.split("\n").map((line) => line.trim().split(" ")[0]);
      for (const forbidden of ["requirepass", "masterauth", "user"])
        expect(directives, `${name}: ${forbidden} in redis.conf`).not.toContain(forbidden);
      // The config file alone: nothing else on the command line.
      expect(server.container.args, name).toEqual(["/etc/redis/redis.conf"]);
      expect(server.container.command, name).toBeUndefined();
    }
  });

  it("puts no password on any command line, probe or plain environment value", () => {
    for (const w of workloads(objects)) {
      for (const c of w.containers) {
        const where = `${w.object.metadata.name}/${c.name}`;
        const secretBacked = (c.env ?? [])
          .filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef)
          .map((e: { name: string }) => e.name);
        const lines = [c.command, c.args, c.startupProbe, c.livenessProbe, c.readinessProbe]
          .flatMap((p) => (Array.isArray(p) ? p : (p?.exec?.command ?? [])))
          .map(String);
        for (const arg of lines) {
          expect(arg, where).not.toMatch(/requirepass|masterauth|^--pass$|^-a$|^--askpass$/);
          // $(VAR) would put a Secret's value into argv, where `ps` and the pod spec show it.
          for (const [, name] of arg.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
            expect(secretBacked, `${where} expands ${name} into argv`).not.toContain(name);
        }
        for (const e of c.env ?? []) {
          if (e.value !== undefined) expect(e.value, `${where} ${e.name}`).not.toMatch(/\/\/[^/:@]*:[^/@]*@/);
        }
      }
    }
  });

  it("probes each Redis as its PING-only user, the password read by redis-cli from its ACL Secret", () => {
    for (const [name, server] of Object.entries(redis)) {
      const c = server.container;
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe])
        expect(probe.exec.command, name).toEqual(["redis-cli", "-e", "--user", "probe", "ping"]);
      expect(c.env, name).toEqual([
        {
          name: "REDISCLI_AUTH",
          valueFrom: { secretKeyRef: { name: server.acl?.secret, key: "probe-password" } },
        },
      ]);
    }
  });

  it("connects each origin process to both Redis through URLs (its users' passwords) from its own Secret", () => {
    const secrets = new Set<string>();
    for (const c of [apiContainer, workerContainer]) {
      for (const name of ["REDIS_URL", "RESULT_REDIS_URL"]) {
        const e = c.env.find((e: { name: string }) => e.name === name);
        expect(e, `${c.name} ${name}`).toEqual({
          name,
          valueFrom: { secretKeyRef: { name: `origin-${c.name}-redis`, key: name } },
        });
      }
      secrets.add(`origin-${c.name}-redis`);
    }
    expect(secrets.size).toBe(2);
  });
});

describe.each(OVERLAYS)("%s runs the webhooks process as the origin's code expects", (overlay) => {
  const objects = render(overlay);
  const deployment = find(objects, "Deployment", "origin-webhooks", "ytt");
  const spec = deployment.spec.template.spec;
  const [container] = spec.containers as Container[];
  const { env } = containerEnv(objects, "ytt", container as Container);
  const config = loadWebhooksConfig(env);

  it("runs the webhooks bundle from the API's image (no browser), always on: retries outlive any queue", () => {
    expect(spec.containers.map((c: Container) => c.name)).toEqual(["webhooks"]);
    expect(container?.image).toBe(
      find(objects, "Deployment", "origin-api", "ytt").spec.template.spec.containers[0].image,
    );
    expect(container?.command?.at(-1)).toBe("/app/webhooks.mjs");
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(1);
    const scaled = objects.filter((o) => o.kind === "ScaledObject").map((o) => o.spec.scaleTargetRef.name);
    expect(scaled).not.toContain("origin-webhooks");
    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.WEBHOOK_SHUTDOWN_GRACE_MS);
  });

  it("gives it the queue Redis as its own user and no other secret: no signing keys, proxies or result store", () => {
    const secrets = (container?.env ?? []).filter((e: { valueFrom?: unknown }) => e.valueFrom);
    expect(secrets).toEqual([
      { name: "REDIS_URL", valueFrom: { secretKeyRef: { name: "origin-webhooks-redis", key: "REDIS_URL" } } },
    ]);
    expect(config.WEBHOOK_HOST_RULES).toBeUndefined();
  });

  it("probes only paths its process serves, on its ops port", () => {
    const c = container as Container;
    expect(containerPort([c], "ops")).toBe(config.OPS_PORT);
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      expect(OPS_ROUTES.webhooks).toContain(probe.httpGet.path);
      expect(containerPort([c], probe.httpGet.port)).toBe(config.OPS_PORT);
    }
  });
});

describe("the keda-redis-trigger component", () => {
  it("reads the BullMQ lists of the configured queue on the Redis Service", () => {
    const objects = render("dev", ["keda-redis-trigger"]);
    const config = loadWorkerConfig(
      containerEnv(
        objects,
        "ytt",
        find(objects, "Deployment", "origin-worker").spec.template.spec.containers[0],
      ).env,
    );
    const so = find(objects, "ScaledObject", "origin-worker", "ytt");
    const redisTriggers = so.spec.triggers.filter((t: { type: string }) => t.type === "redis");
    expect(redisTriggers.map((t: { metadata: { listName: string } }) => t.metadata.listName).sort()).toEqual([
      `${BULL_PREFIX}:${config.QUEUE_NAME}:active`,
      `${BULL_PREFIX}:${config.QUEUE_NAME}:wait`,
    ]);
    const svc = find(objects, "Service", "redis", "ytt");
    for (const t of redisTriggers) {
      expect(t.metadata.address).toBe(`redis.ytt.svc.cluster.local:${svc.spec.ports[0].port}`);
      expect(Number(t.metadata.listLength)).toBe(config.WORKER_CONCURRENCY);
      // KEDA signs in as its own ACL user (k8s/redis-acl/queue.acl), both from the redis-keda Secret.
      expect(Object.keys(t.metadata)).not.toContain("password");
      const auth = find(objects, "TriggerAuthentication", t.authenticationRef.name, "ytt");
      expect(auth.spec.secretTargetRef).toEqual([
        { parameter: "username", name: "redis-keda", key: "username" },
        { parameter: "password", name: "redis-keda", key: "password" },
      ]);
    }
  });
});
