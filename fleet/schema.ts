import { z } from "zod";
import { DMARC_POLICIES, SPF_ALL_TERMS } from "./model";

/**
 * The fleet file schema. Every field that has a default says so here and in the fleet reference (docs/FLEET.md);
 * unknown keys are errors (a typo must never silently fall back to a default).
 */

/** RFC 1123 label: what Kubernetes accepts for namespace and Service names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A DMARC report URI (RFC 7489 §6.2): `mailto:` an address whose host is DNS labels, optionally `!<size>`. Host
 * labels may hold "--" (punycode IDNs); nothing here can form a Terraform template.
 */
export function isDmarcMailto(uri: string): boolean {
  const host = /^mailto:[A-Za-z0-9._+-]+@([^@\s,;!]+)(![0-9]+[kmgt]?)?$/.exec(uri)?.[1]?.toLowerCase();
  return host !== undefined && host.split(".").length > 1 && host.split(".").every((l) => DNS_LABEL.test(l)) && /[a-z]/.test(host.split(".").pop()!);
}
/** A fully qualified domain name: at least two labels, each an RFC 1123 label of at most 63 octets. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Kubernetes CPU quantity (e.g. `500m`, `1`, `1.5`). */
const CPU_QUANTITY = /^([1-9][0-9]*m|[0-9]+(\.[0-9]+)?)$/;
/** Kubernetes binary/decimal byte quantity (e.g. `512Mi`, `1Gi`, `20G`). */
const BYTE_QUANTITY = /^[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Label keys and values as Kubernetes accepts them (prefix/name ≤ 63, value ≤ 63). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Why `name` is not a lower-case fully qualified DNS name, in words that say what to change; undefined when it is one. */
export function dnsNameProblem(name: string): string | undefined {
  if (DNS_NAME.test(name)) return undefined;
  const reasons: string[] = [];
  const bare = name.replace(/\.$/, "");
  if (bare !== name) reasons.push("drop the trailing dot");
  if (bare !== bare.toLowerCase()) reasons.push("use lower case");
  const labels = bare.toLowerCase().split(".");
  if (labels.length < 2) reasons.push(`it is not fully qualified (e.g. "${bare.toLowerCase() || "example"}.org")`);
  if (bare.length > 253) reasons.push(`it is ${bare.length} characters long; at most 253`);
  if (labels.length > 1 && labels.some((l) => l === "")) reasons.push("it has an empty label (two dots in a row, or a leading dot)");
  for (const l of labels.filter((x) => x.length > 63)) reasons.push(`label "${l.slice(0, 20)}…" is ${l.length} characters long; at most 63`);
  for (const l of labels.filter((x) => /[^a-z0-9-]/.test(x))) reasons.push(`label "${l}" holds ${JSON.stringify(l.match(/[^a-z0-9-]/)![0])}; only a-z, 0-9 and "-" are allowed`);
  for (const l of labels.filter((x) => x.startsWith("-") || x.endsWith("-"))) reasons.push(`label "${l}" starts or ends with "-"`);
  if (reasons.length === 0) reasons.push(`the last label "${labels[labels.length - 1]}" must start with a letter`);
  return reasons.join("; ");
}

const dnsName = (what: string) =>
  z.string().superRefine((name, ctx) => {
    const problem = dnsNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: `not a valid ${what}: ${problem}` });
  });
const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `must be at most 63 characters (${what})`)
    .regex(DNS_LABEL, `must be a lower-case RFC 1123 label: a-z, 0-9 and '-', starting and ending alphanumeric (${what})`);

