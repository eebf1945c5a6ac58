import { z } from "zod";
import { GO_DURATION } from "./go-duration";
import { DMARC_POLICIES, SPF_ALL_TERMS } from "./model";

/**
 * The fleet file schema. Every field has a description (`.describe`), from which, with the defaults in
 * fleet/defaults.ts, the fleet reference in docs/FLEET.md is generated (`npm run docs:fleet`). Unknown keys are
 * errors (a typo must never silently fall back to a default).
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
  }).meta({ title: "DNS name" });
const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `must be at most 63 characters (${what})`)
    .regex(DNS_LABEL, `must be a lower-case RFC 1123 label: a-z, 0-9 and '-', starting and ending alphanumeric (${what})`)
    .meta({ title: "RFC 1123 label" });

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
  }).meta({ title: "qualified name" });

const labelMap = z
  .record(qualifiedName("label key"), z.string().regex(LABEL_VALUE, "label value is not a valid Kubernetes label value (≤ 63 characters, alphanumeric ends)"))
  .meta({ title: "label map" });

/** A key of a Kubernetes Secret (what the API server accepts as a data key). */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, "must be a Secret key (letters, digits, '-', '_', '.')").meta({ title: "Secret key" });
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
  cpu: z
    .preprocess((v) => (typeof v === "number" ? String(v) : v), z.string().regex(CPU_QUANTITY, 'must be a CPU quantity such as "500m" or "1"'))
    .meta({ title: "CPU quantity" })
    .optional()
    .describe("CPU request = limit (e.g. `500m`, `1`)."),
  memory: z.string().regex(BYTE_QUANTITY, 'must be a byte quantity such as "1Gi" or "512Mi"').meta({ title: "byte quantity" }).optional().describe("Memory request = limit."),
  storage: z
    .string()
    .regex(BYTE_QUANTITY, 'must be a byte quantity such as "20Gi"')
    .meta({ title: "byte quantity" })
    .optional()
    .describe("Size of the data volume: RocksDB with the message store and the outbound queue (spool)."),
});

/** A pod set inside the cluster (by namespace and labels). */
const podSetSchema = z.strictObject({
  namespace: dnsLabel("namespace").describe("The pods' namespace."),
  podLabels: labelMap.optional().describe("Labels the pods must carry; left out, every pod of the namespace."),
});

const loadBalancerSchema = z.strictObject({
  // Any other value is refused by the cross-checks, NodePort with its own message.
  type: z.string().optional().describe("Only `LoadBalancer`: NodePort Services are forbidden on Sovereign clusters."),
  annotations: z
    .record(qualifiedName("annotation key"), z.string())
    .optional()
    .describe("Annotations for the cloud controller on each mail LoadBalancer Service (e.g. `load-balancer.hetzner.cloud/location`)."),
  loadBalancerClass: qualifiedName("loadBalancerClass").optional().describe("`spec.loadBalancerClass` of the mail Services."),
  ipFamilyPolicy: z.enum(["SingleStack", "PreferDualStack", "RequireDualStack"]).optional().describe("IP families of the mail address (and so of its PTRs)."),
});

const stalwartSchema = z.strictObject({
  image: z
    .string()
    .min(1)
    .meta({ title: "image reference" })
    .optional()
    .describe("The Stalwart image. Needs a version tag (not `latest`) unless a digest is given; only v0.16, the configuration format written here."),
  digest: z.string().regex(IMAGE_DIGEST, 'must be "sha256:" followed by 64 lower-case hex digits').optional().describe("Digest pin (`sha256:<64 hex>`), appended to the image as `@sha256:…`."),
  storageClass: dnsLabel("storage class name").optional().describe("StorageClass of the data volumes."),
  cliImage: z
    .string()
    .regex(/^[^\s@]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, "must be an image reference")
    .meta({ title: "image reference" })
    .optional()
    .describe("Image of the Job that applies the configuration plan (stalwart-cli); it needs `apply` with `upsert`."),
});

const clusterSchema = z.strictObject({
  configPath: z.string().min(1).optional().describe("Path of the kubeconfig on the machine that runs terraform. Only the path goes into the output, never credentials."),
  context: z.string().min(1).describe("The kubeconfig context."),
});

