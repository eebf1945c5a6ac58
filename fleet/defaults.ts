import { DEFAULT_KIT_TIMEOUT_SECONDS } from "../kit/selection";

/**
 * Every default of the fleet file, in one place. The object mirrors the schema's paths (`sovereigns[].dns.ttl` is
 * `FLEET_DEFAULTS["sovereigns[]"].dns.ttl`; a key ending in `[]` holds the defaults of a list's elements), so the
 * resolution reads its defaults here and the generated fleet reference (docs/FLEET.md) looks them up by path.
 * Defaults that are a rule rather than a value are in `DEFAULT_RULES`, in words.
 */

const TENANT_DEFAULTS = {
  /** Requests = limits (the clusters' admission policies reject anything else). */
  capacity: { cpu: "500m", memory: "1Gi", storage: "20Gi" },
  /** Terraform writes the tenant's OpenBao paths, so no ExternalSecret ever points at an empty path. */
  secretsSeededElsewhere: false,
} as const;

const RELAY_DEFAULTS = {
  /** System mail only: half a tenant's server. */
  capacity: { cpu: "250m", memory: "512Mi", storage: "10Gi" },
  mode: "sovereign-local",
  /** 465 with implicit TLS: no plaintext phase before TLS (RFC 8314 prefers it to STARTTLS). */
  submission: "implicit-tls",
  senders: [],
  /** The platform's own services (catalyst-system) send the system mail. */
  clients: [{ namespace: "catalyst-system", podLabels: {} }],
  "clients[]": { podLabels: {} },
  mothership: {
    /** Submission (RFC 6409). */
    port: 587,
    /** The key names of the relay's own contract Secret. */
    credentials: {
      secret: { userKey: "smtp-user", passwordKey: "smtp-pass" },
      openbao: { userKey: "smtp-user", passwordKey: "smtp-pass" },
    },
  },
} as const;

const DNS_DEFAULTS = {
  rfc2136: {
    port: 53,
    keyAlgorithm: "hmac-sha256",
  },
  /** Five minutes: a corrected record is seen soon. */
  ttl: 300,
  /** Selectors of our own (`sm-`), apart from any DKIM selector a BYO customer already has. */
  dkimSelectors: { ed25519: "sm-ed25519", rsa: "sm-rsa" },
  /** RFC 8301: signers SHOULD use at least 2048 bits (the checks refuse fewer). */
  dkimRsaBits: 2048,
  /** A tenant domain sends only from its own server (`mx`): anything else fails. */
  tenantSpfAll: "-all",
  relaySpfAll: "~all",
  dmarc: { tenantPolicy: "reject", relayPolicy: "quarantine" },
  /** `testing` (RFC 8461): a failing policy is reported, mail is still delivered. */
  mtaSts: { mode: "testing", maxAgeDays: 7 },
} as const;

