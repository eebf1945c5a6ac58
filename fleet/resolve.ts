import { FLEET_DEFAULTS, WEBMAIL_HOST_PREFIX } from "./defaults";
import { CREDENTIAL_CLASSES, type Capacity, type CredentialClass, type CredentialPolicy, type Fleet, type MonitoringPolicy, type Mothership, type Relay, type RelayBase, type Sovereign, type SovereignPlatform, type StateBackend, type Tenant } from "./model";
import { requireLock, type ChartLock } from "../kit/chart-versions";
import type { KitSlot } from "../kit/dag-file";
import { selectKit } from "../kit/selection";
import { SLOT, usualNamespaceOf } from "../kit/slots";
import { credentialsBase, RELAY_CREDENTIALS_OWNER, RELAY_NAMESPACE, RELAY_SENDER_LOCAL_PART, freeSubdomainOf, kitStackName, mailHostOf, relayStackName, tenantStackName } from "./names";
import type { CapacityInput, FleetInput, SovereignInput, TenantInput } from "./schema";

const D = FLEET_DEFAULTS["sovereigns[]"];
const TENANT = D["tenants[]"];
const RELAY = D.relay;

/** The relay's submission listener for each `relay.submission` choice. */
const SUBMISSION_LISTENER = { "implicit-tls": "submissions", starttls: "submission" } as const;

const withDefaults = (input: CapacityInput | undefined, defaults: Capacity): Capacity => ({
  cpu: input?.cpu ?? defaults.cpu,
  memory: input?.memory ?? defaults.memory,
  storage: input?.storage ?? defaults.storage,
});

function resolvePlatform(s: SovereignInput): SovereignPlatform {
  const image = s.stalwart?.image ?? D.stalwart.image;
  const monitoring = s.monitoring && resolveMonitoring(s, s.monitoring);
  return {
    sovereign: s.name,
    cluster: { configPath: s.cluster.configPath ?? D.cluster.configPath, context: s.cluster.context },
    image: s.stalwart?.digest ? `${image}@${s.stalwart.digest}` : image,
    cliImage: s.stalwart?.cliImage ?? D.stalwart.cliImage,
    storageClass: s.stalwart?.storageClass,
    loadBalancer: {
      annotations: s.loadBalancer?.annotations ?? D.loadBalancer.annotations,
      loadBalancerClass: s.loadBalancer?.loadBalancerClass,
      ipFamilyPolicy: s.loadBalancer?.ipFamilyPolicy ?? D.loadBalancer.ipFamilyPolicy,
    },
    managementClients: [
      ...(s.managementClients ?? D.managementClients).map((c) => ({ namespace: c.namespace, podLabels: c.podLabels ?? D["managementClients[]"].podLabels })),
      // The scraper needs the management listener like any other client (once, if the fleet lists it too).
      ...(monitoring ? [monitoring.scraper] : []),
    ].filter((c, i, all) => all.findIndex((o) => JSON.stringify(o) === JSON.stringify(c)) === i),
    clusterDns: {
      namespace: s.clusterDns?.namespace ?? D.clusterDns.namespace,
      podLabels: s.clusterDns?.podLabels ?? D.clusterDns.podLabels,
    },
    dns: {
      rfc2136: s.dns?.rfc2136 && {
        ...s.dns.rfc2136,
        port: s.dns.rfc2136.port ?? D.dns.rfc2136.port,
        // hashicorp/dns 3.4.3 (internal/provider/config.go): "key_name" should be fully-qualified.
        keyName: s.dns.rfc2136.keyName.replace(/\.?$/, "."),
        keyAlgorithm: s.dns.rfc2136.keyAlgorithm ?? D.dns.rfc2136.keyAlgorithm,
      },
      ttl: s.dns?.ttl ?? D.dns.ttl,
      dkimSelectors: { ed25519: s.dns?.dkimSelectors?.ed25519 ?? D.dns.dkimSelectors.ed25519, rsa: s.dns?.dkimSelectors?.rsa ?? D.dns.dkimSelectors.rsa },
      dkimRsaBits: s.dns?.dkimRsaBits ?? D.dns.dkimRsaBits,
      tenantSpfAll: s.dns?.tenantSpfAll ?? D.dns.tenantSpfAll,
      relaySpfAll: s.dns?.relaySpfAll ?? D.dns.relaySpfAll,
      tenantDmarcPolicy: s.dns?.dmarc?.tenantPolicy ?? D.dns.dmarc.tenantPolicy,
      relayDmarcPolicy: s.dns?.dmarc?.relayPolicy ?? D.dns.dmarc.relayPolicy,
      dmarcRua: s.dns?.dmarc?.rua,
      adkim: s.dns?.dmarc?.adkim,
      aspf: s.dns?.dmarc?.aspf,
      mtaSts: { mode: s.dns?.mtaSts?.mode ?? D.dns.mtaSts.mode, maxAgeDays: s.dns?.mtaSts?.maxAgeDays ?? D.dns.mtaSts.maxAgeDays },
    },
    ptr: s.ptr && { mode: s.ptr.mode ?? D.ptr.mode, location: s.ptr.location },
    backup: s.backup && {
      repository: s.backup.repository,
      credentialsPath: s.backup.credentialsPath,
      schedule: s.backup.schedule ?? D.backup.schedule,
      retention: {
        daily: s.backup.retention?.daily ?? D.backup.retention.daily,
        weekly: s.backup.retention?.weekly ?? D.backup.retention.weekly,
        monthly: s.backup.retention?.monthly ?? D.backup.retention.monthly,
      },
      image: s.backup.image ?? D.backup.image,
      kubectlImage: s.backup.kubectlImage ?? D.backup.kubectlImage,
    },
    monitoring,
    externalSecrets: {
      clusterSecretStore: s.externalSecrets?.clusterSecretStore ?? D.externalSecrets.clusterSecretStore,
      refreshInterval: s.externalSecrets?.refreshInterval ?? D.externalSecrets.refreshInterval,
    },
    smartHost: s.smartHost && { ...s.smartHost, port: s.smartHost.port ?? D.smartHost.port, implicitTls: s.smartHost.implicitTls ?? D.smartHost.implicitTls },
    openbao: s.openbao ? { address: s.openbao.address, mount: s.openbao.mount ?? D.openbao.mount } : undefined,
    state: resolveState(s.state),
    credentials: resolveCredentials(s.credentials),
  };
}

