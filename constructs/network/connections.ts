import { NetworkPolicyV1, type NetworkPolicyV1SpecEgressTo, type NetworkPolicyV1SpecIngressFrom } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { createHash } from "node:crypto";
import { Construct } from "constructs";
import type { Labels } from "../k8s/labels";
import { Peer, type PolicyPeer, type Workload } from "./peer";
import type { Port } from "./port";
import { SLOT } from "../../kit/slots";
import { requireSlots } from "../kit/required-slots";

export type FlowDirection = "ingress" | "egress";

/** A flow a workload needs, as registered; the tests check each one is allowed and nothing else is. */
export interface Flow {
  readonly direction: FlowDirection;
  readonly peer: Peer;
  readonly ports: readonly Port[];
  /** Short kebab-case purpose, part of the policy name (`mail-clients`, `dns`). */
  readonly purpose: string;
}

export interface ConnectionsProps {
  /** The pods these connections isolate. */
  readonly workload: Workload;
  /** Labels for the generated NetworkPolicy objects. @default {} */
  readonly labels?: Labels;
}

const PURPOSE_MAX = 42;
const PURPOSE = new RegExp(`^[a-z0-9]([-a-z0-9]{0,${PURPOSE_MAX - 2}}[a-z0-9])?$`);

/**
 * One purpose per client of a kind (`submission-<namespace>`), unique among the clients: a second client in the
 * same namespace gets an index, and a purpose over the limit keeps its start plus a digest of the whole (a
 * namespace may be 63 characters; the policy name must stay a valid object name).
 */
export function clientPurposes(kind: string, namespaces: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return namespaces.map((ns) => {
    const n = seen.get(ns) ?? 0;
    seen.set(ns, n + 1);
    const full = `${kind}-${ns}${n === 0 ? "" : `-${n}`}`;
    if (full.length <= PURPOSE_MAX) return full;
    const digest = createHash("sha256").update(full).digest("hex").slice(0, 8);
    return `${full.slice(0, PURPOSE_MAX - digest.length - 1).replace(/-+$/, "")}-${digest}`;
  });
}

/**
 * The NetworkPolicy intent API. Creating it isolates the workload (default-deny Ingress and Egress); each
 * `allowFrom`/`allowTo` registers a flow and generates exactly one NetworkPolicy that admits it.
 * Policies are additive in Kubernetes, so one policy per flow stays readable and reviewable.
 */
export class Connections extends Construct {
  private readonly registered: Flow[] = [];
  private readonly workload: Workload;
  private readonly labels: Labels;

  constructor(scope: Construct, id: string, props: ConnectionsProps) {
    super(scope, id);
    requireSlots(this, SLOT.cni);
    this.workload = props.workload;
    this.labels = props.labels ?? {};
    new NetworkPolicyV1(this, "default-deny", {
      metadata: this.metadata(`${props.workload.name}-default-deny`),
      spec: { podSelector: { matchLabels: { ...props.workload.selector } }, policyTypes: ["Ingress", "Egress"] },
    });
  }

  /** Every flow registered so far, in registration order. */
  get flows(): readonly Flow[] {
    return this.registered;
  }

  /** Admits `peer` → this workload on `ports`. */
  allowFrom(peer: Peer, ports: readonly Port[], purpose: string): NetworkPolicyV1 | Manifest {
    return this.register({ direction: "ingress", peer, ports, purpose });
  }

  /**
   * Admits this workload → `peer` on `ports`. When the peer is a workload isolated in this stack, its
   * ingress for the same ports is opened as well, so a flow is never half-open.
   */
  allowTo(peer: Peer, ports: readonly Port[], purpose: string): NetworkPolicyV1 | Manifest {
    const policy = this.register({ direction: "egress", peer, ports, purpose });
    peer.workload?.connections?.allowFrom(Peer.workload(this.workload), ports, `${purpose}-from-${this.workload.name}`);
    return policy;
  }

  private register(flow: Flow): NetworkPolicyV1 | Manifest {
    if (!PURPOSE.test(flow.purpose)) throw new Error(`flow purpose "${flow.purpose}" must be short kebab-case`);
    if (flow.ports.length === 0) throw new Error(`flow "${flow.purpose}" names no port`);
    const id = `${flow.direction}-${flow.purpose}`;
    if (this.registered.some((f) => `${f.direction}-${f.purpose}` === id)) throw new Error(`flow "${id}" is registered twice on ${this.workload.name}`);
    this.registered.push(flow);

    const ports = flow.ports.map((p) => ({ port: String(p.port), protocol: p.protocol }));
    const entities = flow.peer.entries.filter((e): e is { ciliumEntity: string } => "ciliumEntity" in e).map((e) => e.ciliumEntity);
    if (entities.length > 0) {
      if (entities.length !== flow.peer.entries.length) throw new Error(`flow "${id}" mixes Cilium entities with other peers`);
      return this.ciliumPolicy(id, flow.direction, entities, ports);
    }
    const peers = flow.peer.entries.map((e) => toProviderPeer(e as Exclude<PolicyPeer, { ciliumEntity: string }>));
    const spec =
      flow.direction === "ingress"
        ? { policyTypes: ["Ingress"], ingress: [{ from: peers as NetworkPolicyV1SpecIngressFrom[], ports }] }
        : { policyTypes: ["Egress"], egress: [{ to: peers as NetworkPolicyV1SpecEgressTo[], ports }] };
    return new NetworkPolicyV1(this, id, {
      metadata: this.metadata(`${this.workload.name}-${id}`),
      spec: { podSelector: { matchLabels: { ...this.workload.selector } }, ...spec },
    });
  }

  /** A CiliumNetworkPolicy (cilium.io/v2): additive to the Kubernetes policies, for peers only Cilium can name. */
  private ciliumPolicy(id: string, direction: FlowDirection, entities: string[], ports: { port: string; protocol: string }[]): Manifest {
    const rule = direction === "ingress" ? { fromEntities: entities, toPorts: [{ ports }] } : { toEntities: entities, toPorts: [{ ports }] };
    return new Manifest(this, id, {
      manifest: {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: this.metadata(`${this.workload.name}-${id}`),
        spec: { endpointSelector: { matchLabels: { ...this.workload.selector } }, [direction]: [rule] },
      },
    });
  }

  private metadata(name: string) {
    return { name, namespace: this.workload.namespace, labels: { ...this.labels } };
  }
}

function toProviderPeer(entry: Exclude<PolicyPeer, { ciliumEntity: string }>): NetworkPolicyV1SpecIngressFrom & NetworkPolicyV1SpecEgressTo {
  if ("ipBlock" in entry) {
    const { cidr, except } = entry.ipBlock;
    return { ipBlock: except.length > 0 ? { cidr, except: [...except] } : { cidr } };
  }
  return {
    // A namespace selector on the well-known name label; without one the peer is the policy's own namespace.
    ...(entry.namespace !== undefined ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": entry.namespace } } } : {}),
    podSelector: { matchLabels: { ...entry.podLabels } },
  };
}