const clusterDnsSchema = z.strictObject({
  namespace: dnsLabel("namespace").optional().describe("Namespace of the cluster DNS pods."),
  podLabels: labelMap.optional().describe("Labels of the cluster DNS pods."),
});

const tenantDomainSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("free-subdomain").describe("`free-subdomain`: the mail domain is `<id>.<parent zone>`, published in the Sovereign's zone."),
    parentZone: dnsName("parent zone").optional().describe("Parent zone for this tenant."),
  }),
  z.strictObject({
    mode: z.literal("byo").describe("`byo`: the customer's own domain, whose records the customer publishes."),
    name: dnsName("BYO domain").describe("The customer's domain. It must not lie in any Sovereign's zone."),
  }),
], { error: 'must be "free-subdomain" or "byo"' });

const tenantOidcSchema = z.strictObject({
  issuerUrl: z.url("must be a URL").optional().describe("The tenant's OIDC issuer, overriding the one derived from `keycloak.issuerPattern`."),
});

const tenantWebmailSchema = z.strictObject({
  enabled: z.boolean().optional().describe("Webmail for this tenant."),
  host: dnsName("webmail host").optional().describe("Host of the tenant's webmail; must differ from the mail host."),
});

/** A calendar date, `YYYY-MM-DD`, that exists. */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "is not a calendar date")
  .meta({ title: "date (YYYY-MM-DD)" });

const offboardingSchema = z.strictObject({
  finalBackup: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,252}$/, "must name the backup (letters, digits and . _ : / -)")
    .describe("The backup taken after mail stopped arriving: what a restore would start from. Required, so nobody offboards without one."),
  retainUntil: calendarDate.describe("Until this day (UTC) the stack and its mailboxes must stay; after it, the entry may leave the fleet and its stack may be destroyed."),
});

/** An image reference: name, optional tag, optional digest; nothing Terraform could read as a template. */
const imageReference = z
  .string()
  .regex(/^[^\s@$%{}]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, "must be an image reference")
  .meta({ title: "image reference" });

const backupSchema = z.strictObject({
  repository: z
    .string()
    .regex(/^s3:https:\/\/[a-z0-9.-]+(:\d+)?\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*$/, "must be a restic S3 repository: s3:https://<endpoint>/<bucket>[/<prefix>]")
    .meta({ title: "restic S3 repository" })
    .describe("Where the servers' backups go (restic, encrypted): each server writes its own repository `<repository>/<stack>`, e.g. `s3:https://fsn1.your-objectstorage.com/mail-backups`."),
  credentialsPath: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "must be an OpenBao KV v2 path")
    .describe("OpenBao KV v2 path holding `RESTIC_PASSWORD` (the repositories' encryption key), `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`; written by whoever owns the bucket, never by Terraform."),
  schedule: z
    .string()
    .regex(/^(\S+ ){4}\S+$/, 'must be a five-field cron schedule such as "17 3 * * *"')
    .refine((v) => !/[$%{}]/.test(v), "must not contain $, % or braces")
    .meta({ title: "cron schedule" })
    .optional()
    .describe("When each server restarts for its cold backup (cron, the cluster's time zone): the backup runs before Stalwart starts, so the store is consistent."),
  retention: z
    .strictObject({
      daily: z.int().min(1).max(366).optional().describe("Daily backups kept."),
      weekly: z.int().min(0).max(104).optional().describe("Weekly backups kept."),
      monthly: z.int().min(0).max(120).optional().describe("Monthly backups kept."),
    })
    .optional()
    .describe("Which backups `restic forget --prune` keeps."),
  image: imageReference.optional().describe("The restic image (it needs `/bin/sh`)."),
  kubectlImage: imageReference.optional().describe("The kubectl image of the job that restarts a server for its backup."),
});

const inClusterUrl = z
  .url("must be a URL")
  .regex(/^https?:\/\/[a-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~\/-]*)?$/, "must be an http(s) URL without query, credentials or templates")
  .meta({ title: "URL" });

