import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { GeneratedCredential } from "../constructs/credentials/generated-credential";
import type { ServerCredential } from "../constructs/credentials/server-credential";
import { Peer } from "../constructs/network/peer";
import { ConfigApplyJob } from "../constructs/stalwart/config-apply-job";
import type { ConfigPlan } from "../constructs/stalwart/config/plan";
import { buildServerPlan, METRICS_PASSWORD_ENV, METRICS_USERNAME } from "../constructs/stalwart/config/server-plan";
import type { ListenerName } from "../constructs/stalwart/listeners";
import { RECOVERY_ADMIN_ENV, StalwartServer, TLS_DIR } from "../constructs/stalwart/stalwart-server";
import { addDependsOn } from "../constructs/terraform/depends-on";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import type { Capacity, OpenBao, PodSetRef, SovereignPlatform } from "../fleet/model";
import { SovereignStack, type ProviderPin } from "./sovereign-stack";

export const CNI_SLOT = "bp-cilium";
export const HETZNER_CCM_SLOT = "bp-hcloud-ccm";
const HETZNER_LB_ANNOTATION_PREFIX = "load-balancer.hetzner.cloud/";

export const KUBERNETES_PROVIDER: ProviderPin = { source: "hashicorp/kubernetes", version: "2.38.0" };
export const RANDOM_PROVIDER: ProviderPin = { source: "hashicorp/random", version: "3.7.2" };
export const VAULT_PROVIDER: ProviderPin = { source: "hashicorp/vault", version: "5.6.0" };

/** The recovery admin: Stalwart's directory-independent administrator, also used by the apply Job. */
export const RECOVERY_ADMIN_USER = "admin";
export const RECOVERY_ADMIN_SECRET = "stalwart-recovery-admin";

export interface MailServerSpec {
  /** The mail domain the server is authoritative for. */
  readonly domain: string;
  /** Namespace of the server. */
  readonly namespace: string;
  /** Create the namespace in this stack. */
  readonly createNamespace: boolean;
  readonly capacity: Capacity;
  /** The mail host (MX, EHLO, PTR), reported as an output. */
  readonly mailHost: string;
  /** @default every listener */
  readonly listeners?: readonly ListenerName[];
  /** @default true */
  readonly spamFilter?: boolean;
  /** Adds stack-specific operations (accounts, …) to the baseline plan before the apply Job renders it. @default none */
  readonly configure?: (plan: ConfigPlan) => void;
  /**
   * The recovery admin (keys `STALWART_RECOVERY_ADMIN`, `username`, `password`).
   * @default a Terraform-generated password in Secret `stalwart-recovery-admin`
   */
  readonly recoveryAdmin?: ServerCredential;
  /** Mounted TLS Secret (`tls.crt`, `tls.key`) the plan's Certificate object points at. @default none */
  readonly tlsSecretName?: string;
  /** Also a ClusterIP Service for the public listeners, for in-cluster clients such as webmail. @default false */
  readonly internalService?: boolean;
}

/** What {@link MailStack.addServer} built. */
export interface MailServer {
  readonly server: StalwartServer;
  readonly plan: ConfigPlan;
  readonly applyJob: ConfigApplyJob;
  readonly recoveryAdmin: ServerCredential;
  readonly metricsCredential: GeneratedCredential;
}

/**
 * Base of every mail stack: the kubernetes provider for the Sovereign's cluster (kubeconfig path and context
 * only, never credentials), one Stalwart server with its outputs, and the bootstrap-kit slots it needs.
 */
export abstract class MailStack extends SovereignStack {
  private readonly required = new Set<string>();

  protected constructor(
    scope: Construct,
    stackName: string,
    protected readonly platform: SovereignPlatform,
  ) {
    super(scope, stackName);
    new KubernetesProvider(this, "kubernetes", { configPath: platform.cluster.configPath, configContext: platform.cluster.context });
    new RandomProvider(this, "random");
    this.pinProvider("kubernetes", KUBERNETES_PROVIDER);
    this.pinProvider("random", RANDOM_PROVIDER);
    // NetworkPolicies are only as good as the CNI that enforces them.
    this.requireSlots(CNI_SLOT);
    if (Object.keys(platform.loadBalancer.annotations).some((k) => k.startsWith(HETZNER_LB_ANNOTATION_PREFIX))) this.requireSlots(HETZNER_CCM_SLOT);
  }

