import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { mtaStsMaxAgeSeconds, mtaStsPolicyText } from "../dns/mta-sts";
import { forwardConfirmationProblems } from "../dns/validate";
import { defaultDmarcRua } from "../fleet/defaults";
import type { Capacity, DmarcPolicy, PodSetRef, SovereignPlatform, SpfAll } from "../fleet/model";
import { SLOT } from "../kit/slots";
import { ref, setOf } from "../stalwart/encoding";
import type { ListenerName } from "../stalwart/listeners";
import { applyPermissions } from "../stalwart/permissions";
import type { ConfigPlan, PlanOperation } from "../stalwart/plan";
import { buildServerPlan, METRICS_PASSWORD_ENV, METRICS_USERNAME, PLAN_IDS } from "../stalwart/server-plan";
import { existingCredential, generatedPassword, type CredentialSettings } from "./credentials/credential-settings";
import { DKIM_SECRET, DkimKeys } from "./credentials/dkim-keys";
import { PASSWORD_PROPERTY, RotatingPassword } from "./credentials/rotating-password";
import { CredentialRotation } from "./credentials/rotation";
import type { ServerCredential } from "./credentials/server-credential";
import { MailDns } from "./dns/mail-dns";
import { hasHetznerAnnotations, LoadBalancerPtr, loadBalancerAnnotations, PRIVATE_INGRESS_OFF, servesIpv6 } from "./hcloud/load-balancer-ptr";
import { requireSlots } from "./kit/required-slots";
import { OWNERSHIP_LABELS } from "./k8s/labels";
import { namespaceOf } from "./k8s/namespace-of";
import { clientPurposes } from "./network/connections";
import { Peer } from "./network/peer";
import { Port } from "./network/port";
import { ServerBackup } from "./backup/server-backup";
import { ServerAlerts } from "./monitoring/server-alerts";
import { METRICS_SECRET, type ServerKind } from "../monitoring/labels";
import { ConfigApplyJob, reloadPlan } from "./stalwart/config-apply-job";
import { addDkimSignatures, DKIM_DIR, slotPasswordCredential } from "./stalwart/credential-objects";
import { RecoveryBootstrap } from "./stalwart/recovery-bootstrap";
import { RECOVERY_ADMIN_ENV, StalwartServer, TLS_DIR } from "./stalwart/stalwart-server";
import { keepAddresses } from "./terraform/address-scope";
import { addDependsOn, addDependsOnAtSynth } from "./terraform/depends-on";
import { pinProvider } from "./terraform/provider-pins";
import { StackMemory } from "./terraform/stack-memory";

/** The recovery admin: Stalwart's directory-independent administrator, also used by the apply Job to bootstrap. */
export const RECOVERY_ADMIN_USER = "admin";
export const RECOVERY_ADMIN_SECRET = "stalwart-recovery-admin";
/** Client id (and login prefix) of the apply Job's automation identity, and the Secret it reads its login from. */
export const AUTOMATION_ACCOUNT = "automation";
export const AUTOMATION_SECRET = "stalwart-automation";
export const SMART_HOST_PASSWORD_ENV = "STALWART_SMART_HOST_PASSWORD";
const AUTOMATION_ROLE_DESCRIPTION = "sovereign-mail configuration apply";

export interface MailServerProps {
  /** The Sovereign's platform: images, storage, load balancer, PTR, smart host, cluster DNS, DNS policy. */
  readonly platform: SovereignPlatform;
  /** What kind of server this is (the `kind` label of its metrics and alerts). */
  readonly kind: ServerKind;
  /** The stack's credential settings: the OpenBao mount every credential of the server is kept in, rotation, store. */
  readonly credentials: CredentialSettings;
  /** The instance name (labels, the Hetzner load balancer's name, audit metadata): the stack's name. */
  readonly instance: string;
  /** The mail domain the server is authoritative for. */
  readonly domain: string;
  /** Namespace of the server. */
  readonly namespace: string;
  /** Create the namespace here; every object in it then waits for it. */
  readonly createNamespace: boolean;
  readonly capacity: Capacity;
  /** The mail host: MX target, EHLO name and PTR. */
  readonly mailHost: string;
  /** @default every listener */
  readonly listeners?: readonly ListenerName[];
  /** @default true */
  readonly spamFilter?: boolean;
  /** Whether the server has HTTPS egress for what Stalwart fetches at start (web UI, ASN data, spam rules). @default true */
  readonly internet?: boolean;
  /** Adds the server's own operations (accounts, a directory, …) to the baseline plan before the Job renders it. @default none */
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
  /** The domain's SPF `all` term, DMARC policy, whether this stack publishes its records, and the DKIM keys' OpenBao path. */
  readonly dns: {
    readonly spfAll: SpfAll;
    readonly dmarcPolicy: DmarcPolicy;
    /** Publish to the Sovereign's authoritative DNS by RFC 2136 (the domain lies in its zone). */
    readonly publish: boolean;
    readonly dkimOpenBaoPath: string;
  };
  /** Also a ClusterIP Service for the public listeners, for in-cluster clients such as webmail. @default false */
  readonly internalService?: boolean;
}

