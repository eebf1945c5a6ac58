import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { OpenBaoCredential } from "../constructs/credentials/openbao-credential";
import { PASSWORD_PROPERTY, RotatingPassword, type RotatingPasswordProps } from "../constructs/credentials/rotating-password";
import { CredentialRotation } from "../constructs/credentials/rotation";
import { DKIM_DIR, DKIM_SECRET, DkimKeys } from "../constructs/credentials/dkim-keys";
import { MailDns } from "../constructs/dns/mail-dns";
import { StackMemory } from "../constructs/terraform/stack-memory";
import { LoadBalancerPtr, loadBalancerAnnotations, PRIVATE_INGRESS_OFF, servesIpv6 } from "../constructs/hcloud/load-balancer-ptr";
import type { Labels } from "../constructs/k8s/labels";
import { namespaceOf } from "../constructs/k8s/namespace-of";
import { ref, setOf } from "../stalwart/encoding";
import { forwardConfirmationProblems } from "../dns/validate";
import type { ServerCredential } from "../constructs/credentials/server-credential";
import { Peer } from "../constructs/network/peer";
import { clientPurposes } from "../constructs/network/connections";
import { ConfigApplyJob, reloadPlan } from "../constructs/stalwart/config-apply-job";
import { applyPermissions } from "../stalwart/permissions";
import type { ConfigPlan, PlanOperation } from "../stalwart/plan";
import { RecoveryBootstrap } from "../constructs/stalwart/recovery-bootstrap";
import { buildServerPlan, METRICS_PASSWORD_ENV, METRICS_USERNAME, PLAN_IDS } from "../stalwart/server-plan";
import type { ListenerName } from "../stalwart/listeners";
import { RECOVERY_ADMIN_ENV, StalwartServer, TLS_DIR } from "../constructs/stalwart/stalwart-server";
import { addDependsOn, addDependsOnAtSynth } from "../constructs/terraform/depends-on";
import { escapeTemplate } from "../constructs/terraform/escape";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import type { Capacity, CredentialClass, OpenBao, PodSetRef, Sovereign, SovereignPlatform } from "../fleet/model";
import { isWithinZone } from "../fleet/names";
import { BaseStack, kubeconfigOf, type ProviderPin } from "./base-stack";

export const CNI_SLOT = "bp-cilium";
/** The stack output holding the mail domain's records as a zone-file snippet, filled in after apply. */
export const DNS_ZONE_FILE_OUTPUT = "dns_zone_file";
export const EXTERNAL_SECRETS_SLOT = "bp-external-secrets-stores";
export const DNS_PROVIDER: ProviderPin = { source: "hashicorp/dns", version: "3.4.3" };
export const SMART_HOST_PASSWORD_ENV = "STALWART_SMART_HOST_PASSWORD";
export const HETZNER_CCM_SLOT = "bp-hcloud-ccm";
const HETZNER_LB_ANNOTATION_PREFIX = "load-balancer.hetzner.cloud/";

export const KUBERNETES_PROVIDER: ProviderPin = { source: "hashicorp/kubernetes", version: "2.38.0" };
export const RANDOM_PROVIDER: ProviderPin = { source: "hashicorp/random", version: "3.7.2" };
export const TLS_PROVIDER: ProviderPin = { source: "hashicorp/tls", version: "4.1.0" };
export const VAULT_PROVIDER: ProviderPin = { source: "hashicorp/vault", version: "5.6.0" };
export const TIME_PROVIDER: ProviderPin = { source: "hashicorp/time", version: "0.13.1" };

