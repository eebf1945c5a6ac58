/**
 * The base of every L2 that runs pods (mail server, apply Job, webmail). What it guarantees:
 * - the recommended labels (`app.kubernetes.io/*`, see labels.ts): {@link selector}, {@link labels} for every
 *   object, {@link versionedLabels} for the workload object and its pod template;
 * - a ServiceAccount named after the workload with token automount off, unless `serviceAccount: false`;
 * - pods ({@link podSpecDefaults}) that mount no token, get no service-link variables and run with the restricted
 *   pod security context (pod-defaults.ts);
 * - isolation: {@link connections} starts with default-deny, and DNS egress to the cluster DNS is registered by
 *   {@link allowClusterDns}; a workload that never calls it fails synthesis.
 * The ServiceAccount and Connections are children of the workload itself (ids `service-account`, `connections`),
 * so resource addresses are the same as when each L2 wrote them by hand.
 */
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import { Connections } from "../network/connections";
import { Peer, type Workload } from "../network/peer";
import { Port } from "../network/port";
import { imageVersion, selectorLabels, stableLabels, versionedLabels, type Labels, type WorkloadIdentity } from "./labels";
import { podSecurityContext, type PodSecurityContext, type PodSecurityProps } from "./pod-defaults";
import { DEFAULT_CLUSTER_DNS } from "../../fleet/defaults";

export interface WorkloadBaseProps {
  /** Name of the workload object and of its ServiceAccount; the base name of its other objects. */
  readonly name: string;
  /** Namespace to run in; it must exist (or be created in the same stack). */
  readonly namespace: string;
  /** `app.kubernetes.io/name`, `instance` and `component`. */
  readonly identity: WorkloadIdentity;
  /** Image whose tag becomes `app.kubernetes.io/version` in {@link WorkloadBase.versionedLabels}. @default unset (no version label) */
  readonly image?: string;
  /** The pod-level security context. @default restricted, as the image's own user, no fsGroup */
  readonly podSecurity?: PodSecurityProps;
  /**
   * Create the workload's own ServiceAccount. `false`: the pods run as the namespace's `default` ServiceAccount
   * (still without a mounted token). @default true
   */
  readonly serviceAccount?: boolean;
  /** The cluster DNS pods, for egress. @default `k8s-app=kube-dns` pods in `kube-system` */
  readonly clusterDns?: Peer;
  /**
   * The pods act on the Kubernetes API (a job whose work is a `kubectl` call): their ServiceAccount's token is
   * mounted and egress to the API server is allowed. Give such a ServiceAccount a Role naming exactly the objects
   * it may touch. @default false (no token, no API egress)
   */
  readonly kubernetesApi?: boolean;
}

/** The fleet's default cluster DNS (CoreDNS keeps the kube-dns label), for workloads built outside a fleet. */
export const defaultClusterDns = (): Peer => Peer.pods({ ...DEFAULT_CLUSTER_DNS.podLabels }, DEFAULT_CLUSTER_DNS.namespace);

/** The pod-spec fields every workload's pods share (see {@link WorkloadBase}). */
export interface PodSpecDefaults {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken: boolean;
  readonly enableServiceLinks: false;
  readonly securityContext: PodSecurityContext;
}

/** The base of the pod-running L2s; see the file comment for what it guarantees. */
export abstract class WorkloadBase extends Construct implements Workload {
  readonly name: string;
  readonly namespace: string;
  /** The labels a selector may use; never changed for the life of the workload. */
  readonly selector: Labels;
  /** Stable labels for every object of the workload (selector labels plus ownership). */
  readonly labels: Labels;
  /** {@link labels} plus the image version: only for the workload object and pod-template metadata. */
  readonly versionedLabels: Labels;
  /** The token-less ServiceAccount, unless `serviceAccount: false`. */
  readonly serviceAccount?: ServiceAccountV1;
  /** The workload's flows; creating it isolated the pods (default-deny Ingress and Egress). */
  readonly connections: Connections;
  private readonly clusterDns: Peer;
  private readonly podSecurity: PodSecurityProps;
  private readonly kubernetesApi: boolean;
  private dnsAllowed = false;

  protected constructor(scope: Construct, id: string, props: WorkloadBaseProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.selector = selectorLabels(props.identity);
    this.labels = stableLabels(props.identity);
    this.versionedLabels = versionedLabels(props.identity, props.image === undefined ? undefined : imageVersion(props.image));
    this.clusterDns = props.clusterDns ?? defaultClusterDns();
    this.podSecurity = props.podSecurity ?? {};
    this.kubernetesApi = props.kubernetesApi ?? false;
    if (props.serviceAccount ?? true) {
      this.serviceAccount = new ServiceAccountV1(this, "service-account", {
        metadata: { name: this.name, namespace: this.namespace, labels: { ...this.labels } },
        // The pods never talk to the Kubernetes API.
        automountServiceAccountToken: false,
      });
    }
    this.connections = new Connections(this, "connections", { workload: this, labels: this.labels });
    // The API server behind the kubernetes Service (443), as Cilium sees it after translation (6443).
    if (this.kubernetesApi) this.connections.allowTo(Peer.ciliumEntity("kube-apiserver"), [Port.tcp(443), Port.tcp(6443)], "kubernetes-api");
    this.node.addValidation({ validate: () => (this.dnsAllowed ? [] : [`workload ${this.namespace}/${this.name} registers no DNS egress (call allowClusterDns)`]) });
  }

  /**
   * Registers egress to the cluster DNS on TCP and UDP 53 (purpose `dns`). Called by the subclass where the flow
   * belongs in its list of flows (the order of {@link Connections.flows}).
   */
  protected allowClusterDns(): void {
    this.connections.allowTo(this.clusterDns, Port.tcpAndUdp(53), "dns");
    this.dnsAllowed = true;
  }

  /** The shared pod-spec fields: the ServiceAccount, no token, no service links, the pod security context. */
  protected podSpecDefaults(): PodSpecDefaults {
    return {
      ...(this.serviceAccount ? { serviceAccountName: this.name } : {}),
      automountServiceAccountToken: this.kubernetesApi,
      enableServiceLinks: false,
      securityContext: podSecurityContext(this.podSecurity),
    };
  }
}
