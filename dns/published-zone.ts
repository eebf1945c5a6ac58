import type { Sovereign } from "../fleet/model";
import { isWithinZone } from "../fleet/names";

/** Whether a domain lies in the zone the Sovereign's authoritative DNS accepts RFC 2136 updates for. */
export const inPublishedZone = (domain: string, sovereign: Sovereign): boolean =>
  sovereign.platform.dns.rfc2136 !== undefined && isWithinZone(domain, sovereign.platform.dns.rfc2136.zone);