const monitoringSchema = z.strictObject({
  scraper: podSetSchema
    .optional()
    .describe("The kit's Alloy pods, which scrape every server's metrics: admitted to the management listener (8080) like `managementClients`."),
  mimirUrl: inClusterUrl.optional().describe("Mimir's gateway: Alloy writes to `<mimirUrl>/api/v1/push`, Grafana queries `<mimirUrl>/prometheus`."),
  lokiUrl: inClusterUrl.optional().describe("Loki: Alloy pushes to `<lokiUrl>/loki/api/v1/push`, Grafana queries `<lokiUrl>`."),
  tenantId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,150}$/, "must be a Mimir/Loki tenant id (letters, digits, _ . -)")
    .optional()
    .describe("The `X-Scope-OrgID` Alloy writes and Grafana reads with (not a secret)."),
  scrapeInterval: z
    .string()
    .regex(/^[1-9][0-9]{0,3}[sm]$/, 'must be a duration such as "60s" or "2m"')
    .optional()
    .describe("How often Alloy scrapes each server, the kubelet and cert-manager."),
  certManagerNamespace: dnsLabel("namespace")
    .optional()
    .describe("Where cert-manager runs: its controller pods' metrics (certificate expiry) are scraped when a server of the Sovereign has a certificate."),
  alertFolder: z
    .string()
    .regex(/^[A-Za-z0-9 _.-]{1,80}$/, "must be a folder title (letters, digits, space _ . -)")
    .optional()
    .describe("Grafana folder of the alert rules."),
  thresholds: z
    .strictObject({
      bounceRatePercent: z.number().gt(0).max(100).optional().describe("`BounceRateHigh`: permanent failures per message queued over an hour, in percent."),
      rescheduledPerHour: z.int().min(1).optional().describe("`MailDeliveryRetrying`: delivery retries scheduled in an hour."),
      volumeUsedPercent: z.int().min(1).max(99).optional().describe("`VolumeAlmostFull`: use of the mail volume, in percent."),
      certificateExpiryDays: z.int().min(1).max(60).optional().describe("`CertificateExpiring`: days left on a certificate (cert-manager renews 30 days ahead)."),
      rotationGraceDays: z.int().min(0).max(60).optional().describe("`CredentialRotationOverdue`: days a due rotation may wait for an apply."),
    })
    .optional()
    .describe("When the alerts fire."),
});

const tenantSchema = z.strictObject({
  id: dnsLabel("tenant id").describe("Tenant id, unique in the fleet: part of the stack, namespace and Kubernetes object names."),
  domain: tenantDomainSchema.describe("The tenant's mail domain."),
  capacity: capacitySchema.optional().describe("Sizing of the tenant's mail server."),
  namespace: dnsLabel("namespace").optional().describe("Namespace of the tenant's server."),
  oidc: tenantOidcSchema.optional().describe("Tenant login (OIDC)."),
  webmail: tenantWebmailSchema.optional().describe("The tenant's webmail (SnappyMail)."),
  secretsSeededElsewhere: z.boolean().optional().describe("The tenant's OpenBao paths are seeded by another system; Terraform does not write them."),
  offboarding: offboardingSchema
    .optional()
    .describe("The tenant is leaving: its stack stays until `retainUntil`, and only then may the tenant leave the fleet (see [Offboarding](OPERATIONS.md#offboarding))."),
});

const keycloakSchema = z.strictObject({
  issuerPattern: z
    .string()
    .regex(/^https:\/\/[^\s]+$/, "must be an https URL pattern")
    .optional()
    .describe("Issuer URL pattern of the tenants' realms; `{domain}`, `{prefix}` and `{id}` are replaced."),
  realmPrefix: z
    .string()
    .regex(/^[a-z0-9-]+$/, "must be lower-case alphanumerics and '-'")
    .optional()
    .describe("Realm prefix (the platform has used `sme` and `org`)."),
  clientId: z.string().min(1).optional().describe("The Stalwart client id; tokens must carry it as audience."),
});

const externalSecretsSchema = z.strictObject({
  clusterSecretStore: dnsLabel("ClusterSecretStore name").optional().describe("The ClusterSecretStore that reads OpenBao."),
  refreshInterval: z
    .string()
    .regex(GO_DURATION, 'must be a Go duration such as "1h" or "15m"')
    .meta({ title: "Go duration" })
    .optional()
    .describe("How often ExternalSecrets refresh; more than 0 and at most `1h`, so a rotated credential arrives within an hour."),
});

