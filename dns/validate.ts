/// <reference path="../types/mail-parsers.d.ts" />
import parseDmarc from "dmarc-parse";
import parseSpf from "spf-parse";
import { DMARC_POLICIES } from "../fleet/model";
import { DNS_LABEL, isDmarcMailto } from "../fleet/schema";
import { MAX_TXT_STRING, splitTxt, type DnsRecord } from "./records";

/** SPF terms that cost a DNS lookup (RFC 7208 §4.6.4); at most 10 per evaluation. */
const LOOKUP_TERMS = new Set(["include", "a", "mx", "ptr", "exists", "redirect"]);
export const MAX_SPF_LOOKUPS = 10;
/** A value Terraform fills in at apply time, as cdktf writes it into a string before synthesis. */
export const TOKEN = /\$\{TfToken\[[^\]]+\]\}/;

const isSpf = (r: DnsRecord, v: string) => r.type === "TXT" && /^v=spf1( |$)/.test(v);

/** Renders parsed SPF terms back to text, to check a record round-trips through the parser unchanged. */
function renderSpf(terms: ReturnType<typeof parseSpf>["mechanisms"]): string {
  return terms
    .map((t) => (t.type === "version" ? `v=${t.value}` : `${t.prefix === "+" ? "" : t.prefix}${t.type}${t.value ? (t.type === "redirect" || t.type === "exp" ? `=${t.value}` : `:${t.value}`) : ""}`))
    .join(" ");
}

function spfProblems(text: string): string[] {
  const parsed = parseSpf(text);
  const problems: string[] = [];
  if (!parsed.valid) problems.push(`SPF does not parse: ${(parsed.messages ?? []).map((m) => m.message).join("; ")}`);
  else if (renderSpf(parsed.mechanisms) !== text) problems.push(`SPF does not round-trip through the parser ("${renderSpf(parsed.mechanisms)}")`);
  const lookups = parsed.mechanisms.filter((m) => LOOKUP_TERMS.has(m.type)).length;
  if (lookups > MAX_SPF_LOOKUPS) problems.push(`SPF needs ${lookups} DNS lookups; at most ${MAX_SPF_LOOKUPS} are allowed (include, a, mx, ptr, exists, redirect)`);
  return problems;
}

function dmarcProblems(text: string): string[] {
  const problems: string[] = [];
  // The parser's address validator rejects "--" in a host name (every punycode IDN), so report URIs reach it as a
  // stand-in and are checked below by our own rule.
  const parsed = parseDmarc(text.replace(/\b(rua|ruf)=([^;]*)/g, (_m, k: string, v: string) => `${k}=${v.split(",").map(() => "mailto:report@example.com").join(",")}`));
  if (parsed.messages && parsed.messages.length > 0) problems.push(`DMARC does not parse: ${parsed.messages.join("; ")}`);
  const tags = text.split(";").map((t) => t.trim()).filter(Boolean).map((t) => t.split("=").map((x) => x.trim()));
  if (tags[0]?.[0] !== "v" || tags[0]?.[1] !== "DMARC1") problems.push('DMARC must start with "v=DMARC1"');
  if (tags[1]?.[0] !== "p") problems.push('DMARC needs "p=" right after the version');
  const value = (k: string) => tags.find(([key]) => key === k)?.[1];
  if (!(DMARC_POLICIES as readonly string[]).includes(value("p") ?? "")) problems.push(`DMARC p must be none, quarantine or reject (got "${value("p")}")`);
  for (const k of ["adkim", "aspf"]) if (value(k) !== undefined && !["r", "s"].includes(value(k)!)) problems.push(`DMARC ${k} must be r or s`);
  for (const k of ["rua", "ruf"]) {
    for (const uri of (value(k) ?? "").split(",").filter(Boolean)) if (!isDmarcMailto(uri)) problems.push(`DMARC ${k} "${uri}" is not a mailto: URI`);
  }
  if (parsed.tags && parsed.tags.p?.value !== value("p")) problems.push("DMARC does not round-trip through the parser");
  return problems;
}

/**
 * Problems of a domain's records, each naming the domain and the record: exactly one SPF per name, at most 10
 * SPF lookups, valid DMARC, valid DKIM selectors, TXT strings within 255 octets once split.
 */
export function recordProblems(domain: string, records: readonly DnsRecord[]): string[] {
  const problems: string[] = [];
  const at = (r: DnsRecord) => `${domain}: ${r.type} ${r.name} (${r.purpose})`;
  const spfByName = new Map<string, number>();
  for (const r of records) {
    for (const v of r.values) {
      if (isSpf(r, v)) {
        spfByName.set(r.name, (spfByName.get(r.name) ?? 0) + 1);
        problems.push(...spfProblems(v).map((p) => `${at(r)}: ${p}`));
      }
      if (r.purpose === "dmarc") problems.push(...dmarcProblems(v).map((p) => `${at(r)}: ${p}`));
      if (r.type === "TXT" && !TOKEN.test(v) && splitTxt(v).some((s) => Buffer.byteLength(s) > MAX_TXT_STRING)) {
        problems.push(`${at(r)}: a TXT string exceeds ${MAX_TXT_STRING} octets`);
      }
      // hashicorp/dns v3.4.3 (internal/provider/resource_dns_txt_record_set.go) sends a value inside "…" unescaped
      // and reads it back in presentation form (`\"`, `\DDD`): such characters never converge.
      if (r.type === "TXT" && /[^\x20-\x7e]|["\\]/.test(v.replace(new RegExp(TOKEN.source, "g"), ""))) {
        problems.push(`${at(r)}: TXT text may hold printable ASCII only, without '"' or '\\' (the dns provider would never converge)`);
      }
    }
    if (r.purpose.startsWith("dkim")) {
      const selector = r.name.slice(0, r.name.indexOf("._domainkey."));
      if (!selector.split(".").every((label) => DNS_LABEL.test(label) && label.length <= 63)) problems.push(`${at(r)}: selector "${selector}" is not made of valid DNS labels`);
    }
  }
  for (const [name, count] of spfByName) if (count > 1) problems.push(`${domain}: ${count} SPF records at ${name}; exactly one is allowed (more is a permerror)`);
  return problems;
}

export interface ForwardConfirmation {
  /** SystemSettings.defaultHostname */
  readonly ehlo: string;
  /** PTR values of the mail IPs. */
  readonly ptr: readonly string[];
  /** MX target. */
  readonly mxTarget: string;
  /** Owner name of the A/AAAA records. */
  readonly addressName: string;
}

/** Forward-confirmed reverse DNS: EHLO = PTR = MX target = the A/AAAA name. */
export function forwardConfirmationProblems(server: string, f: ForwardConfirmation): string[] {
  const names = { "EHLO name": f.ehlo, "MX target": f.mxTarget, "A/AAAA name": f.addressName, ...Object.fromEntries(f.ptr.map((p, i) => [`PTR ${i + 1}`, p])) };
  const distinct = new Set(Object.values(names).map((n) => n.toLowerCase().replace(/\.$/, "")));
  return distinct.size <= 1
    ? []
    : [`${server}: forward-confirmed rDNS needs one name, got ${Object.entries(names).map(([k, v]) => `${k} ${v}`).join(", ")}`];
}
