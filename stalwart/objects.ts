import type { ClientRef, Expression, JsonSet, OrderedList, SecretSource } from "./encoding";

/**
 * The Stalwart v0.16 objects this project renders, typed after the upstream registry schema
 * (`x:<Name>`; the conformance tests validate every rendered value against that schema).
 * Only the properties we set are modelled; Stalwart keeps its defaults for the rest.
 */

type Marker<T extends string> = { readonly "@type": T };

export interface Domain {
  readonly name: string;
  readonly isEnabled?: boolean;
  readonly description?: string;
  /** Keys are generated outside Stalwart and published by us, so the server never rotates them on its own. */
  readonly dkimManagement?: Marker<"Manual">;
  readonly dnsManagement?: Marker<"Manual">;
  readonly certificateManagement?: Marker<"Manual">;
  readonly subAddressing?: Marker<"Enabled" | "Disabled">;
  /** DMARC/TLS report address, e.g. `mailto:postmaster@example.org`. */
  readonly reportAddressUri?: string;
}

export interface PasswordCredential {
  readonly "@type": "Password";
  /** A bcrypt/argon2 hash (Stalwart accepts `$2…`, `$argon2…`), never plaintext in a stored plan. */
  readonly secret: string;
  readonly expiresAt?: string;
}

export interface EmailAlias {
  readonly name: string;
  readonly domainId: ClientRef | string;
  readonly enabled?: boolean;
  readonly description?: string;
}

export interface UserAccount {
  readonly "@type": "User";
  /** Local part; the address is `<name>@<domain>`. */
  readonly name: string;
  readonly domainId: ClientRef | string;
  readonly description?: string;
  readonly credentials?: OrderedList<PasswordCredential>;
  readonly aliases?: OrderedList<EmailAlias>;
  /** Groups the account belongs to (their addresses become the account's too). */
  readonly memberGroupIds?: JsonSet;
  readonly roles?: Marker<"User" | "Admin"> | { readonly "@type": "Custom"; readonly roleIds: JsonSet };
}

/** A set of permissions accounts are given through `roles: {"@type": "Custom", roleIds}`. */
export interface Role {
  readonly description: string;
  readonly enabledPermissions?: JsonSet;
}

/** A group: an address (and aliases) its members may send as and receive for. */
export interface GroupAccount {
  readonly "@type": "Group";
  readonly name: string;
  readonly domainId: ClientRef | string;
  readonly description?: string;
  readonly aliases?: OrderedList<EmailAlias>;
}

export interface OidcDirectory {
  readonly "@type": "Oidc";
  readonly description: string;
  readonly issuerUrl: string;
  readonly requireAudience?: string;
  readonly requireScopes?: JsonSet;
  readonly claimUsername?: string;
  readonly usernameDomain?: string;
  readonly claimName?: string;
  readonly claimGroups?: string;
}

export interface Authentication {
  /** The active external directory (one per server in the community edition). */
  readonly directoryId?: ClientRef | string | null;
}

export interface NetworkListener {
  readonly name: string;
  /** Socket addresses, e.g. `{"[::]:465": true}`. */
  readonly bind: JsonSet;
  readonly protocol: "smtp" | "lmtp" | "http" | "imap" | "pop3" | "manageSieve";
  readonly useTls?: boolean;
  readonly tlsImplicit?: boolean;
}

export interface DkimSignature {
  readonly "@type": "Dkim1Ed25519Sha256" | "Dkim1RsaSha256";
  readonly domainId: ClientRef | string;
  readonly selector: string;
  readonly privateKey: SecretSource;
  readonly canonicalization?: "relaxed/relaxed" | "simple/simple" | "relaxed/simple" | "simple/relaxed";
  readonly headers?: JsonSet;
  readonly report?: boolean;
  readonly stage?: "pending" | "active" | "retiring" | "retired";
}

export interface SystemSettings {
  /** SMTP greeting/EHLO name: equals the PTR and MX target. */
  readonly defaultHostname?: string;
  readonly defaultDomainId?: ClientRef | string;
  readonly defaultCertificateId?: ClientRef | string | null;
}

export interface MtaStageAuth {
  readonly mustMatchSender?: Expression;
  readonly require?: Expression;
}

export interface Metrics {
  readonly prometheus?:
    | Marker<"Disabled">
    | { readonly "@type": "Enabled"; readonly authUsername?: string; readonly authSecret?: SecretSource };
}

export interface StdoutTracer {
  readonly "@type": "Stdout";
  readonly enable?: boolean;
  readonly level?: "error" | "warn" | "info" | "debug" | "trace";
  readonly ansi?: boolean;
  readonly multiline?: boolean;
  readonly buffered?: boolean;
}

export interface Certificate {
  readonly certificate: SecretSource;
  readonly privateKey: SecretSource;
}

export interface RelayRoute {
  readonly "@type": "Relay";
  readonly name: string;
  readonly description?: string;
  readonly address: string;
  readonly port?: number;
  readonly protocol?: "smtp" | "lmtp";
  readonly implicitTls?: boolean;
  readonly allowInvalidCerts?: boolean;
  readonly authUsername?: string;
  readonly authSecret?: SecretSource;
}

export interface MtaOutboundStrategy {
  readonly route?: Expression;
}

export interface MtaSts {
  readonly mode?: "enforce" | "testing" | "disable";
  /** Milliseconds. */
  readonly maxAge?: number;
  readonly mxHosts?: JsonSet;
}

export interface SpamSettings {
  readonly enable?: boolean;
  /** Where the rules are downloaded from; null: never (no download task at boot). */
  readonly spamFilterRulesUrl?: string | null;
}

/** ASN and geolocation data; `Disabled` fetches nothing. */
export type Asn = Marker<"Disabled">;

/** A web application the server serves (the default one is the web UI, downloaded at start). */
export interface Application {
  readonly description: string;
  readonly enabled?: boolean;
}

/** Object name (without `x:`) → body type, for the plan builder. */
export interface ObjectBodies {
  Domain: Domain;
  Account: UserAccount | GroupAccount;
  Directory: OidcDirectory;
  Authentication: Authentication;
  NetworkListener: NetworkListener;
  DkimSignature: DkimSignature;
  SystemSettings: SystemSettings;
  MtaStageAuth: MtaStageAuth;
  Metrics: Metrics;
  Tracer: StdoutTracer;
  Certificate: Certificate;
  MtaRoute: RelayRoute;
  MtaOutboundStrategy: MtaOutboundStrategy;
  SpamSettings: SpamSettings;
  MtaSts: MtaSts;
  Asn: Asn;
  Application: Application;
  Role: Role;
}

/** Singletons are changed with `update`; everything else with `upsert` on a natural key. */
export const SINGLETONS = ["Authentication", "SystemSettings", "MtaStageAuth", "Metrics", "MtaOutboundStrategy", "SpamSettings", "MtaSts", "Asn"] as const;
export type SingletonName = (typeof SINGLETONS)[number];
export type CollectionName = Exclude<keyof ObjectBodies, SingletonName>;
