import type { Kit } from "../kit/model";
/**
 * The resolved fleet: every default applied and every derived name computed once, so constructs and stacks
 * never re-derive (and never disagree about) a name.
 */

export interface Capacity {
  /** CPU request = limit. */
  readonly cpu: string;
  /** Memory request = limit. */
  readonly memory: string;
  /** Data volume size (message store and queue). */
  readonly storage: string;
}

export interface ClusterAccess {
  readonly configPath: string;
  readonly context: string;
}

export interface LoadBalancerOptions {
  readonly annotations: Readonly<Record<string, string>>;
  readonly loadBalancerClass?: string;
  readonly ipFamilyPolicy: "SingleStack" | "PreferDualStack" | "RequireDualStack";
}

export interface PodSetRef {
  readonly namespace: string;
  /** Empty: every pod of the namespace. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** What every mail server of one Sovereign shares. */
/** Where a stack keeps its Terraform state. Credentials for it come from the environment, never the fleet. */
export type StateBackend =
  | { readonly backend: "local" }
  | {
      readonly backend: "s3";
      readonly bucket: string;
      readonly region: string;
      readonly endpoint?: string;
      readonly keyPrefix: string;
      readonly encrypt: boolean;
      readonly kmsKeyId?: string;
    }
  | { readonly backend: "pg"; readonly schemaPrefix: string };

/** The credentials Terraform generates into OpenBao, by rotation policy; each is also the leaf of its OpenBao path. */
export const CREDENTIAL_CLASSES = ["admin", "submission", "metrics", "oidc", "dkim"] as const;
export type CredentialClass = (typeof CREDENTIAL_CLASSES)[number];

export interface CredentialPolicy {
  /** Days between automatic rotations by class; 0: never automatically. */
  readonly rotationDays: Readonly<Record<CredentialClass, number>>;
  /** Days the previous submission password stays valid after a rotation. */
  readonly overlapDays: number;
}

export interface SovereignPlatform {
  /** The Sovereign's name (the `sovereign` label of its servers' metrics and alerts). */
  readonly sovereign: string;
  readonly cluster: ClusterAccess;
  /** Full image reference, digest appended when pinned. */
  readonly image: string;
  /** Image of the configuration apply Job. */
  readonly cliImage: string;
  readonly storageClass?: string;
  readonly loadBalancer: LoadBalancerOptions;
  readonly managementClients: readonly PodSetRef[];
  readonly clusterDns: PodSetRef;
  readonly dns: DnsPolicy;
  readonly ptr?: Ptr;
  readonly smartHost?: SmartHost;
  /** How secrets reach the cluster from OpenBao. */
  readonly externalSecrets: { readonly clusterSecretStore: string; readonly refreshInterval: string };
  /** OpenBao, when configured. */
  readonly openbao?: OpenBao;
  readonly state: StateBackend;
  readonly credentials: CredentialPolicy;
  /** Backups of every mail server. @default none (synthesis warns) */
  readonly backup?: BackupPolicy;
  /** Metrics, alerts and dashboards of every mail server. @default none (synthesis warns) */
  readonly monitoring?: MonitoringPolicy;
}

/** Where the kit's telemetry runs and when the mail alerts fire. */
export interface MonitoringPolicy {
  /** The Alloy pods that scrape the servers. */
  readonly scraper: PodSetRef;
  readonly mimirUrl: string;
  readonly lokiUrl: string;
  readonly tenantId: string;
  readonly scrapeInterval: string;
  readonly certManagerNamespace: string;
  readonly alertFolder: string;
  readonly thresholds: {
    readonly bounceRatePercent: number;
    readonly rescheduledPerHour: number;
    readonly volumeUsedPercent: number;
    readonly certificateExpiryDays: number;
    readonly rotationGraceDays: number;
  };
}

export type DomainMode = "free-subdomain" | "byo";

export interface TenantOidc {
  readonly issuerUrl: string;
  /** `requireAudience`: the Stalwart client id. */
  readonly clientId: string;
}

export interface TenantWebmail {
  readonly host: string;
  readonly image: string;
  readonly gateway: { readonly name: string; readonly namespace: string };
}

/** Where a tenant's secrets live in OpenBao, and how they reach the cluster. */
export interface TenantSecrets {
  /** `sovereign/<fqdn>/stalwart/<id>`: every credential of the tenant's server is a path below it. */
  readonly basePath: string;
  /** `sovereign/<fqdn>/stalwart/<id>/admin` */
  readonly adminPath: string;
  /** `sovereign/<fqdn>/stalwart/<id>/oidc` */
  readonly oidcPath: string;
  /** `sovereign/<fqdn>/stalwart/<id>/dkim`: the DKIM private keys. */
  readonly dkimPath: string;
  /** Terraform writes the paths (unless seeded elsewhere), so an ExternalSecret never points at an empty path. */
  readonly seedFromTerraform: boolean;
}

export interface Tenant {
  readonly id: string;
  /** `<sovereign>-tenant-<id>` */
  readonly stackName: string;
  readonly domainMode: DomainMode;
  /** The tenant's mail domain. */
  readonly domain: string;
  /** MX target, EHLO name and PTR value: `mail.<domain>`. */
  readonly mailHost: string;
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly capacity: Capacity;
  readonly oidc: TenantOidc;
  /** Undefined when webmail is disabled. */
  readonly webmail?: TenantWebmail;
  readonly secrets: TenantSecrets;
  /** cert-manager ClusterIssuer for the mail (and webmail) host certificate. */
  readonly clusterIssuer: string;
  /** Where this tenant sits in the fleet file, for error messages (`sovereigns[0].tenants[1]`). */
  readonly fleetPath: string;
  /** The tenant (or its whole Sovereign) is leaving. @default not leaving */
  readonly offboarding?: Offboarding;
}

/** Where and when a Sovereign's mail servers are backed up (restic, cold: before Stalwart starts). */
export interface BackupPolicy {
  /** `s3:https://<endpoint>/<bucket>[/<prefix>]`; each server uses `<repository>/<stack>`. */
  readonly repository: string;
  /** OpenBao path with `RESTIC_PASSWORD`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`. */
  readonly credentialsPath: string;
  /** Cron schedule of the restart that takes the backup. */
  readonly schedule: string;
  readonly retention: { readonly daily: number; readonly weekly: number; readonly monthly: number };
  readonly image: string;
  readonly kubectlImage: string;
}

/** A mail stack on its way out: it stays, with its mailboxes, until `retainUntil`; only then may it leave the fleet. */
export interface Offboarding {
  /** The backup taken once mail stopped arriving. */
  readonly finalBackup: string;
  /** `YYYY-MM-DD` (UTC): the last day the stack must stay. */
  readonly retainUntil: string;
}

export type MothershipCredentials =
  | { readonly kind: "secret"; readonly namespace: string; readonly name: string; readonly userKey: string; readonly passwordKey: string }
  | { readonly kind: "openbao"; readonly path: string; readonly userKey: string; readonly passwordKey: string };

export interface Mothership {
  readonly host: string;
  readonly port: number;
  readonly from: string;
  readonly credentials: MothershipCredentials;
}

export interface KeycloakProjection {
  readonly addr: string;
  readonly realm: string;
  readonly clientId: string;
  readonly audience?: string;
  readonly clientSecret?: { readonly namespace: string; readonly name: string; readonly key: string };
}

/** What every relay has, whichever relay its consumers are pointed at. */
export interface RelayBase {
  /** `<sovereign>-mail` */
  readonly stackName: string;
  /** The relay's domain: the Sovereign FQDN. */
  readonly domain: string;
  /** `mail.<fqdn>` */
  readonly mailHost: string;
  readonly namespace: string;
  readonly capacity: Capacity;
  /** The submission listener: `submissions` (465, implicit TLS) or `submission` (587, STARTTLS). */
  readonly submissionListener: "submissions" | "submission";
  /** The submission account's address and envelope sender: `noreply@<fqdn>`. */
  readonly senderAddress: string;
  /** Further From addresses (local parts in the relay domain) the account may send as. */
  readonly aliases: readonly string[];
  /** In-cluster pods that submit mail. */
  readonly clients: readonly PodSetRef[];
  readonly keycloakProjection?: KeycloakProjection;
  /** `sovereign/<fqdn>/stalwart/relay`: every credential of the relay's server is a path below it. */
  readonly credentialsPath: string;
  /** `sovereign/<fqdn>/stalwart/relay/dkim`: the DKIM private keys. */
  readonly dkimPath: string;
  /** Bootstrap-kit slots the relay needs: slot 95's dependencies in the registry. */
  readonly requiredSlots: readonly string[];
  /** The whole Sovereign is leaving. @default not leaving */
  readonly offboarding?: Offboarding;
}

/** The relay: consumers use this Sovereign's own server ("sovereign-local") or a central one ("mothership"). */
export type Relay = (RelayBase & { readonly mode: "sovereign-local" }) | (RelayBase & { readonly mode: "mothership"; readonly mothership: Mothership });

/** The SPF `all` term (RFC 7208 §5.1): fail, softfail or neutral for every sender not listed. */
export const SPF_ALL_TERMS = ["-all", "~all", "?all"] as const;
export type SpfAll = (typeof SPF_ALL_TERMS)[number];
/** The DMARC `p=` policy (RFC 7489 §6.3). */
export const DMARC_POLICIES = ["none", "quarantine", "reject"] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];

