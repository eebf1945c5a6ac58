import type { Labels } from "../k8s/labels";
import type { Port } from "./port";

/** One NetworkPolicy peer entry, in provider-neutral form. */
export type PolicyPeer =
  | { readonly ipBlock: { readonly cidr: string; readonly except: readonly string[] } }
  /** A Cilium entity (`ingress` = the Cilium gateway's Envoy): expressible only in a CiliumNetworkPolicy. */
  | { readonly ciliumEntity: string }
  | {
      /** Namespace name; undefined means the policy's own namespace. */
      readonly namespace?: string;
      /** Empty: every pod. */
      readonly podLabels: Labels;
    };

/** Something that runs pods and can take part in flows: a server, a Job, a webmail Deployment. */
export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Labels;
  /** Present when the workload is isolated by generated policies in the same stack. */
  readonly connections?: { allowFrom(peer: Peer, ports: readonly Port[], purpose: string): unknown };
}

/** Addresses that are never "the internet": private, shared (CGNAT), link-local (cloud metadata) and loopback. */
export const NON_PUBLIC_IPV4 = ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];
export const NON_PUBLIC_IPV6 = ["fc00::/7", "fe80::/10"];

/** The other end of a flow. Factories mirror cdk8s-plus's `Peer`/`Pods`/`Namespaces`. */
export class Peer {
  /** Any address, private ranges included: for inbound public traffic (source IPs are kept by `externalTrafficPolicy: Local`). */
  static anyAddress(): Peer {
    return new Peer("any-address", [
      { ipBlock: { cidr: "0.0.0.0/0", except: [] } },
      { ipBlock: { cidr: "::/0", except: [] } },
    ]);
  }

  /** Public internet only: never private, CGNAT, link-local (cloud metadata) or ULA ranges. */
  static publicInternet(): Peer {
    return new Peer("public-internet", [
      { ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_IPV4 } },
      { ipBlock: { cidr: "::/0", except: NON_PUBLIC_IPV6 } },
    ]);
  }

  static cidr(cidr: string, except: readonly string[] = []): Peer {
    return new Peer(`cidr ${cidr}`, [{ ipBlock: { cidr, except } }]);
  }

  /** Pods by labels; `namespace` undefined = the policy's own namespace, `labels` empty = every pod. */
  static pods(labels: Labels, namespace?: string): Peer {
    return new Peer(`pods ${namespace ?? "(same namespace)"} ${JSON.stringify(labels)}`, [{ namespace, podLabels: labels }]);
  }

  static namespace(name: string): Peer {
    return Peer.pods({}, name);
  }

  /**
   * A Cilium entity, e.g. `ingress` for traffic from the Cilium Gateway: a namespace selector on kube-system does
   * not match it. Flows with it become CiliumNetworkPolicies.
   */
  static ciliumEntity(entity: "ingress" | "world" | "cluster" | "host" | "kube-apiserver"): Peer {
    return new Peer(`cilium entity ${entity}`, [{ ciliumEntity: entity }]);
  }

  /** The pods of another workload; with `connections.allowTo` the other side's ingress is opened too. */
  static workload(w: Workload): Peer {
    return new Peer(`workload ${w.namespace}/${w.name}`, [{ namespace: w.namespace, podLabels: w.selector }], w);
  }

  private constructor(
    /** Human-readable, for flow listings and test messages. */
    readonly description: string,
    readonly entries: readonly PolicyPeer[],
    readonly workload?: Workload,
  ) {}
}
