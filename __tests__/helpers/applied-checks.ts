/**
 * Checks of what an offline apply left in state: the values the providers would have received, as real
 * Terraform evaluated them. Each returns a list of problems (empty when fine), named by resource address.
 */
import ipaddr from "ipaddr.js";
import { parsePlan } from "../../stalwart/plan";
import type { RegistryValidator } from "../../stalwart/registry-schema";
import type { StandInState } from "./offline-apply";
import { stringLeaves, type Json } from "./terraform-json";

type State = ReadonlyMap<string, StandInState>;
const ofType = (state: State, type: string) => [...state.values()].filter((r) => r.address.startsWith(`${type}.`));

/** Every Stalwart plan ConfigMap: NDJSON line by line, nothing left for Terraform or our renderer, schema-valid. */
export function planConfigMapProblems(state: State, validator: RegistryValidator | undefined): string[] {
  const problems: string[] = [];
  for (const cm of ofType(state, "kubernetes_config_map_v1")) {
    const text: string | undefined = cm.input.data?.["plan.ndjson"];
    if (text === undefined) continue;
    if (text.includes("{{terraform:")) problems.push(`${cm.address}: a {{terraform:n}} placeholder was never filled`);
    if (/\$\{|%\{/.test(text)) problems.push(`${cm.address}: a Terraform template marker reached the plan`);
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        JSON.parse(line);
      } catch (e) {
        problems.push(`${cm.address}: line ${i + 1} is not JSON (${(e as Error).message})`);
      }
    });
    if (validator && problems.length === 0) for (const op of parsePlan(text)) problems.push(...validator.validateOperation(op).map((p) => `${cm.address}: ${p}`));
  }
  return problems;
}

export interface PublishedRecord {
  readonly address: string;
  readonly type: string;
  /** Absolute owner name, lower case, without the trailing dot. */
  readonly fqdn: string;
  readonly values: readonly string[];
}

const RECORD_TYPES: Record<string, string> = {
  dns_a_record_set: "A",
  dns_aaaa_record_set: "AAAA",
  dns_txt_record_set: "TXT",
  dns_mx_record_set: "MX",
  dns_cname_record: "CNAME",
};

/** The records an apply published by RFC 2136, as the dns provider sends them. */
export function publishedRecords(state: State): PublishedRecord[] {
  return [...state.values()].flatMap((r) => {
    const type = RECORD_TYPES[r.address.split(".")[0]];
    if (!type) return [];
    const { zone, name } = r.input as { zone: string; name?: string };
    const fqdn = `${name ? `${name}.` : ""}${zone}`.replace(/\.$/, "").toLowerCase();
    const values: string[] =
      type === "TXT" ? r.input.txt : type === "MX" ? [r.input.mx].flat().map((m: Json) => `${m.preference} ${m.exchange}`) : type === "CNAME" ? [r.input.cname] : r.input.addresses;
    return [{ address: r.address, type, fqdn, values }];
  });
}

/**
 * What DNS and the dns provider accept (RFC 1035, and hashicorp/dns v3.4.3's formats): names ≤ 253 octets with
 * labels ≤ 63, a fully qualified zone and a relative name, TXT text the provider sends and reads back unchanged
 * (printable ASCII, no quote or backslash; it splits at 255 octets itself), RDATA ≤ 65535 octets, one SPF and one
 * DMARC record per name, no empty address set, public addresses only, absolute MX/CNAME targets.
 */