const webmailSchema = z.strictObject({
  enabled: z.boolean().optional().describe("Webmail for every tenant (each tenant may override it)."),
  image: z.string().min(1).meta({ title: "image reference" }).optional().describe("The SnappyMail image."),
  gateway: z
    .strictObject({ name: dnsLabel("gateway name").describe("Gateway name."), namespace: dnsLabel("namespace").describe("Gateway namespace.") })
    .optional()
    .describe("Parent gateway of the webmail HTTPRoutes."),
});

const tenantNamespacesSchema = z.strictObject({
  prefix: z
    .string()
    .regex(/^([a-z0-9][-a-z0-9]*)?$/, "must be lower-case alphanumerics and '-'")
    .optional()
    .describe("A tenant's namespace is `<prefix><id>`."),
  create: z.boolean().optional().describe("Whether the tenant stack creates its namespace; `false` when the platform already owns it."),
});

const kitSchema = z.strictObject({
  include: z.array(z.string().min(1)).min(1, "must name at least one slot").describe("Slots to install; their transitive dependencies are added."),
  versions: z
    .record(z.string(), z.string().min(1))
    .optional()
    .describe("Exact chart version per slot, overriding `kit/chart-versions.yaml` (ranges are errors: the helm provider needs exact versions)."),
  // Kept in the schema only to say why it is gone instead of "unknown key".
  defaultVersion: z
    .never({
      error:
        "kit.defaultVersion was removed: delete it. Every slot gets its exact chart version from kit/chart-versions.yaml (npm run kit:lock refreshes it); pin exact overrides in kit.versions",
    })
    .optional()
    .describe("Removed (a version range here failed every plan); an error that says so."),
  values: z.record(z.string(), z.record(z.string(), z.unknown())).optional().describe("Helm values per slot."),
  namespaces: z.record(z.string(), dnsLabel("namespace")).optional().describe("Target namespace per slot."),
  timeoutSeconds: z.number().int().min(60).max(3600).optional().describe("How long Terraform waits for each release to become ready."),
});

const secretKeySourceSchema = z.strictObject({
  namespace: dnsLabel("namespace").describe("Namespace of the Secret."),
  name: dnsLabel("Secret name").describe("Name of the Secret."),
  userKey: secretKey.optional().describe("Key of the user name."),
  passwordKey: secretKey.optional().describe("Key of the password."),
});

const openbaoSourceSchema = z.strictObject({
  path: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "must be a KV path such as sovereign/mothership/smtp")
    .describe("KV v2 secret path below the mount, e.g. `sovereign/mothership/smtp`."),
  userKey: z.string().min(1).optional().describe("Property of the user name."),
  passwordKey: z.string().min(1).optional().describe("Property of the password."),
});

const mothershipSchema = z.strictObject({
  host: dnsName("mothership SMTP host").describe("The central relay's SMTP host."),
  port: z.number().int().min(1).max(65535).optional().describe("The central relay's submission port."),
  from: z.email("must be an email address").describe("Envelope sender the mothership accepts for this Sovereign."),
  credentials: z
    .union([
      z.strictObject({ secret: secretKeySourceSchema.describe("A Secret in the cluster.") }),
      z.strictObject({ openbao: openbaoSourceSchema.describe("An OpenBao KV v2 path (read with the token from `VAULT_TOKEN`; the value is stored in Terraform state).") }),
    ])
    .describe("Where the mothership credentials come from: exactly one of `secret` or `openbao`."),
});

const relaySchema = z.strictObject({
  capacity: capacitySchema.optional().describe("Sizing of the relay's mail server."),
  mode: z
    .enum(["sovereign-local", "mothership"])
    .optional()
    .describe("Where the contract Secret points consumers: this relay, or `mothership` (a central relay) while the local one is brought up. The local relay is deployed in both modes."),
  submission: z.enum(["implicit-tls", "starttls"]).optional().describe("Submission listener: `implicit-tls` (465) or `starttls` (587)."),
  senders: z
    .array(z.email("must be an email address"))
    .optional()
    .describe("Further From addresses, all in the Sovereign's domain; they become aliases of the `noreply` account."),
  clients: z.array(podSetSchema).optional().describe("In-cluster pods allowed to submit mail to the relay."),
  mothership: mothershipSchema.optional().describe("The central relay, required with `mode: mothership`."),
  keycloakProjection: z
    .strictObject({
      addr: z.url("must be a URL").describe("Keycloak's address."),
      realm: z.string().min(1).describe("The realm of the service account."),
      clientId: z.string().min(1).describe("The service account's client id."),
      clientSecret: z
        .strictObject({
          namespace: dnsLabel("namespace").describe("Namespace of the Secret."),
          name: dnsLabel("Secret name").describe("Name of the Secret."),
          key: z.string().min(1).describe("Key of the client secret."),
        })
        .optional()
        .describe("The Secret holding the service account's client secret."),
      audience: z.string().min(1).optional().describe("The token audience."),
    })
    .optional()
    .describe("Also render `catalyst-system/catalyst-openova-kc-credentials` from the SMTP precedence contract."),
});

