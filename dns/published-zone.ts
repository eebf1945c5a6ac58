import type { DnsPolicy } from "../fleet/model";
import { isWithinZone } from "../fleet/names";

/** Whether a domain lies in the zone the Sovereign's authoritative DNS accepts RFC 2136 updates for. */
export const inPublishedZone = (domain: string, dns: DnsPolicy): boolean => dns.rfc2136 !== undefined && isWithinZone(domain, dns.rfc2136.zone);