function resolveMonitoring(s: SovereignInput, m: NonNullable<SovereignInput["monitoring"]>): MonitoringPolicy {
  const M = D.monitoring;
  // The telemetry slots are where the kit installs them.
  const at = (slot: string) => s.kit?.namespaces?.[slot] ?? usualNamespaceOf(slot);
  return {
    scraper: { namespace: m.scraper?.namespace ?? at(SLOT.alloy), podLabels: m.scraper?.podLabels ?? M.scraper.podLabels },
    mimirUrl: (m.mimirUrl ?? `http://mimir-gateway.${at(SLOT.mimir)}.svc.cluster.local:80`).replace(/\/$/, ""),
    lokiUrl: (m.lokiUrl ?? `http://loki.${at(SLOT.loki)}.svc.cluster.local:3100`).replace(/\/$/, ""),
    tenantId: m.tenantId ?? M.tenantId,
    scrapeInterval: m.scrapeInterval ?? M.scrapeInterval,
    certManagerNamespace: m.certManagerNamespace ?? at(SLOT.certManager),
    alertFolder: m.alertFolder ?? M.alertFolder,
    thresholds: {
      bounceRatePercent: m.thresholds?.bounceRatePercent ?? M.thresholds.bounceRatePercent,
      rescheduledPerHour: m.thresholds?.rescheduledPerHour ?? M.thresholds.rescheduledPerHour,
      volumeUsedPercent: m.thresholds?.volumeUsedPercent ?? M.thresholds.volumeUsedPercent,
      certificateExpiryDays: m.thresholds?.certificateExpiryDays ?? M.thresholds.certificateExpiryDays,
      rotationGraceDays: m.thresholds?.rotationGraceDays ?? M.thresholds.rotationGraceDays,
    },
  };
}

function resolveCredentials(c: SovereignInput["credentials"]): CredentialPolicy {
  const every = c?.rotationDays ?? D.credentials.rotationDays;
  return {
    rotationDays: Object.fromEntries(CREDENTIAL_CLASSES.map((cls) => [cls, c?.classes?.[cls]?.rotationDays ?? every])) as Record<CredentialClass, number>,
    overlapDays: c?.overlapDays ?? D.credentials.overlapDays,
  };
}

function resolveState(state: SovereignInput["state"]): StateBackend {
  const chosen = state ?? { backend: D.state.backend };
  switch (chosen.backend) {
    case "local":
      return { backend: "local" };
    case "s3":
      return { ...chosen, keyPrefix: chosen.keyPrefix ?? D.state.keyPrefix, encrypt: chosen.encrypt ?? D.state.encrypt };
    case "pg":
      return { backend: "pg", schemaPrefix: chosen.schemaPrefix ?? D.state.schemaPrefix };
  }
}

