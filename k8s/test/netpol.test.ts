import { describe, expect, it } from "vitest";
import { allowed, type Endpoint, type Flow, inCidr } from "./netpol.js";
import { type K8sObject, OVERLAYS, render, workloads } from "./render.js";

/** Our pods, as the render defines them, plus the cluster's and the world's other endpoints. */
function endpoints(objects: K8sObject[]): Endpoint[] {
  const ours = workloads(objects).map((w, i) => ({
    name: w.object.metadata.name,
    ip: `10.244.0.${i + 10}`,
    pod: { namespace: w.namespace, labels: w.labels, containers: w.containers },
  }));
  const pod = (
    name: string,
    ip: string,
    namespace: string,
    labels: Record<string, string>,
    ports: number[] = [],
  ) => ({
    name,
    ip,
    pod: { namespace, labels, containers: [{ ports: ports.map((containerPort) => ({ containerPort })) }] },
  });
  return [
    ...ours,
    pod("keda-operator", "10.244.1.1", "keda", { app: "keda-operator" }),
    pod("prometheus", "10.244.1.2", "monitoring", { "app.kubernetes.io/name": "prometheus" }),
    pod("kube-dns", "10.244.1.3", "kube-system", { "k8s-app": "kube-dns" }, [53]),
    pod(
      "pushgateway",
      "10.244.1.6",
      "monitoring",
      { "app.kubernetes.io/name": "prometheus-pushgateway" },
      [9091],
    ),
    // Strangers: an unrelated pod in our own namespace, and one elsewhere in the cluster.
    pod("stranger-in-ytt", "10.244.1.4", "ytt", { app: "debug" }),
    pod("stranger-in-default", "10.244.1.5", "default", { app: "web" }, [80, 443]),
    { name: "youtube", ip: "142.250.74.110" },
    { name: "cloud-metadata", ip: "169.254.169.254" },
    { name: "lan-host", ip: "192.168.1.10" },
    { name: "node", ip: "172.16.0.5" },
    { name: "cgnat-host", ip: "100.64.0.1" },
  ];
}

const EXTERNAL_PORTS: [number, Flow["protocol"]][] = [
  [443, "TCP"],
  [80, "TCP"],
  [7844, "TCP"],
  [7844, "UDP"],
  [6379, "TCP"],
];

/** Every (source, destination, port) worth asking about: each destination's own ports, and common ones for addresses. */
function allFlows(eps: Endpoint[]): Flow[] {
  const flows: Flow[] = [];
  for (const from of eps) {
    for (const to of eps) {
      if (from === to) continue;
      const ports: [number, Flow["protocol"]][] = to.pod
        ? to.pod.containers.flatMap((c) =>
            (c.ports ?? []).flatMap((p: { containerPort: number }) =>
              p.containerPort === 53
                ? [
                    [53, "UDP"],
                    [53, "TCP"],
                  ]
                : [[p.containerPort, "TCP"]],
            ),
          )
        : EXTERNAL_PORTS;
      for (const [port, protocol] of ports) flows.push({ from, to, port, protocol });
    }
  }
  return flows;
}

const label = (f: Flow) => `${f.from.name} -> ${f.to.name}:${f.port}/${f.protocol}`;

/** Exactly the flows the issue admits; every other combination must be denied. */
const EXPECTED = [
  "cloudflared -> origin-api:8788/TCP",
  "keda-operator -> origin-api:9090/TCP",
  "keda-operator -> origin-worker:9090/TCP",
  "prometheus -> origin-api:9090/TCP",
  "prometheus -> origin-worker:9090/TCP",
  "prometheus -> cloudflared:2000/TCP",
  // Ops and metrics ports admit the monitoring namespace as a whole, the Pushgateway's pod included.
  "pushgateway -> origin-api:9090/TCP",
  "pushgateway -> origin-worker:9090/TCP",
  "pushgateway -> cloudflared:2000/TCP",
  "prometheus -> origin-webhooks:9090/TCP",
  "pushgateway -> origin-webhooks:9090/TCP",
  "origin-api -> redis:6379/TCP",
  "origin-worker -> redis:6379/TCP",
  "origin-api -> redis-cache:6379/TCP",
  "origin-worker -> redis-cache:6379/TCP",
  "origin-api -> kube-dns:53/UDP",
  "origin-api -> kube-dns:53/TCP",
  "origin-worker -> kube-dns:53/UDP",
  "origin-worker -> kube-dns:53/TCP",
  "cloudflared -> kube-dns:53/UDP",
  "cloudflared -> kube-dns:53/TCP",
  "origin-worker -> youtube:443/TCP",
  // Webhooks go to whatever public host a user names ("youtube" stands for any public address here).
  "origin-webhooks -> youtube:443/TCP",
  "origin-webhooks -> redis:6379/TCP",
  "origin-webhooks -> kube-dns:53/UDP",
  "origin-webhooks -> kube-dns:53/TCP",
  "origin-canary -> youtube:443/TCP",
  "origin-canary -> kube-dns:53/UDP",
  "origin-canary -> kube-dns:53/TCP",
  "origin-canary -> pushgateway:9091/TCP",
  "cloudflared -> youtube:443/TCP",
  "cloudflared -> youtube:7844/TCP",
  "cloudflared -> youtube:7844/UDP",
];