const dnsSchema = z.strictObject({
  rfc2136: z
    .strictObject({
      server: z.string().min(1).describe("The authoritative DNS server that takes the updates."),
      port: z.number().int().min(1).max(65535).optional().describe("Its DNS port."),
      zone: dnsName("zone").describe("Zone that holds the relay and the free-subdomain tenants (e.g. the Sovereign's fqdn); it must contain the Sovereign's domain."),
      keyName: z
        .string()
        .regex(/^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/, 'must be a TSIG key name such as "sovereign-mail."')
        .describe("TSIG key name, fully qualified (a trailing dot is added when missing), e.g. `sovereign-mail.`."),
      keyAlgorithm: z
        .enum(["hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha512"], { error: 'must be "hmac-md5", "hmac-sha1", "hmac-sha256" or "hmac-sha512" (what the dns provider can sign with)' })
        .optional()
        .describe("TSIG algorithm: the ones hashicorp/dns 3.4.3 can sign with."),
    })
    .optional()
    .describe("Dynamic updates (RFC 2136) to the Sovereign's authoritative DNS (PowerDNS). The TSIG secret comes from `TF_VAR_dns_update_key_secret`, never the fleet."),
  ttl: z.number().int().min(60).max(86400).optional().describe("TTL of every mail record."),
  dkimSelectors: z
    .strictObject({
      ed25519: z.string().min(1).optional().describe("Selector of the Ed25519 key (DNS labels)."),
      rsa: z.string().min(1).optional().describe("Selector of the RSA key (DNS labels); must differ from the Ed25519 one."),
    })
    .optional()
    .describe("DKIM selectors; domains whose keys rotate append the slot (`-a`, `-b`, `-c`)."),
  dkimRsaBits: z.number().int().optional().describe("Size of the RSA DKIM key; at least 2048."),
  tenantSpfAll: z.enum(SPF_ALL_TERMS).optional().describe("SPF `all` term of tenant domains."),
  relaySpfAll: z.enum(SPF_ALL_TERMS).optional().describe("SPF `all` term of the relay domain."),
  dmarc: z
    .strictObject({
      tenantPolicy: z.enum(DMARC_POLICIES).optional().describe("DMARC policy (`p=`) of tenant domains."),
      relayPolicy: z.enum(DMARC_POLICIES).optional().describe("DMARC policy (`p=`) of the relay domain."),
      rua: z
        .array(z.string().refine(isDmarcMailto, "must be a mailto: URI such as mailto:dmarc@example.org"))
        .optional()
        .describe("Aggregate report URIs (`mailto:`)."),
      adkim: z.enum(["r", "s"]).optional().describe("DKIM alignment: relaxed or strict."),
      aspf: z.enum(["r", "s"]).optional().describe("SPF alignment: relaxed or strict."),
    })
    .optional()
    .describe("DMARC records."),
  mtaSts: z
    .strictObject({
      mode: z.enum(["testing", "enforce"]).optional().describe("MTA-STS policy mode."),
      maxAgeDays: z.number().int().min(1).max(365).optional().describe("How long senders cache the policy."),
    })
    .optional()
    .describe("MTA-STS for tenant domains (Stalwart serves the policy)."),
});

const ptrSchema = z.strictObject({
  mode: z
    .enum(["ccm", "terraform"])
    .optional()
    .describe("`ccm`: annotations on the Service ask hcloud-cloud-controller-manager; `terraform`: `hcloud_rdns` on the CCM's load balancer."),
  location: z.string().regex(/^[a-z]+[0-9]+$/, 'must be a Hetzner location such as "fsn1"').describe("Hetzner location of the mail load balancers, e.g. `fsn1`."),
});

