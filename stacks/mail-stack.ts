import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { SecretKeyRef } from "../constructs/kubernetes/secret-key-ref";
import { Peer } from "../constructs/network/peer";
import type { ListenerName } from "../constructs/stalwart/listeners";
import { StalwartServer } from "../constructs/stalwart/stalwart-server";
import type { Capacity, PodSetRef, SovereignPlatform } from "../fleet/model";

/** The exact provider build the prebuilt bindings were generated from; the JSON stays valid for terraform and tofu. */
export const KUBERNETES_PROVIDER = { source: "hashicorp/kubernetes", version: "2.38.0" } as const;
export const REQUIRED_TERRAFORM = ">= 1.5.0";

export interface MailServerSpec {
  /** Namespace of the server. */
  readonly namespace: string;
  /** Create the namespace in this stack. */
  readonly createNamespace: boolean;
  readonly capacity: Capacity;
  /** The mail host (MX, EHLO, PTR), reported as an output. */
  readonly mailHost: string;
  /** @default every listener */
  readonly listeners?: readonly ListenerName[];
}

/**
 * Base of every mail stack: an explicit backend (the default local backend writes an absolute path, which would
 * break byte-identical output), the kubernetes provider for the Sovereign's cluster (kubeconfig path and
 * context only, never credentials), and one Stalwart server with its outputs.
 */
export abstract class MailStack extends TerraformStack {
  protected constructor(
    scope: Construct,
    readonly stackName: string,
    protected readonly platform: SovereignPlatform,
  ) {
    super(scope, stackName);
    // Relative to cdktf.out/stacks/<stack>: the state file sits in the project root, outside the synthesized tree.
    new LocalBackend(this, { path: `../../../terraform.${stackName}.tfstate` });
    new KubernetesProvider(this, "kubernetes", { configPath: platform.cluster.configPath, configContext: platform.cluster.context });
    this.addOverride("terraform.required_providers.kubernetes", { ...KUBERNETES_PROVIDER });
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM);
  }

  protected addServer(spec: MailServerSpec, recoveryAdmin: SecretKeyRef): StalwartServer {
    const namespace = spec.createNamespace
      ? new NamespaceV1(this, "mail-namespace", { metadata: { name: spec.namespace, labels: { "app.kubernetes.io/part-of": "sovereign-mail" } } })
      : undefined;
    const server = new StalwartServer(this, "stalwart", {
      namespace: spec.namespace,
      instance: this.stackName,
      image: this.platform.image,
      resources: spec.capacity,
      storageSize: spec.capacity.storage,
      storageClassName: this.platform.storageClass,
      listeners: spec.listeners,
      recoveryAdmin,
      loadBalancer: this.platform.loadBalancer,
      managementClients: managementClientPeers(this.platform.managementClients),
      clusterDns: podSetPeer(this.platform.clusterDns),
    });
    if (namespace) server.node.addDependency(namespace);

    new TerraformOutput(this, "namespace", { value: spec.namespace, description: "Namespace of the mail server" });
    new TerraformOutput(this, "mail_host", { value: spec.mailHost, description: "MX target, EHLO name and PTR value" });
    new TerraformOutput(this, "management_endpoint", {
      value: server.managementEndpoint,
      description: "In-cluster address of the management listener (JMAP management, health, metrics)",
    });
    new TerraformOutput(this, "mail_load_balancer_addresses", {
      value: server.mailService.interpolationForAttribute("status[0].load_balancer[0].ingress[*].ip"),
      description: "Addresses of the mail LoadBalancer (A/AAAA and PTR of the mail host)",
    });
    return server;
  }
}

const podSetPeer = (ref: PodSetRef): Peer => Peer.pods(ref.podLabels, ref.namespace);

/** One flow per client namespace; a second client in the same namespace gets an index suffix. */
function managementClientPeers(clients: readonly PodSetRef[]): { purpose: string; peer: Peer }[] {
  const seen = new Map<string, number>();
  return clients.map((c) => {
    const n = seen.get(c.namespace) ?? 0;
    seen.set(c.namespace, n + 1);
    return { purpose: `management-${c.namespace}${n === 0 ? "" : `-${n}`}`, peer: podSetPeer(c) };
  });
}