/**
 * A complete Stalwart v0.16 mail server (L3): its namespace, credentials (recovery admin, the apply Job's automation
 * logins, metrics, DKIM keys, the smart host's password), the StatefulSet and Services with their flows, the PTR,
 * the configuration plan and the Job that applies it, and the domain's DNS records, checked for forward-confirmed
 * reverse DNS. The kit slots it needs travel with the constructs that need them. It keeps the addresses its
 * resources had as children of the stack (see `keepAddresses`).
 */
export class MailServer extends Construct {
  readonly server: StalwartServer;
  readonly plan: ConfigPlan;
  readonly applyJob: ConfigApplyJob;
  readonly recoveryAdmin: ServerCredential;
  readonly metricsCredential: RotatingPassword;
  readonly dkim: DkimKeys;
  readonly dns: MailDns;
  /** Backups and restores, when the Sovereign has a backup repository. */
  readonly backup?: ServerBackup;
  /** The server's alert rules, when the Sovereign has monitoring. */
  readonly alerts?: ServerAlerts;
  readonly mailHost: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: MailServerProps) {
    super(scope, id);
    keepAddresses(this);
    const { platform } = props;
    this.mailHost = props.mailHost;
    this.namespace = props.namespace;
    const namespace = props.createNamespace
      ? new NamespaceV1(this, "mail-namespace", { metadata: { name: props.namespace, labels: { "app.kubernetes.io/part-of": "sovereign-mail" } } })
      : undefined;
    const clusterDns = podSetPeer(platform.clusterDns);
    const password = `{{ .${PASSWORD_PROPERTY} }}`;
    const credentialsAt = { basePath: props.credentialsPath, namespace: props.namespace };
    const recoveryAdmin =
      props.recoveryAdmin ??
      generatedPassword(this, "recovery-admin", props.credentials, "admin", {
        ...credentialsAt,
        secretName: RECOVERY_ADMIN_SECRET,
        template: { [RECOVERY_ADMIN_ENV]: `${RECOVERY_ADMIN_USER}:${password}`, username: RECOVERY_ADMIN_USER, password },
      });
    this.recoveryAdmin = recoveryAdmin;
    // The recovery admin only bootstraps; every later apply logs in as the automation identity (two logins that
    // take turns at each rotation, like the relay's, so the Job never locks itself out).
    const memory = StackMemory.of(this, props.namespace);
    const bootstrap = new RecoveryBootstrap(this, "bootstrap", {
      namespace: props.namespace,
      admin: { username: RECOVERY_ADMIN_USER, ...recoveryAdmin.source },
      clusterSecretStore: platform.externalSecrets.clusterSecretStore,
      memory,
      labels: OWNERSHIP_LABELS,
    });
    // A recovery admin generated here is read from OpenBao once its path holds it (another system's path: already).
    if (recoveryAdmin instanceof RotatingPassword) addDependsOn(bootstrap.externalSecret.manifest, [recoveryAdmin.seed]);
    const automationLogins = (["a", "b"] as const).map((slot) => `${AUTOMATION_ACCOUNT}-${slot}`) as [string, string];
    const automation = generatedPassword(this, "automation-credential", props.credentials, "admin", {
      ...credentialsAt,
      path: `${props.credentialsPath}/${AUTOMATION_ACCOUNT}`,
      secretName: AUTOMATION_SECRET,
      template: { username: "{{ .user }}", password },
      overlap: true,
      slotAccounts: { property: "user", names: automationLogins.map((name) => `${name}@${props.domain}`) as [string, string] },
    });
    this.metricsCredential = generatedPassword(this, "metrics-credential", props.credentials, "metrics", {
      ...credentialsAt,
      secretName: METRICS_SECRET,
      template: { username: METRICS_USERNAME, password },
    });
    const platformDns = platform.dns;
    // Only records this stack publishes can follow a rotation; a BYO domain's keys change on a reset.
    const dkimRotates = props.dns.publish && platformDns.rfc2136 !== undefined && platform.credentials.rotationDays.dkim > 0;
    this.dkim = new DkimKeys(this, "dkim", {
      namespace: props.namespace,
      selectors: platformDns.dkimSelectors,
      rsaBits: platformDns.dkimRsaBits,
      openbao: { mount: props.credentials.mount, path: props.dns.dkimOpenBaoPath },
      externalSecrets: platform.externalSecrets,
      stackName: props.instance,
      rotation: dkimRotates ? CredentialRotation.of(this, "dkim", platform.credentials.rotationDays.dkim) : undefined,
      memory: dkimRotates ? StackMemory.of(this, props.namespace) : undefined,
      propagationSeconds: Math.max(3600, platformDns.ttl),
      labels: OWNERSHIP_LABELS,
    });
    const ptr = platform.ptr;
    const ipv6 = servesIpv6(platform.loadBalancer);
    const ptrSpec = ptr && { mode: ptr.mode, name: props.instance, location: ptr.location, ptr: props.mailHost, ipv6 };
    // Hetzner load balancer annotations (the PTR ones included) only work with the Hetzner cloud controller.
    const onHetzner = ptr !== undefined || hasHetznerAnnotations(platform.loadBalancer.annotations);
    if (onHetzner) requireSlots(this, SLOT.hetznerCcm);
    const smartHost = platform.smartHost;
    const smartHostPassword =
      smartHost?.password &&
      existingCredential(this, "smart-host-password", props.credentials, {
        secretName: "stalwart-smart-host",
        namespace: props.namespace,
        path: smartHost.password.openbaoPath,
        property: smartHost.password.property,
      });
    // Backups, when the Sovereign has a repository: the copy runs in the server's pod before Stalwart starts.
    this.backup = platform.backup
      ? new ServerBackup(this, "backup", { serverName: "stalwart", namespace: props.namespace, instance: props.instance, serverImage: platform.image, policy: platform.backup, externalSecrets: platform.externalSecrets, clusterDns })
      : undefined;
    this.server = new StalwartServer(this, "stalwart", {
      namespace: props.namespace,
      instance: props.instance,
      image: platform.image,
      resources: props.capacity,
      storageSize: props.capacity.storage,
      storageClassName: platform.storageClass,
      listeners: props.listeners,
      recoveryAdmin: bootstrap.envRef,
      // Credentials read at start (environment) and the DKIM files: the server starts only with the current ones.
      credentialVersions: [
        { name: "metrics", ...this.metricsCredential.versionCheck },
        { name: "DKIM keys", ...this.dkim.versionCheck },
      ],
      loadBalancer: {
        ...platform.loadBalancer,
        annotations: { ...platform.loadBalancer.annotations, ...(onHetzner ? PRIVATE_INGRESS_OFF : {}), ...(ptrSpec ? loadBalancerAnnotations(ptrSpec) : {}) },
      },
      managementClients: managementClientPeers(platform.managementClients),
      clusterDns,
      secretMounts: [
        { volume: "dkim", secretName: DKIM_SECRET, mountPath: DKIM_DIR },
        ...(props.tlsSecretName ? [{ volume: "tls", secretName: props.tlsSecretName, mountPath: TLS_DIR }] : []),
      ],
      secretEnv: [
        { name: METRICS_PASSWORD_ENV, ref: this.metricsCredential.keyRef("password") },
        ...(smartHostPassword ? [{ name: SMART_HOST_PASSWORD_ENV, ref: smartHostPassword.keyRef(smartHost!.password!.property) }] : []),
      ],
      internalService: props.internalService,
      beforeStart: this.backup && {
        initContainer: this.backup.initContainer,
        volumes: [this.backup.volume],
        // The object storage is outside the cluster.
        egress: { purpose: "object-storage", peer: Peer.publicInternet(), ports: [Port.tcp(443)] },
      },
    });
    addDependsOn(this.server.statefulSet, [
      bootstrap.ready,
      this.metricsCredential.ready,
      this.dkim.externalSecret.manifest,
      ...(smartHostPassword ? [smartHostPassword.ready] : []),
      ...(this.backup ? [this.backup.secret.manifest, this.backup.restoreRequests] : []),
    ]);
    if (ptrSpec?.mode === "terraform") new LoadBalancerPtr(this, "ptr", { ...ptrSpec, service: this.server.mailService });
    const mtaSts = this.server.listeners.some((l) => l.name === "https") ? { mode: platformDns.mtaSts.mode, mx: props.mailHost, maxAgeDays: platformDns.mtaSts.maxAgeDays } : undefined;
    this.plan = buildServerPlan({
      domain: props.domain,
      hostname: props.mailHost,
      listeners: this.server.listeners,
      spamFilter: props.spamFilter,
      internet: props.internet,
      tls: props.tlsSecretName ? { certificateFile: `${TLS_DIR}/tls.crt`, privateKeyFile: `${TLS_DIR}/tls.key` } : undefined,
      smartHost: smartHost && {
        address: smartHost.address,
        port: smartHost.port,
        implicitTls: smartHost.implicitTls,
        username: smartHost.username,
        passwordEnv: smartHostPassword ? SMART_HOST_PASSWORD_ENV : undefined,
      },
    });
    addDkimSignatures(this.plan, this.dkim, ref(PLAN_IDS.domain));
    if (mtaSts) this.plan.update("MtaSts", { mode: mtaSts.mode, maxAge: mtaStsMaxAgeSeconds(mtaSts) * 1000, mxHosts: setOf([mtaSts.mx]) });
    props.configure?.(this.plan);
    addAutomationIdentity(this.plan, automation, automationLogins);
    // While bootstrapping, the recovery admin; after that, the automation identity.
    const login = bootstrap.choose(recoveryAdmin.keyRef("username").name, automation.keyRef("username").name);
    this.applyJob = new ConfigApplyJob(this, "config-apply", {
      server: this.server,
      plan: this.plan,
      image: platform.cliImage,
      username: { name: login, key: "username", external: true },
      password: { name: login, key: "password", external: true },
      clusterDns,
      reloadTlsDaily: props.tlsSecretName !== undefined,
    });
    // The automation password reaches OpenBao (and the Job's next login) only once the server has it.
    addDependsOn(automation.seed, [this.applyJob.job]);
    addDependsOn(this.applyJob.job, [recoveryAdmin.ready]);
    // Recovery off before the restart that follows the Job; the memory is written once the Job succeeded.
    addDependsOn(this.applyJob.restart, [bootstrap.finish([this.applyJob.job])]);
    this.dns = new MailDns(this, "dns", {
      server: this.server,
      domain: props.domain,
      mailHost: props.mailHost,
      spfAll: props.dns.spfAll,
      dmarc: {
        policy: props.dns.dmarcPolicy,
        rua: platformDns.dmarcRua ?? defaultDmarcRua(props.domain),
        adkim: platformDns.adkim,
        aspf: platformDns.aspf,
      },
      dkim: this.dkim.keys,
      mtaStsPolicy: mtaSts && mtaStsPolicyText(mtaSts),
      ipv6,
      ttl: platformDns.ttl,
      publish: props.dns.publish ? platformDns.rfc2136 : undefined,
      labels: OWNERSHIP_LABELS,
    });
    if (props.dns.publish && platformDns.rfc2136) pinProvider(this, "dns");
    // Forward-confirmed rDNS: the plan's EHLO name, the PTR, the MX target and the A/AAAA name agree.
    const problems = forwardConfirmationProblems(props.instance, {
      ehlo: this.plan.settingOf("SystemSettings")?.defaultHostname ?? "",
      ptr: ptrSpec ? [ptrSpec.ptr] : [],
      mxTarget: this.dns.mxTarget,
      addressName: this.dns.addressName,
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));
    // Every object of the stack in the namespace waits for it, including those the stack adds before or after this
    // construct; objects elsewhere (the relay's contract in catalyst-system) and random_password and friends need not.
    this.alerts = platform.monitoring
      ? new ServerAlerts(this, "alerts", {
          kind: props.kind,
          sovereign: platform.sovereign,
          stack: props.instance,
          namespace: props.namespace,
          policy: platform.monitoring,
          certificates: props.tlsSecretName !== undefined,
          backup: this.backup !== undefined,
        })
      : undefined;
    if (namespace) addDependsOnAtSynth(TerraformStack.of(this), [namespace], (r) => namespaceOf(r) === props.namespace);
  }

  /** In-cluster address of the management listener (JMAP management, health, metrics). */
  get managementEndpoint(): string {
    return this.server.managementEndpoint;
  }
}

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
      credentials: slotPasswordCredential(plan, credential, i as 0 | 1),
      roles: { "@type": "Custom", roleIds: setOf([ref(AUTOMATION_ACCOUNT)]) },
    }),
  );
}
