import type { App } from "cdktf";
import type { Fleet, Sovereign } from "../fleet/model";
import { FleetInputError } from "../fleet/errors";
import { sovereignStackNames } from "../fleet/names";
import { withMailMonitoring } from "../monitoring/kit-values";
import { KitStack } from "./kit-stack";
import type { MailStack } from "./mail-stack";
import { RelayStack } from "./relay-stack";
import { TenantMailStack } from "./tenant-mail-stack";

export interface FleetStacks {
  readonly kits: readonly KitStack[];
  readonly relays: readonly RelayStack[];
  readonly tenants: readonly TenantMailStack[];
}

/** Names of every stack of the fleet, in the order {@link addFleetStacks} adds them. */
export function fleetStackNames(fleet: Fleet): string[] {
  return fleet.sovereigns.flatMap(sovereignStackNames);
}

/**
 * Adds the fleet's stacks to `app`, in fleet order, with kit requirements checked and ordered. `include`
 * selects mail stacks (for synthesizing a large fleet in parts); a Sovereign's kit stack is added whenever one
 * of its mail stacks is, since they depend on it.
 */
export function addFleetStacks(app: App, fleet: Fleet, include: (stackName: string) => boolean = () => true): FleetStacks {
  const kits: KitStack[] = [];
  const relays: RelayStack[] = [];
  const tenants: TenantMailStack[] = [];
  fleet.sovereigns.forEach((sovereign, index) => {
    const wanted = [include(sovereign.relay.stackName), ...sovereign.tenants.map((t) => include(t.stackName))];
    if (!wanted.some(Boolean) && !(sovereign.kit && include(sovereign.kit.stackName))) return;
    // The kit's telemetry slots learn about the mail servers they watch.
    const kit = sovereign.kit ? new KitStack(app, sovereign.platform, withMailMonitoring(sovereign.kit, sovereign)) : undefined;
    if (kit) kits.push(kit);
    const own: MailStack[] = [];
    if (wanted[0]) {
      const relay = new RelayStack(app, sovereign);
      relays.push(relay);
      own.push(relay);
    }
    sovereign.tenants.forEach((t, i) => {
      if (!wanted[i + 1]) return;
      const stack = new TenantMailStack(app, sovereign, t);
      tenants.push(stack);
      own.push(stack);
    });
    if (kit) for (const stack of own) requireFromKit(stack, kit, sovereign, index);
  });
  return { kits, relays, tenants };
}

/**
 * A mail stack is applied after its Sovereign's kit (a cdktf stack dependency: deploy order only, no
 * cross-stack references, so a plan never needs the kit's state), and only if the kit has every slot it needs.
 */
function requireFromKit(stack: MailStack, kit: KitStack, sovereign: Sovereign, index: number): void {
  const missing = stack.requiredSlots.filter((slot) => !kit.slotNames.has(slot));
  if (missing.length > 0) {
    throw new FleetInputError(
      ["sovereigns", index, "kit", "include"],
      `stack ${stack.stackName} requires bootstrap-kit slot${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, ` +
        `which the kit of Sovereign "${sovereign.name}" does not install: add ${missing.length > 1 ? "them" : "it"} here`,
    );
  }
  stack.addDependency(kit);
}
