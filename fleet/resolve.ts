import {
  DEFAULT_CLUSTER_ISSUER,
  DEFAULT_CLUSTER_SECRET_STORE,
  DEFAULT_GATEWAY,
  DEFAULT_ISSUER_PATTERN,
  DEFAULT_OIDC_CLIENT_ID,
  DEFAULT_REALM_PREFIX,
  DEFAULT_REFRESH_INTERVAL,
  DEFAULT_WEBMAIL_IMAGE,
  WEBMAIL_HOST_PREFIX,
  DEFAULT_MOTHERSHIP_PORT,
  DEFAULT_OPENBAO_MOUNT,
  DEFAULT_OVERLAP_DAYS,
  DEFAULT_ROTATION_DAYS,
  DEFAULT_RELAY_CLIENTS,
  RELAY_SENDER_LOCAL_PART,
  DEFAULT_CLI_IMAGE,
  DEFAULT_CLUSTER_DNS,
  DEFAULT_KUBECONFIG_PATH,
  DEFAULT_RELAY_CAPACITY,
  DEFAULT_TENANT_CAPACITY,
  DEFAULT_TENANT_NAMESPACE_PREFIX,
  RELAY_NAMESPACE,
  DEFAULT_STATE_KEY_PREFIX,
  DEFAULT_STATE_SCHEMA_PREFIX,
} from "./defaults";
import { CREDENTIAL_CLASSES, type Capacity, type CredentialClass, type CredentialPolicy, type Fleet, type Mothership, type Relay, type RelayBase, type Sovereign, type SovereignPlatform, type StateBackend, type Tenant } from "./model";
import { requireLock, type ChartLock } from "../kit/chart-versions";
import type { KitSlot } from "../kit/dag-file";
import { selectKit } from "../kit/selection";
import { SLOT } from "../kit/slots";
import { credentialsBase, RELAY_CREDENTIALS_OWNER, freeSubdomainOf, kitStackName, mailHostOf, relayStackName, tenantStackName } from "./names";
import { DEFAULT_STALWART_IMAGE, type CapacityInput, type FleetInput, type SovereignInput, type TenantInput } from "./schema";

const withDefaults = (input: CapacityInput | undefined, defaults: Capacity): Capacity => ({
  cpu: input?.cpu ?? defaults.cpu,
  memory: input?.memory ?? defaults.memory,
  storage: input?.storage ?? defaults.storage,
});

function resolvePlatform(s: SovereignInput): SovereignPlatform {
  const image = s.stalwart?.image ?? DEFAULT_STALWART_IMAGE;
  return {
    cluster: { configPath: s.cluster.configPath ?? DEFAULT_KUBECONFIG_PATH, context: s.cluster.context },
    image: s.stalwart?.digest ? `${image}@${s.stalwart.digest}` : image,
    cliImage: s.stalwart?.cliImage ?? DEFAULT_CLI_IMAGE,
    storageClass: s.stalwart?.storageClass,
    loadBalancer: {
      annotations: s.loadBalancer?.annotations ?? {},
      loadBalancerClass: s.loadBalancer?.loadBalancerClass,
      ipFamilyPolicy: s.loadBalancer?.ipFamilyPolicy ?? "PreferDualStack",
    },
    managementClients: (s.managementClients ?? []).map((c) => ({ namespace: c.namespace, podLabels: c.podLabels ?? {} })),
    clusterDns: {
      namespace: s.clusterDns?.namespace ?? DEFAULT_CLUSTER_DNS.namespace,
      podLabels: s.clusterDns?.podLabels ?? DEFAULT_CLUSTER_DNS.podLabels,
    },
    dns: {
      rfc2136: s.dns?.rfc2136 && {
        ...s.dns.rfc2136,
        port: s.dns.rfc2136.port ?? 53,
        // hashicorp/dns 3.4.3 (internal/provider/config.go): "key_name" should be fully-qualified.
        keyName: s.dns.rfc2136.keyName.replace(/\.?$/, "."),
        keyAlgorithm: s.dns.rfc2136.keyAlgorithm ?? "hmac-sha256",
      },
      ttl: s.dns?.ttl ?? 300,
      dkimSelectors: { ed25519: s.dns?.dkimSelectors?.ed25519 ?? "sm-ed25519", rsa: s.dns?.dkimSelectors?.rsa ?? "sm-rsa" },
      dkimRsaBits: s.dns?.dkimRsaBits ?? 2048,
      tenantSpfAll: s.dns?.tenantSpfAll ?? "-all",
      relaySpfAll: s.dns?.relaySpfAll ?? "~all",
      tenantDmarcPolicy: s.dns?.dmarc?.tenantPolicy ?? "reject",
      relayDmarcPolicy: s.dns?.dmarc?.relayPolicy ?? "quarantine",
      dmarcRua: s.dns?.dmarc?.rua,
      adkim: s.dns?.dmarc?.adkim,
      aspf: s.dns?.dmarc?.aspf,
      mtaSts: { mode: s.dns?.mtaSts?.mode ?? "testing", maxAgeDays: s.dns?.mtaSts?.maxAgeDays ?? 7 },
    },
    ptr: s.ptr && { mode: s.ptr.mode ?? "ccm", location: s.ptr.location },
    externalSecrets: {
      clusterSecretStore: s.externalSecrets?.clusterSecretStore ?? DEFAULT_CLUSTER_SECRET_STORE,
      refreshInterval: s.externalSecrets?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
    },
    smartHost: s.smartHost && { ...s.smartHost, port: s.smartHost.port ?? 587, implicitTls: s.smartHost.implicitTls ?? false },
    openbao: s.openbao ? { address: s.openbao.address, mount: s.openbao.mount ?? DEFAULT_OPENBAO_MOUNT } : undefined,
    state: resolveState(s.state),
    credentials: resolveCredentials(s.credentials),
  };
}