const smartHostSchema = z.strictObject({
  address: dnsName("smart host").describe("The smart host's address."),
  port: z.number().int().min(1).max(65535).optional().describe("The smart host's port."),
  implicitTls: z.boolean().optional().describe("Implicit TLS; `false`: STARTTLS."),
  username: z.string().min(1).optional().describe("User name for the smart host."),
  password: z
    .strictObject({
      openbaoPath: z.string().min(1).describe("OpenBao KV v2 path of the password."),
      property: secretKey.describe("Property of the password at that path."),
    })
    .optional()
    .describe("The smart host password, read from OpenBao through an ExternalSecret."),
});

const rotationDaysSchema = z.int("must be a whole number of days").min(0, "must be 0 (no automatic rotation) or more").max(3650, "must be at most 3650 days");

const credentialClassSchema = (what: string) =>
  z
    .strictObject({ rotationDays: rotationDaysSchema.optional().describe("Days between automatic rotations of this class; `0`: never automatically (reset only).") })
    .optional()
    .describe(what);

const credentialsSchema = z.strictObject({
  rotationDays: rotationDaysSchema.optional().describe("Days between automatic rotations of every credential class; `0`: never automatically (reset only)."),
  overlapDays: z
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(90, "must be at most 90 days")
    .optional()
    .describe("Days the previous submission password stays valid after a rotation, so consumers switch without failing; shorter than the submission rotation."),
  classes: z
    .strictObject({
      admin: credentialClassSchema("The recovery admin."),
      submission: credentialClassSchema("The relay's submission account."),
      metrics: credentialClassSchema("The metrics credential."),
      oidc: credentialClassSchema("Tenant OIDC client secrets."),
      dkim: credentialClassSchema("DKIM signing keys; rotated only for domains published by RFC 2136 (BYO domains never rotate automatically)."),
    })
    .optional()
    .describe("Rotation per credential class."),
});

const stateSchema = z.discriminatedUnion("backend", [
  z.strictObject({
    backend: z.literal("local").describe("`local`: a state file beside the project (`terraform.<stack>.tfstate`); development only, nothing is locked or encrypted."),
  }),
  z.strictObject({
    backend: z
      .literal("s3")
      .describe("`s3`: S3 or S3-compatible object storage, locked with a lock file next to the state (`use_lockfile`); credentials from `AWS_*` variables, never the fleet."),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name").describe("The bucket."),
    region: backendText.describe("The bucket's region (for S3-compatible storage, its location, e.g. `fsn1`)."),
    endpoint: z.url("must be a URL").pipe(backendText).optional().describe("Endpoint of S3-compatible storage; path-style addressing and no AWS account checks then."),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, "must be an object key prefix without leading or trailing '/'")
      .optional()
      .describe("Objects are `<keyPrefix>/<stack>.tfstate`."),
    encrypt: z
      .boolean()
      .optional()
      .describe("Server-side encryption of the state objects (SSE-S3, or SSE-KMS with `kmsKeyId`). Stores without it: set `false` and export `AWS_SSE_CUSTOMER_KEY` (SSE-C)."),
    kmsKeyId: backendText.optional().describe("KMS key for SSE-KMS."),
  }),
  z.strictObject({
    backend: z
      .literal("pg")
      .describe("`pg`: PostgreSQL, locked with advisory locks; the connection string (with its password and `sslmode`) comes from `PG_CONN_STR`, never the fleet."),
    schemaPrefix: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,30}$/, "must be a lower-case SQL identifier of at most 31 characters")
      .optional()
      .describe("Each stack's state lives in schema `<schemaPrefix>_<stack with '-' as '_'>`."),
  }),
], { error: 'must be "local", "s3" or "pg"' });

