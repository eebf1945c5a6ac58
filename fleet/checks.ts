import type { Fleet } from "./model";
import { requireLock, type ChartLock } from "../kit/chart-versions";
import type { KitSlot } from "../kit/dag-file";
import { kitProblems } from "../kit/selection";
import { FLEET_DEFAULTS } from "./defaults";
import { goDurationSeconds } from "./go-duration";
import { formatPath, isWithinZone, RELAY_CREDENTIALS_OWNER, sovereignStackNames, stateSchemaName } from "./names";
import type { FleetInput } from "./schema";

/** A problem whose path is still a list of keys, so the loader can point at the YAML line. */
export interface LocatedProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** ExternalSecrets must pick up a rotation within this many seconds (one hour). */
const MAX_REFRESH_SECONDS = 3600;
/** RFC 8301: DKIM signers SHOULD use RSA keys of at least 2048 bits. */
const MIN_DKIM_RSA_BITS = 2048;
const MAX_NAME = 63;
const MAX_FQDN = 253;

/**
 * Kit selections against the slot registry and the chart lock (`lock` is needed only when a Sovereign has a kit):
 * run before resolving, which needs valid selections.
 */
export function checkKits(input: FleetInput, registry: readonly KitSlot[], lock: ChartLock | undefined): LocatedProblem[] {
  return input.sovereigns.flatMap((s, i) =>
    s.kit ? kitProblems(s.kit, registry, requireLock(lock)).map((p) => ({ path: ["sovereigns", i, "kit", ...p.path], message: p.message })) : [],
  );
}

