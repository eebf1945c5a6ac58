import type { DmarcPolicy, SpfAll } from "../fleet/model";
import type { DnsRecord } from "./records";

export interface DkimKey {
  readonly algorithm: "ed25519" | "rsa";
  readonly selector: string;
  /** The `p=` value: raw 32-byte key (Ed25519) or SPKI (RSA), base64. May be a Terraform expression. */
  readonly publicKey: string;
}

export interface DmarcRecord {
  readonly policy: DmarcPolicy;
  /** Aggregate report URIs. */
  readonly rua: readonly string[];
  readonly adkim?: "r" | "s";
  readonly aspf?: "r" | "s";
}

export interface MailDomainRecordsSpec {
  readonly domain: string;
  /** MX target, EHLO and PTR name. */
  readonly mailHost: string;
  /** The mail LoadBalancer's addresses (Terraform expressions are fine). */
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  /** The SPF `all` term: `-all` (fail) or `~all` (softfail). */
  readonly spfAll: SpfAll;
  readonly dkim: readonly DkimKey[];
  readonly dmarc: DmarcRecord;
  /** TLS-RPT report URI. */
  readonly tlsRptRua: string;
  /** MTA-STS policy id (changes when the policy changes); undefined: no MTA-STS. */
  readonly mtaStsId?: string;
}

export const dkimRecordName = (selector: string, domain: string) => `${selector}._domainkey.${domain}`;
export const dkimText = (key: DkimKey) => `v=DKIM1; k=${key.algorithm}; h=sha256; p=${key.publicKey}`;

export function dmarcText(d: DmarcRecord): string {
  return [`v=DMARC1`, `p=${d.policy}`, `rua=${d.rua.join(",")}`, ...(d.adkim ? [`adkim=${d.adkim}`] : []), ...(d.aspf ? [`aspf=${d.aspf}`] : [])].join("; ");
}

/** The MX record's value for a mail host, and the host back from such a value. */
export const mxValue = (mailHost: string): string => `10 ${mailHost}`;
export const mxTargetOf = (value: string): string => value.split(" ")[1];

/** The records a mail domain needs for delivery and deliverability. */
export function mailDomainRecords(spec: MailDomainRecordsSpec): DnsRecord[] {
  const { domain, mailHost } = spec;
  return [
    { type: "MX", name: domain, values: [mxValue(mailHost)], purpose: "mx" },
    ...(spec.ipv4.length > 0 ? [{ type: "A" as const, name: mailHost, values: spec.ipv4, purpose: "mail-host-ipv4" }] : []),
    ...(spec.ipv6.length > 0 ? [{ type: "AAAA" as const, name: mailHost, values: spec.ipv6, purpose: "mail-host-ipv6" }] : []),
    { type: "TXT", name: domain, values: [`v=spf1 mx ${spec.spfAll}`], purpose: "spf" },
    // The EHLO name gets its own SPF so HELO checks pass.
    { type: "TXT", name: mailHost, values: ["v=spf1 a -all"], purpose: "spf-helo" },
    ...spec.dkim.map((k) => ({ type: "TXT" as const, name: dkimRecordName(k.selector, domain), values: [dkimText(k)], purpose: `dkim-${k.algorithm}` })),
    { type: "TXT", name: `_dmarc.${domain}`, values: [dmarcText(spec.dmarc)], purpose: "dmarc" },
    { type: "TXT", name: `_smtp._tls.${domain}`, values: [`v=TLSRPTv1; rua=${spec.tlsRptRua}`], purpose: "tls-rpt" },
    ...(spec.mtaStsId
      ? [
          { type: "TXT" as const, name: `_mta-sts.${domain}`, values: [`v=STSv1; id=${spec.mtaStsId}`], purpose: "mta-sts" },
          // The policy host: Stalwart serves /.well-known/mta-sts.txt on its HTTPS listener.
          { type: "CNAME" as const, name: `mta-sts.${domain}`, values: [mailHost], purpose: "mta-sts-host" },
        ]
      : []),
  ];
}
