import type { App } from "cdktf";
import type { Fleet, Sovereign } from "../fleet/model";
import { KitStack } from "./kit-stack";
import type { MailStack } from "./mail-stack";
import { SovereignMailStack } from "./sovereign-mail-stack";
import { TenantMailStack } from "./tenant-mail-stack";

export interface FleetStacks {
  readonly kits: readonly KitStack[];
  readonly relays: readonly SovereignMailStack[];
  readonly tenants: readonly TenantMailStack[];
}

/** Adds every stack of the fleet to `app`, in fleet order, with kit requirements checked and ordered. */
export function addFleetStacks(app: App, fleet: Fleet): FleetStacks {
  const kits: KitStack[] = [];
  const relays: SovereignMailStack[] = [];
  const tenants: TenantMailStack[] = [];
  for (const sovereign of fleet.sovereigns) {
    const kit = sovereign.kit ? new KitStack(app, sovereign.platform, sovereign.kit) : undefined;
    if (kit) kits.push(kit);
    const relay = new SovereignMailStack(app, sovereign);
    relays.push(relay);
    const own = sovereign.tenants.map((t) => new TenantMailStack(app, sovereign, t));
    tenants.push(...own);
    if (kit) for (const stack of [relay, ...own]) requireFromKit(stack, kit, sovereign);
  }
  return { kits, relays, tenants };
}

/**
 * A mail stack is applied after its Sovereign's kit (a cdktf stack dependency: deploy order only, no
 * cross-stack references, so a plan never needs the kit's state), and only if the kit has every slot it needs.
 */
function requireFromKit(stack: MailStack, kit: KitStack, sovereign: Sovereign): void {
  const missing = stack.requiredSlots.filter((slot) => !kit.slotNames.has(slot));
  if (missing.length > 0) {
    throw new Error(
      `stack ${stack.stackName} requires bootstrap-kit slot${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, ` +
        `which the kit of Sovereign "${sovereign.name}" (${sovereign.fleetPath}.kit) does not install: add ${missing.length > 1 ? "them" : "it"} to kit.include`,
    );
  }
  stack.addDependency(kit);
}