/** The recovery admin: Stalwart's directory-independent administrator, also used by the apply Job. */
export const RECOVERY_ADMIN_USER = "admin";
export const RECOVERY_ADMIN_SECRET = "stalwart-recovery-admin";
/** Client id (and login prefix) of the apply Job's automation identity, and the Secret it reads its login from. */
export const AUTOMATION_ACCOUNT = "automation";
export const AUTOMATION_SECRET = "stalwart-automation";
const AUTOMATION_ROLE_DESCRIPTION = "sovereign-mail configuration apply";
const CREDENTIAL_LABELS = { "app.kubernetes.io/part-of": "sovereign-mail", "app.kubernetes.io/managed-by": "terraform" };

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
  /** Whether the server has HTTPS egress for what Stalwart fetches at start (web UI, ASN data, spam rules). @default true */
  readonly internet?: boolean;
  /** Adds stack-specific operations (accounts, …) to the baseline plan before the apply Job renders it. @default none */
  readonly configure?: (plan: ConfigPlan) => void;
  /** OpenBao folder of the server's credentials: `<path>/admin`, `<path>/metrics`, … */
  readonly credentialsPath: string;
  /**
   * The recovery admin (keys `STALWART_RECOVERY_ADMIN`, `username`, `password`).
   * @default a rotating password generated into `<credentialsPath>/admin`, projected as Secret `stalwart-recovery-admin`
   */
  readonly recoveryAdmin?: ServerCredential;
  /** Mounted TLS Secret (`tls.crt`, `tls.key`) the plan's Certificate object points at. @default none */
  readonly tlsSecretName?: string;
  /** The domain's DNS: SPF `all` term, DMARC policy, whether to publish by RFC 2136, and the OpenBao path for DKIM keys. */
  readonly dns: {
    readonly spfAll: "-all" | "~all" | "?all";
    readonly dmarcPolicy: "none" | "quarantine" | "reject";
    /** Publish to the Sovereign's authoritative DNS (the domain lies in its RFC 2136 zone). */
    readonly publish: boolean;
    /** Where the DKIM private keys are also stored when OpenBao is configured. */
    readonly dkimOpenBaoPath: string;
  };
  /** Also a ClusterIP Service for the public listeners, for in-cluster clients such as webmail. @default false */
  readonly internalService?: boolean;
}

/** What {@link MailStack.addServer} built. */
export interface MailServer {
  readonly server: StalwartServer;
  readonly plan: ConfigPlan;
  readonly applyJob: ConfigApplyJob;
  readonly recoveryAdmin: ServerCredential;
  readonly metricsCredential: RotatingPassword;
  readonly dkim: DkimKeys;
  readonly dns: MailDns;
}

/**
 * Base of every mail stack: the kubernetes provider for the Sovereign's cluster (kubeconfig path and context
 * only, never credentials), one Stalwart server with its outputs, and the bootstrap-kit slots it needs.
 */
export abstract class MailStack extends BaseStack {
  private readonly required = new Set<string>();
  /** The mail load balancers are Hetzner's (a PTR setting or Hetzner annotations). */
  private readonly onHetzner: boolean;

  protected constructor(
    scope: Construct,
    stackName: string,
    readonly platform: SovereignPlatform,
  ) {
    super(scope, stackName, platform.state);
    new KubernetesProvider(this, "kubernetes", kubeconfigOf(platform.cluster));
    new RandomProvider(this, "random");
    new TlsProvider(this, "tls");
    new TimeProvider(this, "time");
    this.pinProvider("time", TIME_PROVIDER);
    // Every credential is generated into OpenBao (write-only arguments: Terraform 1.11) and reaches pods through ExternalSecrets.
    this.useOpenBao(this.openbao);
    this.requireTerraform("1.11.0");
    this.requireSlots(EXTERNAL_SECRETS_SLOT);
    this.pinProvider("kubernetes", KUBERNETES_PROVIDER);
    this.pinProvider("random", RANDOM_PROVIDER);
    this.pinProvider("tls", TLS_PROVIDER);
    // NetworkPolicies are only as good as the CNI that enforces them.
    this.requireSlots(CNI_SLOT);
    // Hetzner load balancer annotations (our PTR ones included) only work with the Hetzner cloud controller.
    this.onHetzner = platform.ptr !== undefined || Object.keys(platform.loadBalancer.annotations).some((k) => k.startsWith(HETZNER_LB_ANNOTATION_PREFIX));
    if (this.onHetzner) this.requireSlots(HETZNER_CCM_SLOT);
  }

