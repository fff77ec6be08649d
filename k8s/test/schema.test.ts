import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PodMonitor, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { COMPONENTS, type K8sObject, OVERLAYS, render, workloads } from "./render.js";

// Every kind the manifests may contain, with the schema model that validates it. A kind missing
// here fails the test: nothing reaches the cluster unvalidated.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/CronJob": CronJob,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
};

function validate(object: K8sObject) {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema model for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

const renders = [
  ...OVERLAYS.map((overlay) => ({ name: overlay, objects: () => render(overlay) })),
  // Every component is also rendered on top of dev (which enables none), so each is validated.
  ...COMPONENTS.map((component) => ({
    name: `dev + ${component}`,
    objects: () => render("dev", [component]),
  })),
];

describe.each(renders)("$name", ({ objects }) => {
  it("renders with kustomize into schema-valid Kubernetes, KEDA and Prometheus Operator objects", () => {
    const rendered = objects();
    expect(rendered.length).toBeGreaterThan(10);
    for (const object of rendered) {
      expect(() => validate(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it("has no two objects with the same kind, namespace and name", () => {
    const ids = objects().map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("puts every namespaced object in one of its two namespaces", () => {
    const namespaces = objects()
      .filter((o) => o.kind === "Namespace")
      .map((o) => o.metadata.name);
    expect(namespaces.sort()).toEqual(["cloudflared", "ytt"]);
    for (const o of objects().filter((o) => o.kind !== "Namespace")) {
      expect(namespaces, `${o.kind} ${o.metadata.name}`).toContain(o.metadata.namespace);
    }
  });

  it("pins every image to a version and runs every container non-root, read-only, with resources", () => {
    for (const w of workloads(objects())) {
      expect(w.podSpec.securityContext.runAsNonRoot).toBe(true);
      expect(w.podSpec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(w.podSpec.automountServiceAccountToken).toBe(false);
      for (const c of w.containers) {
        const where = `${w.object.metadata.name}/${c.name}`;
        expect(c.image, where).toMatch(/^[\w./-]+:[\w.-]+$/);
        expect(c.image, where).not.toMatch(/:latest$/);
        expect(c.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(c.resources.requests.cpu, where).toBeDefined();
        expect(c.resources.requests.memory, where).toBeDefined();
        expect(c.resources.limits.memory, where).toBeDefined();
      }
    }
  });
});