/** Flows the unrelated endpoints (outside our namespaces' policies) may make among themselves. */
const unpoliced = (f: Flow) =>
  [f.from, f.to].every((e) => !e.pod || (e.pod.namespace !== "ytt" && e.pod.namespace !== "cloudflared"));

function admittedFlows(objects: K8sObject[]): string[] {
  return allFlows(endpoints(objects))
    .filter((f) => !unpoliced(f) && allowed(objects, f))
    .map(label)
    .sort();
}

/** Who may reach each Redis at all (any port): the result store only the origin's API and workers. */
function redisClients(objects: K8sObject[]): Record<string, string[]> {
  const flows = allFlows(endpoints(objects));
  const clients = (name: string) =>
    [
      ...new Set(flows.filter((f) => f.to.name === name && allowed(objects, f)).map((f) => f.from.name)),
    ].sort();
  return { redis: clients("redis"), "redis-cache": clients("redis-cache") };
}

describe.each(OVERLAYS)("NetworkPolicies of %s", (overlay) => {
  it("admit exactly the flows of the design and deny every other one", () => {
    expect(admittedFlows(render(overlay))).toEqual([...EXPECTED].sort());
  });

  it("let only the origin API, workers and webhooks reach the queue Redis, and only the API and workers the result store", () => {
    expect(redisClients(render(overlay))).toEqual({
      redis: ["origin-api", "origin-webhooks", "origin-worker"],
      "redis-cache": ["origin-api", "origin-worker"],
    });
  });
});

describe("the keda-redis-trigger component", () => {
  it("adds KEDA → the queue Redis and nothing else", () => {
    expect(admittedFlows(render("dev", ["keda-redis-trigger"]))).toEqual(
      [...EXPECTED, "keda-operator -> redis:6379/TCP"].sort(),
    );
  });

  it("leaves the cache Redis to the origin API and workers", () => {
    expect(redisClients(render("dev", ["keda-redis-trigger"]))).toEqual({
      redis: ["keda-operator", "origin-api", "origin-webhooks", "origin-worker"],
      "redis-cache": ["origin-api", "origin-worker"],
    });
  });
});

describe("the policy evaluator", () => {
  const policy = (spec: object): K8sObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "p", namespace: "a" },
    spec,
  });
  const pod = (name: string, namespace: string, labels: Record<string, string>): Endpoint => ({
    name,
    ip: "10.0.0.1",
    pod: { namespace, labels, containers: [{ ports: [{ name: "http", containerPort: 8080 }] }] },
  });
  const target = pod("target", "a", { app: "t" });

  it("ANDs namespaceSelector and podSelector inside one peer, ORs separate peers", () => {
    const and = policy({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } },
              podSelector: { matchLabels: { role: "x" } },
            },
          ],
        },
      ],
    });
    const flow = (from: Endpoint): Flow => ({ from, to: target, port: 8080, protocol: "TCP" });
    expect(allowed([and], flow(pod("bx", "b", { role: "x" })))).toBe(true);
    expect(allowed([and], flow(pod("by", "b", { role: "y" })))).toBe(false);
    expect(allowed([and], flow(pod("ax", "a", { role: "x" })))).toBe(false);
  });

  it("resolves named ports on the destination and honours the protocol", () => {
    const named = policy({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: "http" }] }],
    });
    const from = pod("any", "z", {});
    expect(allowed([named], { from, to: target, port: 8080, protocol: "TCP" })).toBe(true);
    expect(allowed([named], { from, to: target, port: 8080, protocol: "UDP" })).toBe(false);
    expect(allowed([named], { from, to: target, port: 9090, protocol: "TCP" })).toBe(false);
  });

  it("matches IPv4 CIDRs and their exceptions", () => {
    expect(inCidr("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(inCidr("11.1.2.3", "10.0.0.0/8")).toBe(false);
    expect(inCidr("172.31.255.255", "172.16.0.0/12")).toBe(true);
    expect(inCidr("172.32.0.0", "172.16.0.0/12")).toBe(false);
    expect(inCidr("8.8.8.8", "0.0.0.0/0")).toBe(true);
    expect(inCidr("8.8.8.8", "::/0")).toBe(false);
  });
});