/** Checks that need the whole fleet or derived names; the schema has already checked each field alone. */
export function crossCheckFleet(input: FleetInput, fleet: Fleet): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path, message });

  const firstSeen = new Map<string, string>();
  const claim = (kind: string, key: string, path: PropertyKey[], label: string) => {
    const id = `${kind}\u0000${key}`;
    const previous = firstSeen.get(id);
    if (previous !== undefined) add(path, `duplicate ${label} "${key}" (first used at ${previous})`);
    else firstSeen.set(id, formatPath(path));
  };

  const names = new Map<string, string>();
  // The zones each Sovereign publishes, computed once (a fleet has thousands of tenants).
  let zones: Map<Fleet["sovereigns"][number], Set<string>> | undefined;
  const zonesOf = () =>
    (zones ??= new Map(fleet.sovereigns.map((o) => [o, new Set([o.fqdn, ...o.tenants.filter((x) => x.domainMode === "free-subdomain").map((x) => parentOf(x.domain))])])));
  input.sovereigns.forEach((s, i) => {
    const sov = fleet.sovereigns[i];
    claim("sovereign", s.name, ["sovereigns", i, "name"], "Sovereign name");
    claim("domain", s.fqdn, ["sovereigns", i, "fqdn"], "mail domain");
    checkNameLength(add, ["sovereigns", i, "name"], "relay stack name", sov.relay.stackName);
    if (sov.kit) checkNameLength(add, ["sovereigns", i, "name"], "kit stack name", sov.kit.stackName);

    if (sov.platform.state.backend === "pg") {
      const { schemaPrefix } = sov.platform.state;
      const tooLong = sovereignStackNames(sov).map((n) => stateSchemaName(schemaPrefix, n)).filter((n) => n.length > MAX_NAME);
      // PostgreSQL truncates longer identifiers silently: two stacks could end up sharing one state.
      if (tooLong.length > 0) add(["sovereigns", i, "state", "schemaPrefix"], `derived state schema "${tooLong[0]}" is ${tooLong[0].length} characters; PostgreSQL allows at most ${MAX_NAME}`);
    }

    const lbType = s.loadBalancer?.type ?? FLEET_DEFAULTS["sovereigns[]"].loadBalancer.type;
    if (lbType === "NodePort") {
      add(["sovereigns", i, "loadBalancer", "type"], "NodePort Services are forbidden on Sovereign clusters; use LoadBalancer");
    } else if (lbType !== "LoadBalancer") {
      add(["sovereigns", i, "loadBalancer", "type"], `must be "LoadBalancer" (got "${lbType}")`);
    }
    const relay = s.relay;
    (relay?.senders ?? []).forEach((address, j) => {
      if (address.slice(address.lastIndexOf("@") + 1).toLowerCase() !== s.fqdn) {
        add(["sovereigns", i, "relay", "senders", j], `sender "${address}" is not in the Sovereign's domain "${s.fqdn}" (the relay signs and sends only for it)`);
      }
    });
    if (relay?.mode === "mothership" && !relay.mothership) add(["sovereigns", i, "relay", "mode"], 'mode "mothership" needs relay.mothership (host, from, credentials)');
    // Every server's credentials are generated into OpenBao and reach the cluster only through ExternalSecrets.
    if (!s.openbao) add(["sovereigns", i], "openbao.address is required: OpenBao is the system of record of every mail credential");
    const refreshSeconds = goDurationSeconds(sov.platform.externalSecrets.refreshInterval);
    if (refreshSeconds > MAX_REFRESH_SECONDS || refreshSeconds === 0) {
      add(["sovereigns", i, "externalSecrets", "refreshInterval"], `must be more than 0 and at most 1h, so a rotated credential reaches its consumers within an hour (got "${sov.platform.externalSecrets.refreshInterval}")`);
    }
    const { overlapDays, rotationDays } = sov.platform.credentials;
    if (rotationDays.submission > 0 && overlapDays >= rotationDays.submission) {
      add(["sovereigns", i, "credentials", "overlapDays"], `overlap of ${overlapDays} days must be shorter than the submission rotation (${rotationDays.submission} days)`);
    }
    const rdnsAnnotations = Object.keys(s.loadBalancer?.annotations ?? {}).filter((k) => /^load-balancer\.hetzner\.cloud\/ipv[46]-rdns$/.test(k));
    if (rdnsAnnotations.length > 0 && s.ptr) {
      add(["sovereigns", i, "loadBalancer", "annotations", rdnsAnnotations[0]], "PTR is managed by sovereigns[].ptr; setting it here too would make two owners fight over one IP");
    }
    // These annotations go on every mail Service of the Sovereign: one PTR or one load balancer name for all.
    const mailHosts = [sov.relay.mailHost, ...sov.tenants.map((t) => t.mailHost)];
    for (const key of s.ptr ? [] : rdnsAnnotations) {
      const value = s.loadBalancer!.annotations![key];
      const other = mailHosts.find((h) => h !== value);
      if (other !== undefined) {
        add(["sovereigns", i, "loadBalancer", "annotations", key], `PTR "${value}" goes on every mail load balancer of this Sovereign, but the server with mail host "${other}" greets as "${other}" (forward-confirmed rDNS fails); use sovereigns[].ptr, which gives each server its own mail host`);
      }
    }
    if (s.loadBalancer?.annotations?.["load-balancer.hetzner.cloud/name"] !== undefined && (mailHosts.length > 1 || s.ptr)) {
      add(["sovereigns", i, "loadBalancer", "annotations", "load-balancer.hetzner.cloud/name"], "every mail Service of this Sovereign would claim one load balancer; leave the name out (with sovereigns[].ptr each Service's load balancer is named after its stack)");
    }
    if (sov.platform.dns.dkimRsaBits < MIN_DKIM_RSA_BITS) add(["sovereigns", i, "dns", "dkimRsaBits"], `DKIM RSA keys must have at least ${MIN_DKIM_RSA_BITS} bits`);
    for (const [algorithm, selector] of Object.entries(s.dns?.dkimSelectors ?? {})) {
      if (selector !== undefined && !selector.split(".").every((l) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(l))) {
        add(["sovereigns", i, "dns", "dkimSelectors", algorithm], `selector "${selector}" must be DNS labels (a-z, 0-9, '-')`);
      }
    }
    if (s.dns?.rfc2136 && !isWithinZone(s.fqdn, s.dns.rfc2136.zone)) add(["sovereigns", i, "dns", "rfc2136", "zone"], `zone "${s.dns.rfc2136.zone}" does not contain the Sovereign's domain "${s.fqdn}"`);
    const imageProblem = checkImage(s.stalwart?.image, s.stalwart?.digest);
    if (imageProblem) add(["sovereigns", i, "stalwart", "image"], imageProblem);

    checkDnsNames(add, sov, i, names);
    const { ed25519, rsa } = sov.platform.dns.dkimSelectors;
    if (ed25519 === rsa) add(["sovereigns", i, "dns", "dkimSelectors"], `the Ed25519 and RSA selectors must differ (both "${ed25519}": one record cannot hold two keys)`);
    const location = s.loadBalancer?.annotations?.["load-balancer.hetzner.cloud/location"];
    if (location !== undefined && s.ptr && location !== s.ptr.location) {
      add(["sovereigns", i, "loadBalancer", "annotations", "load-balancer.hetzner.cloud/location"], `location "${location}" contradicts ptr.location "${s.ptr.location}"`);
    }

    const namespaces = new Map<string, string>([[sov.relay.namespace, "the relay"]]);
    (s.tenants ?? []).forEach((t, j) => {
      const tenant = sov.tenants[j];
      const at = (...rest: PropertyKey[]) => ["sovereigns", i, "tenants", j, ...rest];
      claim("tenant", t.id, at("id"), "tenant id");
      checkNameLength(add, at("id"), "tenant stack name", tenant.stackName);
      checkNameLength(add, t.namespace ? at("namespace") : at("id"), "tenant namespace", tenant.namespace);
      const other = namespaces.get(tenant.namespace);
      if (other !== undefined) add(t.namespace ? at("namespace") : at("id"), `namespace "${tenant.namespace}" is already used by ${other}`);
      namespaces.set(tenant.namespace, `tenant "${t.id}"`);

      const domainPath = t.domain.mode === "byo" ? at("domain", "name") : at("domain");
      if (tenant.mailHost.length > MAX_FQDN || tenant.mailHost.split(".").some((l) => l.length > MAX_NAME)) {
        add(domainPath, `mail host "${tenant.mailHost}" is not a valid DNS name (≤ 253 octets, labels ≤ 63)`);
      }
      claim("domain", tenant.domain, domainPath, "mail domain");
      if (t.id === RELAY_CREDENTIALS_OWNER) add(at("id"), `tenant id "${t.id}" is reserved: the relay's OpenBao paths use it`);
      if (tenant.webmail && tenant.webmail.host === tenant.mailHost) {
        add(at("webmail", "host"), `webmail host must differ from the mail host "${tenant.mailHost}" (the MX name must never resolve to the HTTP gateway)`);
      }
      if (t.domain.mode === "byo") {
        for (const [owner, zones] of zonesOf()) {
          for (const zone of zones) {
            if (!isWithinZone(tenant.domain, zone)) continue;
            add(
              domainPath,
              owner === sov
                ? `BYO domain "${tenant.domain}" lies in this Sovereign's own zone "${zone}"; use mode free-subdomain`
                : `BYO domain "${tenant.domain}" lies in zone "${zone}" of another Sovereign ("${owner.name}")`,
            );
          }
        }
      }
    });
  });
  return problems;
}

