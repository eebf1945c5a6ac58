/** Names derived from the fleet. One function per name so a rename happens in one place. */

import type { Fleet, Sovereign } from "./model";

export const relayStackName = (sovereign: string): string => `${sovereign}-mail`;
export const kitStackName = (sovereign: string): string => `${sovereign}-kit`;
export const tenantStackName = (sovereign: string, tenantId: string): string => `${sovereign}-tenant-${tenantId}`;
/** Owner segment of the relay's OpenBao paths; no tenant may use it as its id. */
export const RELAY_CREDENTIALS_OWNER = "relay";
/** `sovereign/<fqdn>/stalwart/<owner>`: one OpenBao folder per mail server; each credential is a path below it. */
export const credentialsBase = (fqdn: string, owner: string): string => `sovereign/${fqdn}/stalwart/${owner}`;
/** The host that carries MX, SMTP/IMAP, EHLO and PTR for a mail domain. */
export const mailHostOf = (domain: string): string => `mail.${domain}`;
export const freeSubdomainOf = (tenantId: string, parentZone: string): string => `${tenantId}.${parentZone}`;

/** The relay's namespace: one relay per Sovereign, so a fixed name (not a fleet setting). */
export const RELAY_NAMESPACE = "stalwart-sovereign";
/** Local part of the relay's submission account and envelope sender: `noreply@<fqdn>`. */
export const RELAY_SENDER_LOCAL_PART = "noreply";

/** `sovereigns[0].tenants[2].domain` from a zod/YAML path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** True when `name` equals `zone` or lies below it. */
export function isWithinZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** The pg state backend's schema for a stack: a plain SQL identifier, so '-' becomes '_'. */
export function stateSchemaName(prefix: string, stackName: string): string {
  return `${prefix}_${stackName.replace(/-/g, "_")}`;
}

/** The S3 state backend's object key for a stack. */
export function stateObjectKey(prefix: string, stackName: string): string {
  return `${prefix}/${stackName}.tfstate`;
}

/** Every stack of a Sovereign, in the order the app adds them: kit, relay, tenants. */
export function sovereignStackNames(sovereign: Sovereign): string[] {
  return [...(sovereign.kit ? [sovereign.kit.stackName] : []), sovereign.relay.stackName, ...sovereign.tenants.map((t) => t.stackName)];
}

/** Every stack of the fleet, in the order the app adds them. */
export const fleetStackNames = (fleet: Fleet): string[] => fleet.sovereigns.flatMap(sovereignStackNames);
