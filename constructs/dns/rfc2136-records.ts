import { AaaaRecordSet } from "@cdktf/provider-dns/lib/aaaa-record-set";
import { ARecordSet } from "@cdktf/provider-dns/lib/a-record-set";
import { CnameRecord } from "@cdktf/provider-dns/lib/cname-record";
import { MxRecordSet } from "@cdktf/provider-dns/lib/mx-record-set";
import { TxtRecordSet } from "@cdktf/provider-dns/lib/txt-record-set";
import { Construct } from "constructs";
import { isWithinZone } from "../../fleet/names";
import type { DnsRecord } from "../../dns/records";
import { txtStrings } from "./txt-strings";

export interface Rfc2136RecordsProps {
  /** The zone the records are updated in (without trailing dot). */
  readonly zone: string;
  readonly records: readonly DnsRecord[];
  readonly ttl: number;
}

/**
 * Publishes records to an authoritative server with dynamic updates (RFC 2136) through the `hashicorp/dns`
 * provider. Owner names become zone-relative; TXT values longer than 255 octets are split into several strings.
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
          new ARecordSet(this, rid, { ...base, addresses: [...r.values] });
          break;
        case "AAAA":
          new AaaaRecordSet(this, rid, { ...base, addresses: [...r.values] });
          break;
        case "TXT":
          new TxtRecordSet(this, rid, { ...base, txt: r.values.map(txtStrings) });
          break;
        case "CNAME":
          new CnameRecord(this, rid, { ...base, name: base.name ?? "@", cname: fqdn(r.values[0]) });
          break;
      }
    }
  }
}