const SOVEREIGN_DEFAULTS = {
  cluster: { configPath: "~/.kube/config" },
  stalwart: {
    /** The v0.16 release whose configuration format this project writes. */
    image: "stalwartlabs/stalwart:v0.16.18",
    /** stalwart-cli for the configuration apply Job, pinned by digest (a release whose `apply` knows `upsert`). */
    cliImage: "ghcr.io/stalwartlabs/cli:1.0.13@sha256:9a1e07307d6f890a193322c4b737fc0868405f0f8486a19922cbf362f43884fd",
  },
  loadBalancer: {
    /** The only type allowed: NodePort is forbidden on Sovereign clusters. */
    type: "LoadBalancer",
    annotations: {},
    /** Addresses (and PTRs) for IPv4 and IPv6 where the cluster has both. */
    ipFamilyPolicy: "PreferDualStack",
  },
  managementClients: [],
  "managementClients[]": { podLabels: {} },
  /** Where the cluster DNS (kube-dns/CoreDNS) runs on a stock cluster. */
  clusterDns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } },
  /** The platform's convention for tenant namespaces. */
  tenantNamespaces: { prefix: "org-", create: true },
  relay: RELAY_DEFAULTS,
  /** The platform's Keycloak: one realm per tenant, `<prefix>-<id>`. */
  keycloak: { issuerPattern: "https://keycloak.{domain}/realms/{prefix}-{id}", realmPrefix: "org", clientId: "stalwart" },
  /** The platform's ClusterSecretStore; one hour is also the longest the checks allow (a rotation must arrive within it). */
  externalSecrets: { clusterSecretStore: "vault-region1", refreshInterval: "1h" },
  webmail: {
    enabled: true,
    image: "djmaze/snappymail:v2.38.2",
    /** The platform's console gateway. */
    gateway: { name: "cilium-gateway-console", namespace: "kube-system" },
  },
  /** DNS-01 against the Sovereign's PowerDNS (the platform's issuer). */
  clusterIssuer: "letsencrypt-dns01-prod-powerdns",
  dns: DNS_DEFAULTS,
  /** hcloud-cloud-controller-manager sets the PTR from Service annotations; Terraform needs no hcloud token. */
  ptr: { mode: "ccm" },
  /** Submission (RFC 6409) with STARTTLS. */
  smartHost: { port: 587, implicitTls: false },
  openbao: { mount: "secret" },
  kit: { values: {}, timeoutSeconds: DEFAULT_KIT_TIMEOUT_SECONDS },
  credentials: {
    rotationDays: 180,
    /** Must stay shorter than the submission rotation (checked). */
    overlapDays: 7,
  },
  /** `local` is for development; a real Sovereign sets s3 or pg (generated credentials live in the state). */
  state: {
    backend: "local",
    /** Objects are `<keyPrefix>/<stack>.tfstate`. */
    keyPrefix: "sovereign-mail",
    encrypt: true,
    /** Schemas are `<schemaPrefix>_<stack>`. */
    schemaPrefix: "sovereign_mail",
  },
  tenants: [],
  "tenants[]": TENANT_DEFAULTS,
  backup: {
    /** Night, off the hour and before the daily TLS reload (03:17): a short outage per server while it is copied (sized in docs/OPERATIONS.md). */
    schedule: "47 2 * * *",
    /** A week of days, a month of weeks, half a year of months. */
    retention: { daily: 7, weekly: 4, monthly: 6 },
    image: "restic/restic:0.17.3",
    kubectlImage: "registry.k8s.io/kubectl:v1.31.4",
  },
  /** The kit's telemetry slots where the platform installs them (bp-alloy, bp-mimir, bp-loki, bp-cert-manager). */
  monitoring: {
    /** The name label of bp-alloy's pods (grafana/alloy chart 1.8.0); their namespace is the kit's (a rule). */
    scraper: { podLabels: { "app.kubernetes.io/name": "alloy" } },
    /** Mimir's and Loki's tenant when multi-tenancy is off, as bp-grafana's own datasources use it. */
    tenantId: "anonymous",
    scrapeInterval: "60s",
    alertFolder: "Mail",
    thresholds: {
      /** One message in twenty bouncing is a reputation or DNS problem, not bad luck. */
      bounceRatePercent: 5,
      rescheduledPerHour: 100,
      volumeUsedPercent: 80,
      /** cert-manager renews 30 days ahead: two weeks left means renewal has failed for two weeks. */
      certificateExpiryDays: 14,
      rotationGraceDays: 3,
    },
  },
} as const;

/** Frozen all the way down: resolved fleets share these objects, so no caller may change them. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export const FLEET_DEFAULTS = deepFreeze({ "sovereigns[]": SOVEREIGN_DEFAULTS } as const);

/** The cluster DNS pods when `clusterDns` is not set (constructs/k8s/workload.ts imports this name). */
export const DEFAULT_CLUSTER_DNS = FLEET_DEFAULTS["sovereigns[]"].clusterDns;