export interface DnsPolicy {
  readonly rfc2136?: { readonly server: string; readonly port: number; readonly zone: string; readonly keyName: string; readonly keyAlgorithm: string };
  readonly ttl: number;
  readonly dkimSelectors: { readonly ed25519: string; readonly rsa: string };
  readonly dkimRsaBits: number;
  readonly tenantSpfAll: SpfAll;
  readonly relaySpfAll: SpfAll;
  readonly tenantDmarcPolicy: DmarcPolicy;
  readonly relayDmarcPolicy: DmarcPolicy;
  /** Undefined: `mailto:postmaster@<domain>`. */
  readonly dmarcRua?: readonly string[];
  readonly adkim?: "r" | "s";
  readonly aspf?: "r" | "s";
  readonly mtaSts: { readonly mode: "testing" | "enforce"; readonly maxAgeDays: number };
}

export interface Ptr {
  readonly mode: "ccm" | "terraform";
  readonly location: string;
}

export interface SmartHost {
  readonly address: string;
  readonly port: number;
  readonly implicitTls: boolean;
  readonly username?: string;
  readonly password?: { readonly openbaoPath: string; readonly property: string };
}

export interface OpenBao {
  readonly address: string;
  /** KV v2 mount. */
  readonly mount: string;
}

// The kit's own types live with the kit.
export type { Kit, KitRelease } from "../kit/model";

export interface Sovereign {
  readonly name: string;
  readonly fqdn: string;
  readonly platform: SovereignPlatform;
  readonly relay: Relay;
  /** Undefined when the platform's kit is installed by other means. */
  readonly kit?: Kit;
  readonly tenants: readonly Tenant[];
  readonly fleetPath: string;
}

export interface Fleet {
  /** The file it was read from (for messages only; never written into output). */
  readonly source: string;
  readonly sovereigns: readonly Sovereign[];
}
