import { AaaaRecordSet } from "@cdktf/provider-dns/lib/aaaa-record-set";
import { ARecordSet } from "@cdktf/provider-dns/lib/a-record-set";
import { CnameRecord } from "@cdktf/provider-dns/lib/cname-record";
import { MxRecordSet } from "@cdktf/provider-dns/lib/mx-record-set";
import { TxtRecordSet } from "@cdktf/provider-dns/lib/txt-record-set";
import { Fn, Op, type TerraformResourceLifecycle } from "cdktf";
import { Construct } from "constructs";
import { isWithinZone } from "../../fleet/names";
import type { DnsRecord } from "../../dns/records";
import { escapeTemplate } from "../terraform/escape";

export interface Rfc2136RecordsProps {
  /** The zone the records are updated in (without trailing dot). */
  readonly zone: string;
  readonly records: readonly DnsRecord[];
  readonly ttl: number;
}

/**
 * Publishes records to an authoritative server with dynamic updates (RFC 2136) through the `hashicorp/dns`
 * provider. Owner names become zone-relative. TXT values go whole: hashicorp/dns v3.4.3
 * (internal/provider/resource_dns_txt_record_set.go) lets miekg/dns split a value into 255-octet strings and stores
 * the read-back joined with "", so a value we split ourselves (`a" "b`) would never equal its state.
 */
export class Rfc2136Records extends Construct {
  constructor(scope: Construct, id: string, props: Rfc2136RecordsProps) {
    super(scope, id);
    const zone = `${props.zone}.`;
    const relative = (name: string) => {
      if (!isWithinZone(name, props.zone)) throw new Error(`record ${name} is outside zone ${props.zone}`);
      return name === props.zone ? undefined : name.slice(0, -(props.zone.length + 1));
    };
    const fqdn = (host: string) => `${host.replace(/\.$/, "")}.`;
    for (const r of props.records) {
      const base = { zone, name: relative(r.name), ttl: props.ttl };
      // Keyed by what the record is, not its position: adding a record (a DKIM slot) leaves the others' addresses alone.
      const rid = `${r.type} ${r.name}`;
      switch (r.type) {
        case "MX":
          new MxRecordSet(this, rid, { ...base, mx: r.values.map((v) => ({ preference: Number(v.split(" ")[0]), exchange: fqdn(v.split(" ")[1]) })) });
          break;
        case "A":
          new ARecordSet(this, rid, { ...base, addresses: [...r.values], lifecycle: addressesRequired(r, "IPv4") });
          break;
        case "AAAA":
          new AaaaRecordSet(this, rid, { ...base, addresses: [...r.values], lifecycle: addressesRequired(r, "IPv6") });
          break;
        case "TXT":
          new TxtRecordSet(this, rid, { ...base, txt: r.values.map(escapeTemplate) });
          break;
        case "CNAME":
          new CnameRecord(this, rid, { ...base, name: base.name ?? "@", cname: fqdn(r.values[0]) });
          break;
      }
    }
  }
}

/**
 * An address record set must not be empty: hashicorp/dns v3.4.3 (resource_dns_a_record_set.go, no MinItems) sends
 * nothing for an empty set and the next read drops the resource, so every later plan creates it again. The
 * addresses are known only at apply (the load balancer's status), so this is a precondition, not a synth check.
 */
function addressesRequired(r: DnsRecord, family: "IPv4" | "IPv6"): TerraformResourceLifecycle {
  const hint =
    family === "IPv6"
      ? ' A load balancer without IPv6: set the annotation load-balancer.hetzner.cloud/ipv6-disabled: "true" (or ipFamilyPolicy: SingleStack) in sovereigns[].loadBalancer so no AAAA record is published.'
      : " Check the Service's status and the cloud controller's events.";
  return {
    precondition: [{ condition: Op.gte(Fn.lengthOf(r.values), 1), errorMessage: `The mail load balancer reports no public ${family} address for ${r.name}.${hint}` }],
  };
}
