import { type Container, containerPort, type K8sObject, matchesLabels } from "./render.js";

/** Something that sends or receives traffic: a pod (namespace, labels, ports) or a bare address. */
export interface Endpoint {
  name: string;
  ip: string;
  pod?: { namespace: string; labels: Record<string, string>; containers: Container[] };
}

export interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: "TCP" | "UDP";
}

// biome-ignore lint/suspicious/noExplicitAny: NetworkPolicy peers and ports as rendered (schema-validated elsewhere)
type Peer = any;
// biome-ignore lint/suspicious/noExplicitAny: see Peer
type PolicyPort = any;

function ipv4(ip: string): number | undefined {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

/** IPv4 CIDR membership; an IPv6 block never contains an IPv4 address. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = "", bits = "32"] = cidr.split("/");
  const address = ipv4(ip);
  const network = ipv4(base);
  if (address === undefined || network === undefined) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(address / size) === Math.floor(network / size);
}

/** The labels a namespace carries: Kubernetes sets kubernetes.io/metadata.name on every namespace. */
const namespaceLabels = (namespace: string) => ({ "kubernetes.io/metadata.name": namespace });

function selects(
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
) {
  return matchesLabels(selector?.matchLabels, labels);
}

/** Does a `from`/`to` peer of a policy in `policyNamespace` match the endpoint? */
function peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) {
    const { cidr, except = [] } = peer.ipBlock;
    return inCidr(endpoint.ip, cidr) && !except.some((e: string) => inCidr(endpoint.ip, e));
  }
  if (!endpoint.pod) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(endpoint.pod.namespace))
    : endpoint.pod.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, endpoint.pod.labels) : true;
  return namespaceOk && podOk;
}

/** A policy port (number or the destination container's port name) against the flow's port. */
function portMatches(ports: PolicyPort[] | undefined, flow: Flow): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== flow.protocol) return false;
    if (p.port === undefined) return true;
    const port = typeof p.port === "number" ? p.port : containerPort(flow.to.pod?.containers ?? [], p.port);
    return port === flow.port;
  });
}

/**
 * One direction of the NetworkPolicy semantics: the policies of the endpoint's namespace that select
 * it for this direction; none → everything is admitted, some → the union of their rules.
 */
function admitted(policies: K8sObject[], direction: "Ingress" | "Egress", flow: Flow): boolean {
  const self = direction === "Ingress" ? flow.to : flow.from;
  const other = direction === "Ingress" ? flow.from : flow.to;
  if (!self.pod) return true;
  const { namespace, labels } = self.pod;
  const applying = policies.filter(
    (p) =>
      p.metadata.namespace === namespace &&
      (p.spec.policyTypes ?? ["Ingress"]).includes(direction) &&
      selects(p.spec.podSelector, labels),
  );
  if (applying.length === 0) return true;
  return applying.some((p) =>
    (direction === "Ingress" ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])).some(
      (rule: { from?: Peer[]; to?: Peer[]; ports?: PolicyPort[] }) => {
        const peers = direction === "Ingress" ? rule.from : rule.to;
        const peerOk =
          !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, namespace, other));
        return peerOk && portMatches(rule.ports, flow);
      },
    ),
  );
}

/** Whether the cluster lets this flow through: the sender's egress and the receiver's ingress both admit it. */
export function allowed(objects: K8sObject[], flow: Flow): boolean {
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  return admitted(policies, "Egress", flow) && admitted(policies, "Ingress", flow);
}