/**
 * Why `key` is not a Kubernetes qualified name (label and annotation keys, `loadBalancerClass`): an optional DNS
 * subdomain prefix of at most 253 characters and `/`, then a name of at most 63 (apimachinery
 * `validation.IsQualifiedName`); undefined when it is one.
 */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !prefix.split(".").every((l) => DNS_LABEL.test(l)))) {
    return `prefix "${prefix.slice(0, 60)}${prefix.length > 60 ? "…" : ""}" must be a lower-case DNS subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63) return `name part must be 1 to 63 characters (got ${name.length})`;
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) return `name part "${name}" must be alphanumeric, '-', '_' or '.', starting and ending alphanumeric`;
  return undefined;
}

const qualifiedName = (what: string) =>
  z.string().superRefine((key, ctx) => {
    const problem = qualifiedNameProblem(key);
    if (problem) ctx.addIssue({ code: "custom", message: `${what} "${key.length > 80 ? `${key.slice(0, 80)}…` : key}" is not a Kubernetes qualified name: ${problem}` });
  });

const labelMap = z.record(
  qualifiedName("label key"),
  z.string().regex(LABEL_VALUE, "label value is not a valid Kubernetes label value (≤ 63 characters, alphanumeric ends)"),
);

/** A key of a Kubernetes Secret (what the API server accepts as a data key). */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, "must be a Secret key (letters, digits, '-', '_', '.')");
/**
 * Text of a state backend block: Terraform reads backend blocks before it can evaluate anything, so `${`/`%{` there is
 * neither interpolated nor escapable; it is refused.
 */
const backendText = z
  .string()
  .min(1)
  .refine((v) => !/[$%]\{/.test(v), { error: "must not contain ${ or %{ (a backend block takes no Terraform templates)" });

/** Requests and limits are always equal: admission policies on these clusters reject anything else. */
export const capacitySchema = z.strictObject({
  /** CPU request = limit. */
  cpu: z
    .preprocess((v) => (typeof v === "number" ? String(v) : v), z.string().regex(CPU_QUANTITY, 'must be a CPU quantity such as "500m" or "1"'))
    .optional(),
  /** Memory request = limit. */
  memory: z.string().regex(BYTE_QUANTITY, 'must be a byte quantity such as "1Gi" or "512Mi"').optional(),
  /** Size of the data volume: RocksDB with the message store and the outbound queue (spool). */
  storage: z.string().regex(BYTE_QUANTITY, 'must be a byte quantity such as "20Gi"').optional(),
});

/** A pod set inside the cluster that may talk to a server's management listener (8080). */
const managementClientSchema = z.strictObject({
  namespace: dnsLabel("namespace"),
  /** @default {} (every pod of the namespace) */
  podLabels: labelMap.optional(),
});

const loadBalancerSchema = z.strictObject({
  /** Only LoadBalancer is supported: NodePort is forbidden on these clusters and rejected with its own error. */
  type: z.string().optional(),
  /** Annotations for the cloud controller (e.g. `load-balancer.hetzner.cloud/location`). @default {} */
  annotations: z.record(qualifiedName("annotation key"), z.string()).optional(),
  /** `spec.loadBalancerClass`. @default unset (the cluster's default controller) */
  loadBalancerClass: qualifiedName("loadBalancerClass").optional(),
  /** @default "PreferDualStack" (PTR for IPv4 and IPv6) */
  ipFamilyPolicy: z.enum(["SingleStack", "PreferDualStack", "RequireDualStack"]).optional(),
});

const stalwartSchema = z.strictObject({
  /** @default "stalwartlabs/stalwart:v0.16.18" */
  image: z.string().min(1).optional(),
  /** Optional digest pin, appended to the image as `@sha256:…`. */
  digest: z.string().regex(IMAGE_DIGEST, 'must be "sha256:" followed by 64 lower-case hex digits').optional(),
  /** @default unset (the cluster's default StorageClass) */
  storageClass: dnsLabel("storage class name").optional(),
  /** Image of the Job that applies the configuration plan (stalwart-cli). @default ghcr.io/stalwartlabs/cli:1.0.13 pinned by digest */
  cliImage: z.string().regex(/^[^\s@]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, "must be an image reference").optional(),
});

const clusterSchema = z.strictObject({
  /** Path of the kubeconfig on the machine that runs terraform. Never credentials. @default "~/.kube/config" */
  configPath: z.string().min(1).optional(),
  /** kubeconfig context to use. */
  context: z.string().min(1),
});

const clusterDnsSchema = z.strictObject({
  /** @default "kube-system" */
  namespace: dnsLabel("namespace").optional(),
  /** @default { "k8s-app": "kube-dns" } */
  podLabels: labelMap.optional(),
});

const tenantDomainSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("free-subdomain"),
    /** Parent zone of `<id>.<parentZone>`. @default the Sovereign's `tenantParentZone` */
    parentZone: dnsName("parent zone").optional(),
  }),
  z.strictObject({
    mode: z.literal("byo"),
    /** The customer's own domain. */
    name: dnsName("BYO domain"),
  }),
], { error: 'must be "free-subdomain" or "byo"' });

const tenantOidcSchema = z.strictObject({
  /** Overrides the issuer derived from the Sovereign's keycloak.issuerPattern. */
  issuerUrl: z.url("must be a URL").optional(),
});

const tenantWebmailSchema = z.strictObject({
  /** @default the Sovereign's webmail.enabled */
  enabled: z.boolean().optional(),
  /** @default "webmail.<domain>" */
  host: dnsName("webmail host").optional(),
});

const tenantSchema = z.strictObject({
  /** Tenant id: part of the stack, namespace and Kubernetes object names. */
  id: dnsLabel("tenant id"),
  domain: tenantDomainSchema,
  /** @default cpu "500m", memory "1Gi", storage "20Gi" */
  capacity: capacitySchema.optional(),
  /** Namespace of the tenant's server. @default "<tenantNamespacePrefix><id>" */
  namespace: dnsLabel("namespace").optional(),
  oidc: tenantOidcSchema.optional(),
  webmail: tenantWebmailSchema.optional(),
  /** The OpenBao paths are seeded by another system; Terraform does not write them. @default false */
  secretsSeededElsewhere: z.boolean().optional(),
});

const keycloakSchema = z.strictObject({
  /** Issuer URL pattern; {domain}, {prefix} and {id} are replaced. @default "https://keycloak.{domain}/realms/{prefix}-{id}" */
  issuerPattern: z.string().regex(/^https:\/\/[^\s]+$/, "must be an https URL pattern").optional(),
  /** Realm prefix (the platform has used "sme" and "org"). @default "org" */
  realmPrefix: z.string().regex(/^[a-z0-9-]+$/, "must be lower-case alphanumerics and '-'").optional(),
  /** The Stalwart client id; tokens must carry it as audience. @default "stalwart" */
  clientId: z.string().min(1).optional(),
});

const externalSecretsSchema = z.strictObject({
  /** @default "vault-region1" */
  clusterSecretStore: dnsLabel("ClusterSecretStore name").optional(),
  /** @default "1h" */
  refreshInterval: z.string().regex(/^(\d+(ns|us|µs|ms|s|m|h))+$/, 'must be a Go duration such as "1h" or "15m"').optional(),
});

const webmailSchema = z.strictObject({
  /** @default true */
  enabled: z.boolean().optional(),
  /** @default "djmaze/snappymail:v2.38.2" */
  image: z.string().min(1).optional(),
  /** Parent gateway of the webmail HTTPRoute. @default { name: cilium-gateway-console, namespace: kube-system } */
  gateway: z.strictObject({ name: dnsLabel("gateway name"), namespace: dnsLabel("namespace") }).optional(),
});

const tenantNamespacesSchema = z.strictObject({
  /** @default "org-" */
  prefix: z.string().regex(/^([a-z0-9][-a-z0-9]*)?$/, "must be lower-case alphanumerics and '-'").optional(),
  /** Whether the tenant stack creates the namespace; false when the platform already owns it. @default true */
  create: z.boolean().optional(),
});

const kitSchema = z.strictObject({
  /** Slots to install; their transitive dependencies are added. */
  include: z.array(z.string().min(1)).min(1, "must name at least one slot"),
  /** Exact chart version per slot, overriding kit/chart-versions.yaml (ranges are errors). @default the lock's version */
  versions: z.record(z.string(), z.string().min(1)).optional(),
  /**
   * Removed: a version range here failed every plan (the helm provider needs exact versions). Kept in the schema
   * only to say so instead of "unknown key".
   */
  defaultVersion: z
    .never({
      error:
        "kit.defaultVersion was removed: delete it. Every slot gets its exact chart version from kit/chart-versions.yaml (npm run kit:lock refreshes it); pin exact overrides in kit.versions",
    })
    .optional(),
  /** Helm values per slot. @default {} */
  values: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** Target namespace per slot. @default the slot's usual namespace (see docs/KIT.md) */
  namespaces: z.record(z.string(), dnsLabel("namespace")).optional(),
  /** How long Terraform waits for each release to become ready. @default 600 */
  timeoutSeconds: z.number().int().min(60).max(3600).optional(),
});

const secretKeySourceSchema = z.strictObject({
  namespace: dnsLabel("namespace"),
  name: dnsLabel("Secret name"),
  /** @default "smtp-user" */
  userKey: secretKey.optional(),
  /** @default "smtp-pass" */
  passwordKey: secretKey.optional(),
});

const openbaoSourceSchema = z.strictObject({
  /** KV v2 secret path below the mount, e.g. `sovereign/mothership/smtp`. */
  path: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "must be a KV path such as sovereign/mothership/smtp"),
  /** @default "smtp-user" */
  userKey: z.string().min(1).optional(),
  /** @default "smtp-pass" */
  passwordKey: z.string().min(1).optional(),
});

const mothershipSchema = z.strictObject({
  host: dnsName("mothership SMTP host"),
  /** @default 587 */
  port: z.number().int().min(1).max(65535).optional(),
  /** Envelope sender the mothership accepts for this Sovereign. */
  from: z.email("must be an email address"),
  /** Where the mothership credentials come from: a Secret in the cluster, or an OpenBao KV v2 path. */
  credentials: z.union([z.strictObject({ secret: secretKeySourceSchema }), z.strictObject({ openbao: openbaoSourceSchema })]),
});

const relaySchema = z.strictObject({
  /** @default cpu "250m", memory "512Mi", storage "10Gi" */
  capacity: capacitySchema.optional(),
  /** Which relay the contract Secret points consumers at. @default "sovereign-local" */
  mode: z.enum(["sovereign-local", "mothership"]).optional(),
  /** Submission listener: 465 with implicit TLS, or 587 with STARTTLS. @default "implicit-tls" */
  submission: z.enum(["implicit-tls", "starttls"]).optional(),
  /** Further From addresses of the noreply account (aliases, in the Sovereign's domain). @default [] */
  senders: z.array(z.email("must be an email address")).optional(),
  /** In-cluster pods that submit mail to the relay. @default [{ namespace: catalyst-system }] */
  clients: z.array(managementClientSchema).optional(),
  /** Required with mode "mothership". */
  mothership: mothershipSchema.optional(),
  /** Also render `catalyst-system/catalyst-openova-kc-credentials` from the precedence contract. @default not rendered */
  keycloakProjection: z
    .strictObject({
      addr: z.url("must be a URL"),
      realm: z.string().min(1),
      clientId: z.string().min(1),
      /** Secret holding the Keycloak service-account client secret. @default none (kc-sa-client-secret empty) */
      clientSecret: z.strictObject({ namespace: dnsLabel("namespace"), name: dnsLabel("Secret name"), key: z.string().min(1) }).optional(),
      /** @default the client id */
      audience: z.string().min(1).optional(),
    })
    .optional(),
});

const dnsSchema = z.strictObject({
  /** Dynamic updates (RFC 2136) to the Sovereign's authoritative DNS (PowerDNS). The TSIG secret comes from TF_VAR_dns_update_key_secret. @default not published (records are output only) */
  rfc2136: z
    .strictObject({
      server: z.string().min(1),
      /** @default 53 */
      port: z.number().int().min(1).max(65535).optional(),
      /** Zone that holds the relay and the free-subdomain tenants, e.g. the Sovereign fqdn. */
      zone: dnsName("zone"),
      /** TSIG key name, fully qualified (a trailing dot is added when missing), e.g. "sovereign-mail." */
      keyName: z.string().regex(/^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/, 'must be a TSIG key name such as "sovereign-mail."'),
      /** The algorithms hashicorp/dns 3.4.3 can sign with. @default "hmac-sha256" */
      keyAlgorithm: z.enum(["hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha512"], { error: 'must be "hmac-md5", "hmac-sha1", "hmac-sha256" or "hmac-sha512" (what the dns provider can sign with)' }).optional(),
    })
    .optional(),
  /** @default 300 */
  ttl: z.number().int().min(60).max(86400).optional(),
  /** @default { ed25519: "sm-ed25519", rsa: "sm-rsa" } */
  dkimSelectors: z.strictObject({ ed25519: z.string().min(1).optional(), rsa: z.string().min(1).optional() }).optional(),
  /** @default 2048 */
  dkimRsaBits: z.number().int().optional(),
  /** SPF `all` term of tenant domains. @default "-all" */
  tenantSpfAll: z.enum(SPF_ALL_TERMS).optional(),
  /** SPF `all` term of the relay domain. @default "~all" */
  relaySpfAll: z.enum(SPF_ALL_TERMS).optional(),
  dmarc: z
    .strictObject({
      /** @default "reject" for tenants */
      tenantPolicy: z.enum(DMARC_POLICIES).optional(),
      /** @default "quarantine" for the relay */
      relayPolicy: z.enum(DMARC_POLICIES).optional(),
      /** Aggregate report URIs. @default ["mailto:postmaster@<domain>"] */
      rua: z.array(z.string().refine(isDmarcMailto, "must be a mailto: URI such as mailto:dmarc@example.org")).optional(),
      adkim: z.enum(["r", "s"]).optional(),
      aspf: z.enum(["r", "s"]).optional(),
    })
    .optional(),
  /** MTA-STS for tenant domains (Stalwart serves the policy). @default { mode: "testing", maxAgeDays: 7 } */
  mtaSts: z.strictObject({ mode: z.enum(["testing", "enforce"]).optional(), maxAgeDays: z.number().int().min(1).max(365).optional() }).optional(),
});

const ptrSchema = z.strictObject({
  /** "ccm": annotations on the Service ask hcloud-cloud-controller-manager; "terraform": hcloud_rdns on the CCM's load balancer. @default "ccm" */
  mode: z.enum(["ccm", "terraform"]).optional(),
  /** Hetzner location of the mail load balancers, e.g. "fsn1". */
  location: z.string().regex(/^[a-z]+[0-9]+$/, 'must be a Hetzner location such as "fsn1"'),
});

const smartHostSchema = z.strictObject({
  address: dnsName("smart host"),
  /** @default 587 */
  port: z.number().int().min(1).max(65535).optional(),
  /** @default false (STARTTLS) */
  implicitTls: z.boolean().optional(),
  username: z.string().min(1).optional(),
  /** OpenBao KV v2 path and property of the relay password, read through an ExternalSecret. */
  password: z.strictObject({ openbaoPath: z.string().min(1), property: secretKey }).optional(),
});

const rotationDaysSchema = z.int("must be a whole number of days").min(0, "must be 0 (no automatic rotation) or more").max(3650, "must be at most 3650 days");

const credentialClassSchema = z.strictObject({
  /** Days between automatic rotations of this class; 0: never automatically (reset only). @default credentials.rotationDays */
  rotationDays: rotationDaysSchema.optional(),
});

const credentialsSchema = z.strictObject({
  /** Days between automatic rotations of every credential class; 0: never automatically (reset only). @default 180 */
  rotationDays: rotationDaysSchema.optional(),
  /** Days the previous submission password stays valid after a rotation, so consumers switch without failing. @default 7 */
  overlapDays: z.int("must be a whole number of days").min(1, "must be at least 1 day").max(90, "must be at most 90 days").optional(),
  /**
   * Per-class rotation: admin (recovery admin), submission (relay account), metrics, oidc (tenant OIDC client
   * secret), dkim (signing keys; rotated only for domains published by RFC 2136). @default every class uses credentials.rotationDays
   */
  classes: z
    .strictObject({
      admin: credentialClassSchema.optional(),
      submission: credentialClassSchema.optional(),
      metrics: credentialClassSchema.optional(),
      oidc: credentialClassSchema.optional(),
      dkim: credentialClassSchema.optional(),
    })
    .optional(),
});

const stateSchema = z.discriminatedUnion("backend", [
  /** A state file beside the project (`terraform.<stack>.tfstate`): development only, nothing is locked or encrypted. */
  z.strictObject({ backend: z.literal("local") }),
  z.strictObject({
    /** S3 or S3-compatible object storage, locked with a lock file next to the state (`use_lockfile`). Credentials come from AWS_* variables, never the fleet. */
    backend: z.literal("s3"),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    /** The bucket's region (for S3-compatible storage, its location, e.g. "fsn1"). */
    region: backendText,
    /** Endpoint of S3-compatible storage; path-style addressing and no AWS account checks then. @default AWS S3 */
    endpoint: z.url("must be a URL").pipe(backendText).optional(),
    /** Objects are `<keyPrefix>/<stack>.tfstate`. @default "sovereign-mail" */
    keyPrefix: z.string().regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, "must be an object key prefix without leading or trailing '/'").optional(),
    /** Server-side encryption of the state objects (SSE-S3, or SSE-KMS with kmsKeyId). Stores without it: set false and export AWS_SSE_CUSTOMER_KEY (SSE-C). @default true */
    encrypt: z.boolean().optional(),
    /** KMS key for SSE-KMS. @default none (SSE-S3) */
    kmsKeyId: backendText.optional(),
  }),
  z.strictObject({
    /** PostgreSQL, locked with advisory locks. The connection string (with its password and `sslmode`) comes from PG_CONN_STR, never the fleet. */
    backend: z.literal("pg"),
    /** Each stack's state lives in schema `<schemaPrefix>_<stack with '-' as '_'>`. @default "sovereign_mail" */
    schemaPrefix: z.string().regex(/^[a-z_][a-z0-9_]{0,30}$/, "must be a lower-case SQL identifier of at most 31 characters").optional(),
  }),
], { error: 'must be "local", "s3" or "pg"' });

const sovereignSchema = z.strictObject({
  /** Short name: prefix of every stack of this Sovereign (`<name>-mail`, `<name>-tenant-<id>`). */
  name: dnsLabel("Sovereign name"),
  /** The Sovereign's FQDN: the relay sends as `noreply@<fqdn>` from `mail.<fqdn>`. */
  fqdn: dnsName("Sovereign fqdn"),
  cluster: clusterSchema,
  /** @default { image: "stalwartlabs/stalwart:v0.16.18" } */
  stalwart: stalwartSchema.optional(),
  /** @default { type: "LoadBalancer", ipFamilyPolicy: "PreferDualStack" } */
  loadBalancer: loadBalancerSchema.optional(),
  /** In-cluster clients allowed to reach every server's management listener (8080). @default [] */
  managementClients: z.array(managementClientSchema).optional(),
  /** Where the cluster's DNS pods run (for egress policies). @default kube-system, k8s-app=kube-dns */
  clusterDns: clusterDnsSchema.optional(),
  /** Parent zone of free-subdomain tenants. @default the Sovereign's fqdn */
  tenantParentZone: dnsName("tenant parent zone").optional(),
  /** @default { prefix: "org-", create: true } */
  tenantNamespaces: tenantNamespacesSchema.optional(),
  /** The Sovereign's system-mail relay (`<name>-mail`). */
  relay: relaySchema.optional(),
  /** Tenant login through each tenant's Keycloak realm (OIDC). */
  keycloak: keycloakSchema.optional(),
  /** How tenant secrets reach the cluster from OpenBao. */
  externalSecrets: externalSecretsSchema.optional(),
  /** Tenant webmail (SnappyMail) behind the cluster gateway. */
  webmail: webmailSchema.optional(),
  /** cert-manager ClusterIssuer (DNS-01) for tenant mail and webmail hosts. @default "letsencrypt-dns01-prod-powerdns" */
  clusterIssuer: dnsLabel("ClusterIssuer name").optional(),
  /** Mail DNS records: publication, DKIM, SPF, DMARC, MTA-STS. @default records output, not published */
  dns: dnsSchema.optional(),
  /** Hetzner reverse DNS (PTR) of the mail load balancers. @default none */
  ptr: ptrSchema.optional(),
  /** Send all outbound mail through a relay (for projects whose outbound port 25 is blocked). @default direct delivery */
  smartHost: smartHostSchema.optional(),
  /** OpenBao: the system of record of every credential (required when the Sovereign has mail stacks). The token comes from VAULT_TOKEN, never the fleet. */
  openbao: z.strictObject({ address: z.url("must be a URL"), mount: z.string().min(1).optional() }).optional(),
  /** The bootstrap kit installed by the `<name>-kit` stack. @default none (the platform is installed by other means) */
  kit: kitSchema.optional(),
  /** Rotation of the credentials Terraform generates into OpenBao. @default every class every 180 days, 7 days of overlap */
  credentials: credentialsSchema.optional(),
  /** Where every stack of this Sovereign keeps its Terraform state (generated credentials live there). @default { backend: "local" } */
  state: stateSchema.optional(),
  /** @default [] */
  tenants: z.array(tenantSchema).optional(),
});

export const fleetSchema = z.strictObject({
  /** Fleet file format version. */
  version: z.literal(1, { error: "must be 1 (the only fleet file format version)" }),
  sovereigns: z.array(sovereignSchema).min(1, "must list at least one Sovereign"),
});

export type FleetInput = z.infer<typeof fleetSchema>;
export type SovereignInput = z.infer<typeof sovereignSchema>;
export type TenantInput = z.infer<typeof tenantSchema>;
export type CapacityInput = z.infer<typeof capacitySchema>;
export type KitInput = z.infer<typeof kitSchema>;
