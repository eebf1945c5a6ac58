import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DnsProvider } from "@cdktf/provider-dns/lib/provider";
import { Fn, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import type { SpfAll } from "../../fleet/model";
import { mailDomainRecords, mxTargetOf, type DkimKey, type DmarcRecord } from "../../dns/mail-records";
import { zoneFile, zoneTxt, type DnsRecord } from "../../dns/records";
import { recordProblems } from "../../dns/validate";
import type { Labels } from "../k8s/labels";
import type { StalwartServer } from "../stalwart/stalwart-server";
import { Rfc2136Records } from "./rfc2136-records";
import { txtStrings } from "./txt-strings";
import { tsigSecret } from "./tsig-secret";
import { escapeTemplate } from "../terraform/escape";

export const DNS_RECORDS_CONFIGMAP = "stalwart-dns-records";

export interface Rfc2136Target {
  readonly server: string;
  readonly port: number;
  readonly zone: string;
  readonly keyName: string;
  readonly keyAlgorithm: string;
}

export interface MailDnsProps {
  readonly server: StalwartServer;
  readonly domain: string;
  readonly mailHost: string;
  readonly spfAll: SpfAll;
  readonly dmarc: DmarcRecord;
  readonly dkim: readonly DkimKey[];
  /** The MTA-STS policy text, when the server serves one; its hash is the record's `id`. @default none */
  readonly mtaStsPolicy?: string;
  /** Whether the load balancer has an IPv6 address (an AAAA record). @default true */
  readonly ipv6?: boolean;
  readonly ttl: number;
  /** Publish by RFC 2136 to this zone; otherwise the records are only reported. @default reported only */
  readonly publish?: Rfc2136Target;
  /** @default {} */
  readonly labels?: Labels;
}

/**
 * Addresses that must never be a mail host's A/AAAA (a Terraform regex over ",a,,b,"): RFC 1918,
 * shared (RFC 6598), loopback and link-local IPv4; unique-local and link-local IPv6.
 */
export const NON_PUBLIC =
  "/,((10|127)[.]|172[.](1[6-9]|2[0-9]|3[01])[.]|192[.]168[.]|169[.]254[.]|100[.](6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])[.]|[fF][cCdD][0-9a-fA-F]*:|[fF][eE]80:)[^,]*,/";

/** RFC 8461 `id`: 1–32 alphanumerics that change whenever the policy does. */
export const mtaStsId = (policy: string) => createHash("sha256").update(policy).digest("hex").slice(0, 20);

/**
 * A mail domain's records, validated at synth (exactly one SPF per name, ≤ 10 SPF lookups, DMARC syntax, DKIM
 * selectors, TXT string lengths; each failure names the domain and the record). Always reported (stack outputs
 * `dns_records` and `dns_zone_file`, ConfigMap `stalwart-dns-records`) and, for zones the Sovereign's
 * authoritative DNS holds, published with RFC 2136 dynamic updates. Addresses and DKIM keys are filled in by
 * Terraform at apply time.
 */
export class MailDns extends Construct {
  readonly records: readonly DnsRecord[];
  /** TTL of every record, in seconds. */
  readonly ttl: number;
  /** The records as a zone-file snippet (Terraform fills in addresses and keys). */
  readonly zoneFile: string;

  /** The host the MX record names. */
  get mxTarget(): string {
    return mxTargetOf(this.records.find((r) => r.type === "MX")!.values[0]);
  }

  /** The name the A (else AAAA) record gives the load balancer's addresses. */
  get addressName(): string {
    return (this.records.find((r) => r.type === "A") ?? this.records.find((r) => r.type === "AAAA"))!.name;
  }

  constructor(scope: Construct, id: string, props: MailDnsProps) {
    super(scope, id);
    // The LoadBalancer's addresses, split by family (RE2 without backslashes: cdktf passes the pattern through).
    // Private and link-local addresses never reach the records, whatever a cloud controller lists in the status.
    // Each address between its own commas (",a,,b,"), so the pattern can drop any of them whole.
    const ingress = Token.asList(props.server.mailService.interpolationForAttribute("status[0].load_balancer[0].ingress[*].ip"));
    const addresses = Fn.replace(Fn.format(",%s,", [Fn.join(",,", ingress)]), NON_PUBLIC, "");
    this.records = mailDomainRecords({
      domain: props.domain,
      mailHost: props.mailHost,
      ipv4: Token.asList(Fn.regexall("[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+", addresses)),
      ipv6: props.ipv6 === false ? [] : Token.asList(Fn.regexall("[0-9a-fA-F]*:[0-9a-fA-F:]+", addresses)),
      spfAll: props.spfAll,
      dkim: props.dkim,
      dmarc: props.dmarc,
      tlsRptRua: `mailto:postmaster@${props.domain}`,
      mtaStsId: props.mtaStsPolicy ? mtaStsId(props.mtaStsPolicy) : undefined,
    });
    const problems = recordProblems(props.domain, this.records);
    if (problems.length > 0) throw new Error(`invalid DNS records:\n  ${problems.join("\n  ")}`);

    // Values known only at apply time (DKIM keys) are split into ≤ 255-character strings by Terraform.
    this.ttl = props.ttl;
    const txtRdata = (v: string) => (Token.isUnresolved(v) ? `"${txtStrings(v)}"` : zoneTxt(v));
    // Address lists are known only at apply time: Terraform writes one line per address.
    const isAddress = (r: DnsRecord) => r.type === "A" || r.type === "AAAA";
    const addressLines = this.records
      .filter(isAddress)
      .map((r) => Fn.join("\n", Fn.formatlist(`${r.name}.\t${props.ttl}\tIN\t${r.type}\t%s`, [r.values])));
    // Computed once as a local: the ConfigMap and the stack output refer to it.
    const zone = new TerraformLocal(this, "zone_file", `${zoneFile(this.records.filter((r) => !isAddress(r)), props.ttl, txtRdata)}${addressLines.map((l) => `${l}\n`).join("")}`).asString;
    this.zoneFile = zone;
    new ConfigMapV1(this, "records", {
      metadata: { name: DNS_RECORDS_CONFIGMAP, namespace: props.server.namespace, labels: { ...(props.labels ?? {}) } },
      data: {
        "zone.txt": zone,

      },
    });

    if (props.publish) {
      const target = props.publish;
      // All three TSIG settings in configuration: hashicorp/dns v3.4.3 (internal/provider/provider_framework.go)
      // validates key_name/key_algorithm/key_secret with AlsoRequires against the configuration only, so a secret
      // from DNS_UPDATE_KEYSECRET beside a configured key name is rejected. The secret is an ephemeral variable
      // (TF_VAR_dns_update_key_secret): never in the JSON, the plan file or the state.
      new DnsProvider(this, "dns", {
        update: [{ server: escapeTemplate(target.server), port: target.port, keyName: target.keyName, keyAlgorithm: target.keyAlgorithm, keySecret: tsigSecret(this) }],
      });
      new Rfc2136Records(this, "published", { zone: target.zone, records: this.records, ttl: props.ttl });
    }
  }
}