  /** Bootstrap-kit slots (by name) that must be installed before this stack is applied. */
  get requiredSlots(): readonly string[] {
    return [...this.required].sort();
  }

  /** The smart host's password, from OpenBao through an ExternalSecret, when the fleet configures one. */
  private smartHostPassword(namespace: string, labels: Labels): OpenBaoCredential | undefined {
    const password = this.platform.smartHost?.password;
    if (!password) return undefined;
    this.requireSlots(EXTERNAL_SECRETS_SLOT);
    return new OpenBaoCredential(this, "smart-host-password", {
      secretName: "stalwart-smart-host",
      namespace,
      path: password.openbaoPath,
      property: password.property,
      ...this.platform.externalSecrets,
      labels,
    });
  }

  /** Forward-confirmed rDNS: the EHLO name in the plan, the PTR, the MX target and the A/AAAA name agree. */
  private checkForwardConfirmed(plan: ConfigPlan, dns: MailDns, ptr: string | undefined): void {
    const problems = forwardConfirmationProblems(this.stackName, {
      ehlo: (plan.operations.find((o) => o.object === "SystemSettings")!.value as { defaultHostname: string }).defaultHostname,
      ptr: ptr ? [ptr] : [],
      mxTarget: dns.records.find((r) => r.type === "MX")!.values[0].split(" ")[1],
      addressName: (dns.records.find((r) => r.type === "A") ?? dns.records.find((r) => r.type === "AAAA"))!.name,
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));
  }

  /** Configures the vault provider for OpenBao once per stack. The token comes from VAULT_TOKEN, never the fleet or the output. */
  protected useOpenBao(openbao: OpenBao): void {
    if (this.node.tryFindChild("openbao")) return;
    new VaultProvider(this, "openbao", { address: escapeTemplate(openbao.address) });
    this.pinProvider("vault", VAULT_PROVIDER);
  }

  /** The Sovereign's OpenBao: the fleet checks guarantee one for every Sovereign with mail stacks. */
  protected get openbao(): OpenBao {
    const openbao = this.platform.openbao;
    if (!openbao) throw new Error(`${this.stackName}: the Sovereign has no openbao.address, where its credentials are kept`);
    return openbao;
  }

  /** When credentials of a class rotate; one `time_rotating` per class and stack. */
  protected rotation(credential: CredentialClass): CredentialRotation {
    const id = `rotation-${credential}`;
    return (this.node.tryFindChild(id) as CredentialRotation | undefined) ?? new CredentialRotation(this, id, { rotationDays: this.platform.credentials.rotationDays[credential] });
  }