/**
 * The DNS names each mail server of a Sovereign owns (its records, and a tenant's webmail host), checked for
 * length (253 octets, labels of 63) and against every name another server of the fleet owns: two owners of one
 * name publish two SPF records there, fight over one record set, or put a tenant's records on another's CNAME.
 */
function checkDnsNames(add: (p: PropertyKey[], m: string) => void, sov: Fleet["sovereigns"][number], i: number, names: Map<string, string>): void {
  const rotating = sov.platform.credentials.rotationDays.dkim > 0 && sov.platform.dns.rfc2136 !== undefined;
  const zone = sov.platform.dns.rfc2136?.zone;
  const servers = [
    { owner: `the relay of "${sov.name}"`, domain: sov.relay.domain, mailHost: sov.relay.mailHost, mtaSts: false, webmail: undefined, path: ["sovereigns", i, "fqdn"], webmailPath: [] },
    ...sov.tenants.map((t, j) => ({
      owner: `tenant "${t.id}" of "${sov.name}"`,
      domain: t.domain,
      mailHost: t.mailHost,
      mtaSts: true,
      webmail: t.webmail?.host,
      path: t.domainMode === "byo" ? ["sovereigns", i, "tenants", j, "domain", "name"] : ["sovereigns", i, "tenants", j, "id"],
      webmailPath: ["sovereigns", i, "tenants", j, "webmail", "host"],
    })),
  ];
  for (const server of servers) {
    const slots = rotating && zone !== undefined && isWithinZone(server.domain, zone) ? ["-a", "-b", "-c"] : [""];
    const selectors = Object.values(sov.platform.dns.dkimSelectors).flatMap((sel) => slots.map((slot) => `${sel}${slot}`));
    const owned: [name: string, path: PropertyKey[]][] = [
      ...[
        server.domain,
        server.mailHost,
        `_dmarc.${server.domain}`,
        `_smtp._tls.${server.domain}`,
        ...selectors.map((sel) => `${sel}._domainkey.${server.domain}`),
        ...(server.mtaSts ? [`_mta-sts.${server.domain}`, `mta-sts.${server.domain}`] : []),
      ].map((name): [string, PropertyKey[]] => [name, server.path]),
      ...(server.webmail ? [[server.webmail, server.webmailPath] as [string, PropertyKey[]]] : []),
    ];
    // One problem per other owner (and path), naming the first shared names: one mistake, one line.
    const collisions = new Map<string, { path: PropertyKey[]; other: string; names: string[] }>();
    for (const [name, path] of owned) {
      if (name.length > MAX_FQDN || name.split(".").some((l) => l.length > MAX_NAME)) {
        add(path, `derived DNS name "${name}" is too long (at most ${MAX_FQDN} octets, labels of ${MAX_NAME})`);
      }
      const other = names.get(name);
      if (other === undefined) names.set(name, server.owner);
      else if (other !== server.owner) {
        const key = `${formatPath(path)}\0${other}`;
        const entry = collisions.get(key) ?? { path, other, names: [] };
        entry.names.push(name);
        collisions.set(key, entry);
      }
    }
    for (const { path, other, names: shared } of collisions.values()) {
      const listed = shared.slice(0, 3).map((n) => `"${n}"`).join(", ") + (shared.length > 3 ? ` and ${shared.length - 3} more` : "");
      add(path, `${server.owner} would publish DNS name${shared.length > 1 ? "s" : ""} ${listed}, already used by ${other}`);
    }
  }
}