function resolveCredentials(c: SovereignInput["credentials"]): CredentialPolicy {
  const every = c?.rotationDays ?? DEFAULT_ROTATION_DAYS;
  return {
    rotationDays: Object.fromEntries(CREDENTIAL_CLASSES.map((cls) => [cls, c?.classes?.[cls]?.rotationDays ?? every])) as Record<CredentialClass, number>,
    overlapDays: c?.overlapDays ?? DEFAULT_OVERLAP_DAYS,
  };
}

function resolveState(state: SovereignInput["state"]): StateBackend {
  switch (state?.backend) {
    case undefined:
    case "local":
      return { backend: "local" };
    case "s3":
      return { ...state, keyPrefix: state.keyPrefix ?? DEFAULT_STATE_KEY_PREFIX, encrypt: state.encrypt ?? true };
    case "pg":
      return { backend: "pg", schemaPrefix: state.schemaPrefix ?? DEFAULT_STATE_SCHEMA_PREFIX };
  }
}

function resolveTenant(s: SovereignInput, t: TenantInput, fleetPath: string): Tenant {
  const domain =
    t.domain.mode === "byo" ? t.domain.name : freeSubdomainOf(t.id, t.domain.parentZone ?? s.tenantParentZone ?? s.fqdn);
  const prefix = s.keycloak?.realmPrefix ?? DEFAULT_REALM_PREFIX;
  const issuerUrl =
    t.oidc?.issuerUrl ??
    (s.keycloak?.issuerPattern ?? DEFAULT_ISSUER_PATTERN).replaceAll("{domain}", domain).replaceAll("{prefix}", prefix).replaceAll("{id}", t.id);
  const secretsBase = credentialsBase(s.fqdn, t.id);
  const webmailEnabled = t.webmail?.enabled ?? s.webmail?.enabled ?? true;
  return {
    id: t.id,
    stackName: tenantStackName(s.name, t.id),
    domainMode: t.domain.mode,
    domain,
    mailHost: mailHostOf(domain),
    namespace: t.namespace ?? `${s.tenantNamespaces?.prefix ?? DEFAULT_TENANT_NAMESPACE_PREFIX}${t.id}`,
    createNamespace: s.tenantNamespaces?.create ?? true,
    capacity: withDefaults(t.capacity, DEFAULT_TENANT_CAPACITY),
    oidc: { issuerUrl, clientId: s.keycloak?.clientId ?? DEFAULT_OIDC_CLIENT_ID },
    webmail: webmailEnabled
      ? {
          host: t.webmail?.host ?? `${WEBMAIL_HOST_PREFIX}.${domain}`,
          image: s.webmail?.image ?? DEFAULT_WEBMAIL_IMAGE,
          gateway: s.webmail?.gateway ?? DEFAULT_GATEWAY,
        }
      : undefined,
    secrets: {
      basePath: secretsBase,
      adminPath: `${secretsBase}/admin`,
      oidcPath: `${secretsBase}/oidc`,
      dkimPath: `${secretsBase}/dkim`,
      seedFromTerraform: !(t.secretsSeededElsewhere ?? false),
    },
    clusterIssuer: s.clusterIssuer ?? DEFAULT_CLUSTER_ISSUER,
    fleetPath,
  };
}

function resolveRelay(s: SovereignInput, registry: readonly KitSlot[]): Relay {
  const r = s.relay;
  const m = r?.mothership;
  const mothership: Mothership | undefined = m && {
    host: m.host,
    port: m.port ?? DEFAULT_MOTHERSHIP_PORT,
    from: m.from,
    credentials:
      "secret" in m.credentials
        ? { kind: "secret", ...m.credentials.secret, userKey: m.credentials.secret.userKey ?? "smtp-user", passwordKey: m.credentials.secret.passwordKey ?? "smtp-pass" }
        : { kind: "openbao", ...m.credentials.openbao, userKey: m.credentials.openbao.userKey ?? "smtp-user", passwordKey: m.credentials.openbao.passwordKey ?? "smtp-pass" },
  };
  const base: RelayBase = {
    stackName: relayStackName(s.name),
    domain: s.fqdn,
    mailHost: mailHostOf(s.fqdn),
    namespace: RELAY_NAMESPACE,
    capacity: withDefaults(r?.capacity, DEFAULT_RELAY_CAPACITY),
    submissionListener: r?.submission === "starttls" ? "submission" : "submissions",
    senderAddress: `${RELAY_SENDER_LOCAL_PART}@${s.fqdn}`,
    aliases: [...new Set((r?.senders ?? []).map((a) => a.slice(0, a.lastIndexOf("@"))))].filter((l) => l !== RELAY_SENDER_LOCAL_PART).sort(),
    clients: (r?.clients ?? DEFAULT_RELAY_CLIENTS).map((c) => ({ namespace: c.namespace, podLabels: c.podLabels ?? {} })),
    keycloakProjection: r?.keycloakProjection,
    credentialsPath: credentialsBase(s.fqdn, RELAY_CREDENTIALS_OWNER),
    dkimPath: `${credentialsBase(s.fqdn, RELAY_CREDENTIALS_OWNER)}/dkim`,
    requiredSlots: registry.find((slot) => slot.name === SLOT.relay)?.dependsOn ?? [],
  };
  // The cross-checks guarantee the details of a mothership relay.
  return r?.mode === "mothership" && mothership ? { ...base, mode: "mothership", mothership } : { ...base, mode: "sovereign-local" };
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
      tenants: (s.tenants ?? []).map((t, j) => resolveTenant(s, t, `sovereigns[${i}].tenants[${j}]`)),
      fleetPath: `sovereigns[${i}]`,
    })),
  };
}