  /** A password generated into `<basePath>/<credential>` and projected into `namespace` as `secretName`. */
  protected rotatingPassword(
    id: string,
    credential: CredentialClass,
    target: {
      basePath: string;
      secretName: string;
      namespace: string;
      template: Record<string, string>;
      property?: string;
      overlap?: boolean;
      slotAccounts?: RotatingPasswordProps["slotAccounts"];
      /** @default `<basePath>/<credential>` */
      path?: string;
    },
  ): RotatingPassword {
    return new RotatingPassword(this, id, {
      credential,
      stackName: this.stackName,
      openbao: { mount: this.openbao.mount, path: target.path ?? `${target.basePath}/${credential}` },
      rotation: this.rotation(credential),
      property: target.property,
      overlapDays: target.overlap ? this.platform.credentials.overlapDays : undefined,
      memory: target.overlap ? StackMemory.of(this, target.namespace) : undefined,
      slotAccounts: target.slotAccounts,
      secretName: target.secretName,
      namespace: target.namespace,
      template: target.template,
      externalSecrets: this.platform.externalSecrets,
      labels: CREDENTIAL_LABELS,
    });
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
    const credentialLabels = CREDENTIAL_LABELS;
    const password = `{{ .${PASSWORD_PROPERTY} }}`;
    const recoveryAdmin =
      spec.recoveryAdmin ??
      this.rotatingPassword("recovery-admin", "admin", {
        basePath: spec.credentialsPath,
        secretName: RECOVERY_ADMIN_SECRET,
        namespace: spec.namespace,
        template: { [RECOVERY_ADMIN_ENV]: `${RECOVERY_ADMIN_USER}:${password}`, username: RECOVERY_ADMIN_USER, password },
      });
    // The recovery admin only bootstraps; every later apply logs in as the automation identity (two logins that
    // take turns at each rotation, like the relay's, so the Job never locks itself out).
    const memory = StackMemory.of(this, spec.namespace);
    const bootstrap = new RecoveryBootstrap(this, "bootstrap", {
      namespace: spec.namespace,
      admin: { username: RECOVERY_ADMIN_USER, ...recoveryAdmin.source },
      clusterSecretStore: this.platform.externalSecrets.clusterSecretStore,
      memory,
      labels: credentialLabels,
    });
    // The recovery admin is read from OpenBao once its path holds it (another system's path: already).
    if (recoveryAdmin instanceof RotatingPassword) addDependsOn(bootstrap.externalSecret.manifest, [recoveryAdmin.seed]);
    const automationLogins = (["a", "b"] as const).map((slot) => `${AUTOMATION_ACCOUNT}-${slot}`) as [string, string];
    const automation = this.rotatingPassword("automation-credential", "admin", {
      basePath: spec.credentialsPath,
      path: `${spec.credentialsPath}/${AUTOMATION_ACCOUNT}`,
      secretName: AUTOMATION_SECRET,
      namespace: spec.namespace,
      template: { username: "{{ .user }}", password },
      overlap: true,
      slotAccounts: { property: "user", names: automationLogins.map((name) => `${name}@${spec.domain}`) as [string, string] },
    });
    const metricsCredential = this.rotatingPassword("metrics-credential", "metrics", {
      basePath: spec.credentialsPath,
      secretName: "stalwart-metrics",
      namespace: spec.namespace,
      template: { username: METRICS_USERNAME, password },
    });
    const platformDns = this.platform.dns;
    const dkimRotates = spec.dns.publish && platformDns.rfc2136 !== undefined && this.platform.credentials.rotationDays.dkim > 0;
    const dkim = new DkimKeys(this, "dkim", {
      namespace: spec.namespace,
      selectors: platformDns.dkimSelectors,
      rsaBits: platformDns.dkimRsaBits,
      openbao: { mount: this.openbao.mount, path: spec.dns.dkimOpenBaoPath },
      externalSecrets: this.platform.externalSecrets,
      stackName: this.stackName,
      // Only records this stack publishes can follow a rotation; a BYO domain's keys change on a reset.
      rotation: dkimRotates ? this.rotation("dkim") : undefined,
      memory: dkimRotates ? StackMemory.of(this, spec.namespace) : undefined,
      propagationSeconds: Math.max(3600, platformDns.ttl),
      labels: credentialLabels,
    });
    const ptr = this.platform.ptr;
    const ptrSpec = ptr && { mode: ptr.mode, name: this.stackName, location: ptr.location, ptr: spec.mailHost, ipv6: servesIpv6(this.platform.loadBalancer) };
    const smartHost = this.platform.smartHost;
    const smartHostPassword = this.smartHostPassword(spec.namespace, credentialLabels);
    const server = new StalwartServer(this, "stalwart", {
      namespace: spec.namespace,
      instance: this.stackName,
      image: this.platform.image,
      resources: spec.capacity,
      storageSize: spec.capacity.storage,
      storageClassName: this.platform.storageClass,
      listeners: spec.listeners,
      recoveryAdmin: bootstrap.envRef,
      // Credentials read at start (environment) and the DKIM files: the server starts only with the current ones.
      credentialVersions: [
        { name: "metrics", ...metricsCredential.versionCheck },
        { name: "DKIM keys", ...dkim.versionCheck },
      ],
      loadBalancer: {
        ...this.platform.loadBalancer,
        annotations: {
          ...this.platform.loadBalancer.annotations,
          ...(this.onHetzner ? PRIVATE_INGRESS_OFF : {}),
          ...(ptrSpec ? loadBalancerAnnotations(ptrSpec) : {}),
        },
      },
      managementClients: managementClientPeers(this.platform.managementClients),
      clusterDns,
      secretMounts: [
        { volume: "dkim", secretName: DKIM_SECRET, mountPath: DKIM_DIR },
        ...(spec.tlsSecretName ? [{ volume: "tls", secretName: spec.tlsSecretName, mountPath: TLS_DIR }] : []),
      ],
      secretEnv: [
        { name: METRICS_PASSWORD_ENV, ref: metricsCredential.keyRef("password") },
        ...(smartHostPassword ? [{ name: SMART_HOST_PASSWORD_ENV, ref: smartHostPassword.keyRef(smartHost!.password!.property) }] : []),
      ],
      internalService: spec.internalService,
    });
    addDependsOn(server.statefulSet, [bootstrap.ready, metricsCredential.ready, dkim.externalSecret.manifest, ...(smartHostPassword ? [smartHostPassword.ready] : [])]);
    if (ptrSpec?.mode === "terraform") new LoadBalancerPtr(this, "ptr", { ...ptrSpec, service: server.mailService });
    const mtaStsPolicy = server.listeners.some((l) => l.name === "https")
      ? `version: STSv1\nmode: ${platformDns.mtaSts.mode}\nmx: ${spec.mailHost}\nmax_age: ${platformDns.mtaSts.maxAgeDays * 86400}\n`
      : undefined;
    const plan = buildServerPlan({
      domain: spec.domain,
      hostname: spec.mailHost,
      listeners: server.listeners,
      spamFilter: spec.spamFilter,
      internet: spec.internet,
      tls: spec.tlsSecretName ? { certificateFile: `${TLS_DIR}/tls.crt`, privateKeyFile: `${TLS_DIR}/tls.key` } : undefined,
      smartHost: smartHost && {
        address: smartHost.address,
        port: smartHost.port,
        implicitTls: smartHost.implicitTls,
        username: smartHost.username,
        passwordEnv: smartHostPassword ? SMART_HOST_PASSWORD_ENV : undefined,
      },
    });
    dkim.addSignatures(plan, ref(PLAN_IDS.domain));
    if (mtaStsPolicy) {
      plan.update("MtaSts", { mode: platformDns.mtaSts.mode, maxAge: platformDns.mtaSts.maxAgeDays * 86_400_000, mxHosts: setOf([spec.mailHost]) });
    }
    spec.configure?.(plan);
    addAutomationIdentity(plan, automation, automationLogins);
    // While bootstrapping, the recovery admin; after that, the automation identity.
    const login = bootstrap.choose(recoveryAdmin.keyRef("username").name, automation.keyRef("username").name);
    const applyJob = new ConfigApplyJob(this, "config-apply", {
      server,
      plan,
      image: this.platform.cliImage,
      username: { name: login, key: "username", external: true },
      password: { name: login, key: "password", external: true },
      clusterDns,
      reloadTlsDaily: spec.tlsSecretName !== undefined,
    });
    // The automation password reaches OpenBao (and the Job's next login) only once the server has it.
    addDependsOn(automation.seed, [applyJob.job]);
    addDependsOn(applyJob.job, [recoveryAdmin.ready]);
    // Recovery off before the restart that follows the Job; the memory is written once the Job succeeded.
    addDependsOn(applyJob.restart, [bootstrap.finish([applyJob.job])]);
    const dns = new MailDns(this, "dns", {
      server,
      domain: spec.domain,
      mailHost: spec.mailHost,
      spfAll: spec.dns.spfAll,
      dmarc: {
        policy: spec.dns.dmarcPolicy,
        rua: platformDns.dmarcRua ?? [`mailto:postmaster@${spec.domain}`],
        adkim: platformDns.adkim,
        aspf: platformDns.aspf,
      },
      dkim: dkim.keys,
      mtaStsPolicy,
      ipv6: servesIpv6(this.platform.loadBalancer),
      ttl: platformDns.ttl,
      publish: spec.dns.publish ? platformDns.rfc2136 : undefined,
      labels: credentialLabels,
    });
    if (spec.dns.publish && platformDns.rfc2136) this.pinProvider("dns", DNS_PROVIDER);
    this.checkForwardConfirmed(plan, dns, ptrSpec?.ptr);
    // Every object in the namespace waits for it, including those added after this method; objects elsewhere (the
    // relay's contract in catalyst-system) and random_password and friends need not.
    if (namespace) addDependsOnAtSynth(this, [namespace], (r) => namespaceOf(r) === spec.namespace);

    new TerraformOutput(this, DNS_ZONE_FILE_OUTPUT, { value: dns.zoneFile, description: "The mail domain's records as a zone-file snippet (publish them for BYO domains)" });
    new TerraformOutput(this, "dkim_selectors", { value: dkim.keys.map((k) => k.selector), description: "DKIM selectors (Ed25519 and RSA; with rotation one per slot, all published)" });
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
    return { server, plan, applyJob, recoveryAdmin, metricsCredential, dkim, dns };
  }
}

