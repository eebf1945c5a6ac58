import { isWithinZone } from "../fleet/names";

/** Where system mail leaves from: this Sovereign's own relay, or the central one. */
export type RelayScope = "sovereign-local" | "mothership";

/**
 * Classifies the resolved SMTP host (never the requested mode): the Sovereign's FQDN or a name below it,
 * localhost, 127.0.0.1 and in-cluster Service names are sovereign-local; anything else is the mothership.
 */
export function classifyRelayHost(host: string, sovereignFqdn: string): RelayScope {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (isWithinZone(h, sovereignFqdn) || h === "localhost" || h === "127.0.0.1" || h.endsWith(".svc") || h.endsWith(".svc.cluster.local")) {
    return "sovereign-local";
  }
  return "mothership";
}

/** The platform's seed-phase label for each scope. */
export const SEED_PHASE: Readonly<Record<RelayScope, string>> = {
  "sovereign-local": "phase-2-sovereign-local-relay",
  mothership: "phase-1-mothership-relay",
};