function resolveTenant(s: SovereignInput, t: TenantInput, fleetPath: string): Tenant {
  const domain =
    t.domain.mode === "byo" ? t.domain.name : freeSubdomainOf(t.id, t.domain.parentZone ?? s.tenantParentZone ?? s.fqdn);
  const prefix = s.keycloak?.realmPrefix ?? D.keycloak.realmPrefix;
  const issuerUrl =
    t.oidc?.issuerUrl ??
    (s.keycloak?.issuerPattern ?? D.keycloak.issuerPattern).replaceAll("{domain}", domain).replaceAll("{prefix}", prefix).replaceAll("{id}", t.id);
  const secretsBase = credentialsBase(s.fqdn, t.id);
  const webmailEnabled = t.webmail?.enabled ?? s.webmail?.enabled ?? D.webmail.enabled;
  return {
    id: t.id,
    stackName: tenantStackName(s.name, t.id),
    domainMode: t.domain.mode,
    domain,
    mailHost: mailHostOf(domain),
    namespace: t.namespace ?? `${s.tenantNamespaces?.prefix ?? D.tenantNamespaces.prefix}${t.id}`,
    createNamespace: s.tenantNamespaces?.create ?? D.tenantNamespaces.create,
    capacity: withDefaults(t.capacity, TENANT.capacity),
    oidc: { issuerUrl, clientId: s.keycloak?.clientId ?? D.keycloak.clientId },
    webmail: webmailEnabled
      ? {
          host: t.webmail?.host ?? `${WEBMAIL_HOST_PREFIX}.${domain}`,
          image: s.webmail?.image ?? D.webmail.image,
          gateway: s.webmail?.gateway ?? D.webmail.gateway,
        }
      : undefined,
    secrets: {
      basePath: secretsBase,
      adminPath: `${secretsBase}/admin`,
      oidcPath: `${secretsBase}/oidc`,
      dkimPath: `${secretsBase}/dkim`,
      seedFromTerraform: !(t.secretsSeededElsewhere ?? TENANT.secretsSeededElsewhere),
    },
    clusterIssuer: s.clusterIssuer ?? D.clusterIssuer,
    fleetPath,
    // A Sovereign that leaves takes its tenants along.
    offboarding: t.offboarding ?? s.offboarding,
  };
}

function resolveRelay(s: SovereignInput, registry: readonly KitSlot[]): Relay {
  const r = s.relay;
  const m = r?.mothership;
  const mothership: Mothership | undefined = m && {
    host: m.host,
    port: m.port ?? RELAY.mothership.port,
    from: m.from,
    credentials:
      "secret" in m.credentials
        ? { kind: "secret", ...m.credentials.secret, userKey: m.credentials.secret.userKey ?? RELAY.mothership.credentials.secret.userKey, passwordKey: m.credentials.secret.passwordKey ?? RELAY.mothership.credentials.secret.passwordKey }
        : { kind: "openbao", ...m.credentials.openbao, userKey: m.credentials.openbao.userKey ?? RELAY.mothership.credentials.openbao.userKey, passwordKey: m.credentials.openbao.passwordKey ?? RELAY.mothership.credentials.openbao.passwordKey },
  };
  const base: RelayBase = {
    stackName: relayStackName(s.name),
    domain: s.fqdn,
    mailHost: mailHostOf(s.fqdn),
    namespace: RELAY_NAMESPACE,
    capacity: withDefaults(r?.capacity, RELAY.capacity),
    submissionListener: SUBMISSION_LISTENER[r?.submission ?? RELAY.submission],
    senderAddress: `${RELAY_SENDER_LOCAL_PART}@${s.fqdn}`,
    aliases: [...new Set((r?.senders ?? RELAY.senders).map((a) => a.slice(0, a.lastIndexOf("@"))))].filter((l) => l !== RELAY_SENDER_LOCAL_PART).sort(),
    clients: (r?.clients ?? RELAY.clients).map((c) => ({ namespace: c.namespace, podLabels: c.podLabels ?? RELAY["clients[]"].podLabels })),
    keycloakProjection: r?.keycloakProjection,
    credentialsPath: credentialsBase(s.fqdn, RELAY_CREDENTIALS_OWNER),
    dkimPath: `${credentialsBase(s.fqdn, RELAY_CREDENTIALS_OWNER)}/dkim`,
    requiredSlots: registry.find((slot) => slot.name === SLOT.relay)?.dependsOn ?? [],
    offboarding: s.offboarding,
  };
  // The cross-checks guarantee the details of a mothership relay.
  return (r?.mode ?? RELAY.mode) === "mothership" && mothership ? { ...base, mode: "mothership", mothership } : { ...base, mode: "sovereign-local" };
}

/**
 * Applies defaults and derives names. Pure: the same input always resolves to the same fleet.
 * Expects a fleet whose kit selections passed the cross-checks; kit versions come from `lock` (needed only when a
 * Sovereign has a kit) unless the fleet pins them.
 */
export function resolveFleet(input: FleetInput, source: string, registry: readonly KitSlot[], lock: ChartLock | undefined): Fleet {
  return {
    source,
    sovereigns: input.sovereigns.map((s, i): Sovereign => ({
      name: s.name,
      fqdn: s.fqdn,
      platform: resolvePlatform(s),
      relay: resolveRelay(s, registry),
      kit: s.kit ? selectKit(s.kit, registry, kitStackName(s.name), requireLock(lock)) : undefined,
      tenants: (s.tenants ?? D.tenants).map((t, j) => resolveTenant(s, t, `sovereigns[${i}].tenants[${j}]`)),
      fleetPath: `sovereigns[${i}]`,
    })),
  };
}