/** The host name webmail gets by default: `webmail.<domain>`. */
export const WEBMAIL_HOST_PREFIX = "webmail";

/** The DMARC aggregate report address of a domain when `dns.dmarc.rua` is not set. */
export const defaultDmarcRua = (domain: string): string[] => [`mailto:postmaster@${domain}`];

/** Defaults that are a rule (derived from other fields) or an absence, in words, by schema path. */
export const DEFAULT_RULES: Readonly<Record<string, string>> = {
  "sovereigns[].stalwart.storageClass": "the cluster's default StorageClass",
  "sovereigns[].loadBalancer.loadBalancerClass": "the cluster's default controller",
  "sovereigns[].tenantParentZone": "the Sovereign's `fqdn`",
  "sovereigns[].monitoring.scraper.namespace": "bp-alloy's namespace in the kit (`alloy`)",
  "sovereigns[].monitoring.mimirUrl": "`http://mimir-gateway.<bp-mimir's namespace>.svc.cluster.local:80` (bp-mimir's gateway)",
  "sovereigns[].monitoring.lokiUrl": "`http://loki.<bp-loki's namespace>.svc.cluster.local:3100` (bp-loki, single binary)",
  "sovereigns[].monitoring.certManagerNamespace": "bp-cert-manager's namespace in the kit (`cert-manager`)",
  "sovereigns[].relay.mothership": "none",
  "sovereigns[].relay.keycloakProjection": "not rendered",
  "sovereigns[].relay.keycloakProjection.clientSecret": "none (`kc-sa-client-secret` empty)",
  "sovereigns[].relay.keycloakProjection.audience": "the client id",
  "sovereigns[].kit": "none (the platform is installed by other means)",
  "sovereigns[].kit.versions": "the version in `kit/chart-versions.yaml`",
  "sovereigns[].kit.namespaces": "the slot's usual namespace (see [Bootstrap kit](KIT.md#bootstrap-kit))",
  "sovereigns[].dns.rfc2136": "not published (records are outputs only)",
  "sovereigns[].dns.dmarc.rua": `\`${defaultDmarcRua("<domain>").join(",")}\``,
  "sovereigns[].dns.dmarc.adkim": "relaxed (`r`, left out of the record)",
  "sovereigns[].dns.dmarc.aspf": "relaxed (`r`, left out of the record)",
  "sovereigns[].ptr": "none (no PTR is managed)",
  "sovereigns[].smartHost": "direct delivery",
  "sovereigns[].credentials.classes.admin.rotationDays": "`credentials.rotationDays`",
  "sovereigns[].credentials.classes.submission.rotationDays": "`credentials.rotationDays`",
  "sovereigns[].credentials.classes.metrics.rotationDays": "`credentials.rotationDays`",
  "sovereigns[].credentials.classes.oidc.rotationDays": "`credentials.rotationDays`",
  "sovereigns[].credentials.classes.dkim.rotationDays": "`credentials.rotationDays`",
  "sovereigns[].state.endpoint": "AWS S3",
  "sovereigns[].state.kmsKeyId": "none (SSE-S3)",
  "sovereigns[].tenants[].domain.parentZone": "the Sovereign's `tenantParentZone`",
  "sovereigns[].tenants[].namespace": "`<tenantNamespaces.prefix><id>`",
  "sovereigns[].tenants[].oidc.issuerUrl": "`keycloak.issuerPattern` filled in",
  "sovereigns[].tenants[].webmail.enabled": "the Sovereign's `webmail.enabled`",
  "sovereigns[].tenants[].webmail.host": `\`${WEBMAIL_HOST_PREFIX}.<domain>\``,
};

/** Looks a default up by its schema path (`sovereigns[].dns.ttl`); undefined when the field has no literal default. */
export function defaultAt(path: string): unknown {
  let node: unknown = FLEET_DEFAULTS;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