function checkNameLength(add: (p: PropertyKey[], m: string) => void, path: PropertyKey[], what: string, name: string) {
  if (name.length > MAX_NAME) add(path, `derived ${what} "${name}" is ${name.length} characters; at most ${MAX_NAME} allowed`);
}

/** Only v0.16 servers understand the config.json we write; an unpinned tag would drift to a future major. */
function checkImage(image: string | undefined, digest: string | undefined): string | undefined {
  if (image === undefined) return undefined;
  // The distribution reference grammar: registry/path[:tag] (docker/distribution reference/regexp.go).
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@.*)?$/.test(image)) {
    return `"${image.length > 80 ? `${image.slice(0, 80)}…` : image}" is not a container image reference (registry/repository:tag, lower-case, no spaces or shell characters)`;
  }
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
  if (image.includes("@")) return 'put the digest in "digest", not in the image reference';
  if ((tag === undefined || tag === "latest") && digest === undefined) {
    return `image "${image}" is not pinned: give a version tag (e.g. v0.16.18) or a digest`;
  }
  const version = tag?.match(/^v?(\d+)\.(\d+)(\.|$|-)/);
  if (version && (Number(version[1]) !== 0 || Number(version[2]) !== 16)) {
    return `image "${image}" is Stalwart ${version[1]}.${version[2]}; this project writes Stalwart v0.16 configuration only`;
  }
  return undefined;
}

const parentOf = (domain: string) => domain.slice(domain.indexOf(".") + 1);
