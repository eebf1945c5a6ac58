import ipaddr from "ipaddr.js";
import { resourcesOf, type Json, type TfJson } from "./terraform-json";
import { labelsMatch } from "./workloads";

/**
 * Evaluates Kubernetes NetworkPolicy semantics over synthesized `kubernetes_network_policy_v1` resources, so
 * tests can ask "may X reach Y on port P" instead of comparing policy text.
 *
 * Semantics: a pod is isolated for a direction when any policy selecting it lists that policy type; an
 * isolated pod admits a connection when some rule of a selecting policy matches both the peer and the port.
 * ipBlock peers match addresses outside the cluster only (as Cilium and most CNIs treat pod traffic); pod and
 * namespace selectors match pods only.
 */

export interface PodRef {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** The other end: an address outside the cluster, or a pod. */
export type Endpoint = { readonly ip: string } | { readonly pod: PodRef };

export interface Connection {
  readonly port: number;
  readonly protocol?: "TCP" | "UDP";
}

interface Policy {
  readonly address: string;
  readonly namespace: string;
  readonly podSelector: Record<string, string>;
  readonly types: string[];
  readonly ingress: Json[];
  readonly egress: Json[];
}

const parsed = new WeakMap<TfJson, Policy[]>();

function policiesOf(json: TfJson): Policy[] {
  let policies = parsed.get(json);
  if (!policies) parsed.set(json, (policies = parsePolicies(json)));
  return policies;
}

function parsePolicies(json: TfJson): Policy[] {
  return resourcesOf(json, "kubernetes_network_policy_v1").map((r) => ({
    address: r.address,
    namespace: r.body.metadata.namespace,
    podSelector: r.body.spec.pod_selector?.match_labels ?? {},
    types: r.body.spec.policy_types ?? [],
    ingress: r.body.spec.ingress ?? [],
    egress: r.body.spec.egress ?? [],
  }));
}

/** Namespaces carry their name as `kubernetes.io/metadata.name`. */
const namespaceLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });

function peerMatches(peer: Json, other: Endpoint, policyNamespace: string): boolean {
  if (peer.ip_block) {
    if (!("ip" in other)) return false;
    const addr = ipaddr.parse(other.ip);
    const inRange = (cidr: string) => {
      const range = ipaddr.parseCIDR(cidr);
      return range[0].kind() === addr.kind() && addr.match(range);
    };
    return inRange(peer.ip_block.cidr) && !(peer.ip_block.except ?? []).some(inRange);
  }
  if (!("pod" in other)) return false;
  const nsOk = peer.namespace_selector
    ? labelsMatch(peer.namespace_selector.match_labels ?? {}, namespaceLabels(other.pod.namespace))
    : other.pod.namespace === policyNamespace;
  const podOk = peer.pod_selector ? labelsMatch(peer.pod_selector.match_labels ?? {}, other.pod.labels) : true;
  return nsOk && podOk;
}

function portMatches(rulePorts: Json[] | undefined, c: Connection): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    const protocolOk = (p.protocol ?? "TCP") === (c.protocol ?? "TCP");
    if (p.port === undefined) return protocolOk;
    const start = Number(p.port);
    if (Number.isNaN(start)) throw new Error(`named port "${p.port}" in a policy: resolve against the pod first`);
    return protocolOk && c.port >= start && c.port <= (p.end_port ?? start);
  });
}

function allowed(json: TfJson, direction: "Ingress" | "Egress", pod: PodRef, other: Endpoint, c: Connection): boolean {
  const selecting = policiesOf(json).filter(
    (p) => p.namespace === pod.namespace && p.types.includes(direction) && labelsMatch(p.podSelector, pod.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (direction === "Ingress" ? p.ingress : p.egress).some((rule: Json) => {
      const peers: Json[] | undefined = direction === "Ingress" ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other, p.namespace));
      return peerOk && portMatches(rule.ports, c);
    }),
  );
}

/** May `from` open a connection to `pod` on the port, as far as `pod`'s ingress policies go? */
export const ingressAllowed = (json: TfJson, pod: PodRef, from: Endpoint, c: Connection) => allowed(json, "Ingress", pod, from, c);

/** May `pod` open a connection to `to` on the port, as far as `pod`'s egress policies go? */
export const egressAllowed = (json: TfJson, pod: PodRef, to: Endpoint, c: Connection) => allowed(json, "Egress", pod, to, c);

/** Both ends in the cluster: the source's egress and the destination's ingress must both admit it. */
export function podToPodAllowed(json: TfJson, from: PodRef, to: PodRef, c: Connection): boolean {
  return egressAllowed(json, from, { pod: to }, c) && ingressAllowed(json, to, { pod: from }, c);
}