export function recordProblems(state: State): string[] {
  const problems: string[] = [];
  for (const r of [...state.values()].filter((s) => RECORD_TYPES[s.address.split(".")[0]])) {
    if (!/\.$/.test(r.input.zone)) problems.push(`${r.address}: zone ${r.input.zone} is not fully qualified`);
    if (r.input.name !== undefined && /\.$/.test(r.input.name)) problems.push(`${r.address}: name ${r.input.name} must be relative to the zone`);
  }
  for (const rec of publishedRecords(state)) {
    const at = `${rec.address} (${rec.type} ${rec.fqdn})`;
    if (rec.fqdn.length > 253) problems.push(`${at}: name is ${rec.fqdn.length} octets (max 253)`);
    for (const label of rec.fqdn.split(".")) if (label.length === 0 || label.length > 63) problems.push(`${at}: label "${label}" is ${label.length} octets`);
    if (rec.values.length === 0) problems.push(`${at}: empty record set`);
    for (const v of rec.values) {
      if (rec.type === "TXT") {
        if (/[^\x20-\x7e]|["\\]/.test(v)) problems.push(`${at}: TXT text the provider would not read back unchanged: ${JSON.stringify(v.slice(0, 60))}`);
        const octets = Buffer.byteLength(v);
        if (octets + Math.ceil(octets / 255) > 65535) problems.push(`${at}: TXT RDATA over 65535 octets`);
      }
      if (rec.type === "A" || rec.type === "AAAA") {
        if (!ipaddr.isValid(v)) problems.push(`${at}: ${v} is not an address`);
        else if (ipaddr.parse(v).kind() !== (rec.type === "A" ? "ipv4" : "ipv6")) problems.push(`${at}: ${v} is of the wrong family`);
        else if (ipaddr.parse(v).range() !== "unicast" && !isDocumentation(v)) problems.push(`${at}: ${v} is not public (${ipaddr.parse(v).range()})`);
      }
      if ((rec.type === "MX" || rec.type === "CNAME") && !/\.$/.test(v)) problems.push(`${at}: target ${v} is not fully qualified`);
    }
  }
  const byName = new Map<string, PublishedRecord[]>();
  for (const rec of publishedRecords(state).filter((r) => r.type === "TXT")) byName.set(rec.fqdn, [...(byName.get(rec.fqdn) ?? []), rec]);
  for (const [name, recs] of byName) {
    const values = recs.flatMap((r) => r.values);
    for (const [kind, pattern] of [["SPF", /^v=spf1( |$)/i], ["DMARC", /^v=DMARC1;/]] as const) {
      const n = values.filter((v) => pattern.test(v)).length;
      if (n > 1) problems.push(`${name}: ${n} ${kind} records (exactly one allowed)`);
    }
  }
  return problems;
}

/** The stand-ins' addresses come from the documentation ranges (RFC 5737, RFC 3849); real ones are unicast. */
const isDocumentation = (ip: string) => {
  const parsed = ipaddr.parse(ip);
  return parsed.match(ipaddr.parseCIDR(parsed.kind() === "ipv4" ? "203.0.113.0/24" : "2001:db8::/32"));
};

/** Every place a secret value could leak to: strings of every resource but the OpenBao seeds, and open outputs. */
export function leakedSecrets(state: State, outputs: Record<string, { value: Json; sensitive: boolean }>, secrets: readonly string[]): string[] {
  const problems: string[] = [];
  const check = (where: string, value: Json) => {
    for (const leaf of stringLeaves(value)) for (const s of secrets) if (s.length >= 16 && leaf.value.includes(s)) problems.push(`${where}.${leaf.path} holds a secret value`);
  };
  for (const r of state.values()) if (!r.address.startsWith("vault_kv_secret_v2.")) check(r.address, r.input);
  for (const [name, o] of Object.entries(outputs)) if (!o.sensitive) check(`output.${name}`, o.value);
  return problems;
}

/** The secret values among the providers' computed values: passwords and private keys (also their base64 bodies). */
export function secretValues(computed: ReadonlyMap<string, Record<string, Json>>): string[] {
  const out: string[] = [];
  for (const [address, values] of computed) {
    if (address.startsWith("random_password.")) out.push(values.result);
    if (address.startsWith("tls_private_key.")) out.push(values.private_key_pem, ...String(values.private_key_pem).split("\n").filter((l) => l.length === 64));
  }
  return out;
}