/** Whether a domain lies in the zone the Sovereign's authoritative DNS accepts updates for. */
export const inPublishedZone = (domain: string, sovereign: Sovereign): boolean =>
  sovereign.platform.dns.rfc2136 !== undefined && isWithinZone(domain, sovereign.platform.dns.rfc2136.zone);

const podSetPeer = (ref: PodSetRef): Peer => Peer.pods(ref.podLabels, ref.namespace);

/** One flow per management client (see `clientPurposes`). */
function managementClientPeers(clients: readonly PodSetRef[]): { purpose: string; peer: Peer }[] {
  const purposes = clientPurposes("management", clients.map((c) => c.namespace));
  return clients.map((c, i) => ({ purpose: purposes[i], peer: podSetPeer(c) }));
}

/**
 * The automation identity the apply Job logs in as once the server is bootstrapped: a Role with exactly the
 * permissions the plan needs (and those of every role the plan grants, which the server requires of whoever grants
 * them: stalwart v0.16.18 crates/common/src/auth/permissions.rs can_grant_permissions), and two login accounts
 * holding it, each with one password, taking turns at each rotation.
 */
function addAutomationIdentity(plan: ConfigPlan, credential: RotatingPassword, logins: readonly [string, string]): void {
  const granted = plan.operations.flatMap((op) =>
    op.object === "Role" && op["@type"] === "upsert" ? Object.values(op.value).flatMap((r) => Object.keys((r as { enabledPermissions?: object }).enabledPermissions ?? {})) : [],
  );
  const own: PlanOperation[] = [
    { "@type": "upsert", object: "Role", matchOn: [], value: {} },
    { "@type": "upsert", object: "Account", matchOn: [], value: {} },
  ];
  const permissions = [...new Set(["authenticate", ...granted, ...applyPermissions([...plan.operations, ...own, ...reloadPlan(true).operations])])].sort();
  plan.upsert("Role", AUTOMATION_ACCOUNT, ["description"], { description: AUTOMATION_ROLE_DESCRIPTION, enabledPermissions: setOf(permissions) });
  logins.forEach((name, i) =>
    plan.upsert("Account", `${AUTOMATION_ACCOUNT}-${"ab"[i]}`, ["name", "domainId"], {
      "@type": "User",
      name,
      domainId: ref(PLAN_IDS.domain),
      description: `Login ${"AB"[i]} of the configuration apply Job (they take turns at each password rotation)`,
      credentials: credential.slotCredentials(plan, i as 0 | 1),
      roles: { "@type": "Custom", roleIds: setOf([ref(AUTOMATION_ACCOUNT)]) },
    }),
  );
}