const sovereignSchema = z.strictObject({
  name: dnsLabel("Sovereign name").describe("Short name, unique in the fleet: prefix of every stack of this Sovereign (`<name>-mail`, `<name>-tenant-<id>`)."),
  fqdn: dnsName("Sovereign fqdn").describe("The Sovereign's FQDN, unique among the fleet's mail domains: the relay sends as `noreply@<fqdn>` from `mail.<fqdn>`."),
  cluster: clusterSchema.describe("How terraform reaches the cluster."),
  stalwart: stalwartSchema.optional().describe("The Stalwart server images and storage."),
  loadBalancer: loadBalancerSchema.optional().describe("The mail LoadBalancer Services."),
  managementClients: z.array(podSetSchema).optional().describe("In-cluster pods allowed to reach every server's management listener (8080): metrics scrapers, operators."),
  clusterDns: clusterDnsSchema.optional().describe("Where the cluster's DNS pods run (for the egress policies)."),
  tenantParentZone: dnsName("tenant parent zone").optional().describe("Parent zone of free-subdomain tenants."),
  tenantNamespaces: tenantNamespacesSchema.optional().describe("The tenants' namespaces."),
  relay: relaySchema.optional().describe("The Sovereign's system-mail relay (stack `<name>-mail`)."),
  keycloak: keycloakSchema.optional().describe("Tenant login through each tenant's Keycloak realm (OIDC)."),
  externalSecrets: externalSecretsSchema.optional().describe("How secrets reach the cluster from OpenBao."),
  webmail: webmailSchema.optional().describe("Tenant webmail (SnappyMail) behind the cluster gateway."),
  clusterIssuer: dnsLabel("ClusterIssuer name").optional().describe("cert-manager ClusterIssuer (DNS-01) for the tenants' mail and webmail hosts."),
  dns: dnsSchema.optional().describe("Mail DNS records: publication, DKIM, SPF, DMARC, MTA-STS (see [DNS](DNS.md#dns-fields-sovereignsdns-ptr-smarthost))."),
  ptr: ptrSchema.optional().describe("Hetzner reverse DNS (PTR) of the mail load balancers: each one's mail host. Needs `bp-hcloud-ccm` in the kit."),
  smartHost: smartHostSchema.optional().describe("Send all outbound mail through a relay (for projects whose outbound port 25 is blocked)."),
  openbao: z
    .strictObject({
      address: z.url("must be a URL").describe("OpenBao's address."),
      mount: z.string().min(1).optional().describe("The KV v2 mount."),
    })
    .optional()
    .describe("OpenBao, the system of record of every credential; required (checked) when the Sovereign has mail stacks. The token comes from `VAULT_TOKEN`, never the fleet."),
  kit: kitSchema.optional().describe("The bootstrap kit installed by the `<name>-kit` stack (see [Bootstrap kit](KIT.md#bootstrap-kit))."),
  credentials: credentialsSchema.optional().describe("Rotation of the credentials Terraform generates into OpenBao (see [Credential lifecycle](OPERATIONS.md#credential-lifecycle))."),
  state: stateSchema
    .optional()
    .describe("Where every stack of this Sovereign keeps its Terraform state, generated credentials included (see [Terraform state](OPERATIONS.md#terraform-state))."),
  tenants: z.array(tenantSchema).optional().describe("The SME tenants, each with its own mail server (stack `<name>-tenant-<id>`)."),
  backup: backupSchema
    .optional()
    .describe("Backups of every mail server of this Sovereign (relay and tenants), cold and consistent (see [Backups](OPERATIONS.md#backups-and-restore)). Without it no server is backed up, and synthesis says so."),
  monitoring: monitoringSchema
    .optional()
    .describe("Metrics, alerts and dashboards of every mail server of this Sovereign on the kit's Alloy, Mimir, Loki and Grafana (see [Monitoring](OPERATIONS.md#monitoring-and-alerts)); needs those slots in the kit. Without it nothing watches the servers, and synthesis says so."),
  offboarding: offboardingSchema
    .optional()
    .describe("The whole Sovereign is leaving: every mail stack (relay and tenants) stays until `retainUntil` (see [Offboarding](OPERATIONS.md#offboarding))."),
});

export const fleetSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1 (the only fleet file format version)" }).describe("The fleet file format version."),
  sovereigns: z.array(sovereignSchema).min(1, "must list at least one Sovereign").describe("The Sovereign clusters."),
});

export type FleetInput = z.infer<typeof fleetSchema>;
export type SovereignInput = z.infer<typeof sovereignSchema>;
export type TenantInput = z.infer<typeof tenantSchema>;
export type CapacityInput = z.infer<typeof capacitySchema>;
export type KitInput = z.infer<typeof kitSchema>;