  /** Bootstrap-kit slots (by name) that must be installed before this stack is applied. */
  get requiredSlots(): readonly string[] {
    return [...this.required].sort();
  }

  /** Configures the vault provider for OpenBao once per stack. The token comes from VAULT_TOKEN, never the fleet or the output. */
  protected useOpenBao(openbao: OpenBao): void {
    if (this.node.tryFindChild("openbao")) return;
    new VaultProvider(this, "openbao", { address: openbao.address });
    this.pinProvider("vault", VAULT_PROVIDER);
  }

  /** Declares slots this stack needs; synthesis fails when the Sovereign's kit lacks one. */
  protected requireSlots(...slots: string[]): void {
    slots.forEach((s) => this.required.add(s));
  }

  /**
   * The namespace (when the stack owns it), the server's credentials, the server, its configuration plan and
   * the Job that applies it, plus the stack outputs.
   */
  protected addServer(spec: MailServerSpec): MailServer {
    const namespace = spec.createNamespace
      ? new NamespaceV1(this, "mail-namespace", { metadata: { name: spec.namespace, labels: { "app.kubernetes.io/part-of": "sovereign-mail" } } })
      : undefined;
    const clusterDns = podSetPeer(this.platform.clusterDns);
    const credentialLabels = { "app.kubernetes.io/part-of": "sovereign-mail", "app.kubernetes.io/managed-by": "terraform" };
    const recoveryAdmin =
      spec.recoveryAdmin ??
      new GeneratedCredential(this, "recovery-admin", {
        secretName: RECOVERY_ADMIN_SECRET,
        namespace: spec.namespace,
        labels: credentialLabels,
        keys: (pw) => ({ [RECOVERY_ADMIN_ENV]: `${RECOVERY_ADMIN_USER}:${pw}`, username: RECOVERY_ADMIN_USER, password: pw }),
      });
    const metricsCredential = new GeneratedCredential(this, "metrics-credential", {
      secretName: "stalwart-metrics",
      namespace: spec.namespace,
      labels: credentialLabels,
      keys: (pw) => ({ username: METRICS_USERNAME, password: pw }),
    });
    const server = new StalwartServer(this, "stalwart", {
      namespace: spec.namespace,
      instance: this.stackName,
      image: this.platform.image,
      resources: spec.capacity,
      storageSize: spec.capacity.storage,
      storageClassName: this.platform.storageClass,
      listeners: spec.listeners,
      recoveryAdmin: recoveryAdmin.keyRef(RECOVERY_ADMIN_ENV),
      secretEnv: [{ name: METRICS_PASSWORD_ENV, ref: metricsCredential.keyRef("password") }],
      loadBalancer: this.platform.loadBalancer,
      managementClients: managementClientPeers(this.platform.managementClients),
      clusterDns,
      tlsSecretName: spec.tlsSecretName,
      internalService: spec.internalService,
    });
    addDependsOn(server.statefulSet, [recoveryAdmin.ready, metricsCredential.ready]);
    const plan = buildServerPlan({
      domain: spec.domain,
      hostname: spec.mailHost,
      listeners: server.listeners,
      spamFilter: spec.spamFilter,
      tls: spec.tlsSecretName ? { certificateFile: `${TLS_DIR}/tls.crt`, privateKeyFile: `${TLS_DIR}/tls.key` } : undefined,
    });
    spec.configure?.(plan);
    const applyJob = new ConfigApplyJob(this, "config-apply", {
      server,
      plan,
      image: this.platform.cliImage,
      username: recoveryAdmin.keyRef("username"),
      password: recoveryAdmin.keyRef("password"),
      clusterDns,
    });
    // Everything namespaced waits for the namespace (random_password and friends need not).
    if (namespace) addDependsOn(this, [namespace], (r) => r.terraformResourceType.startsWith("kubernetes_"));

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
    new TerraformOutput(this, "config_apply_job", { value: applyJob.job.metadata.name, description: "Name of the Job that applied the current configuration plan" });
    return { server, plan, applyJob, recoveryAdmin, metricsCredential };
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
