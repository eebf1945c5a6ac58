import type { App } from "cdktf";
import type { Fleet } from "../fleet/model";
import { SovereignMailStack } from "./sovereign-mail-stack";
import { TenantMailStack } from "./tenant-mail-stack";

export interface FleetStacks {
  readonly relays: readonly SovereignMailStack[];
  readonly tenants: readonly TenantMailStack[];
}

/** Adds every stack of the fleet to `app`, in fleet order. */
export function addFleetStacks(app: App, fleet: Fleet): FleetStacks {
  const relays: SovereignMailStack[] = [];
  const tenants: TenantMailStack[] = [];
  for (const sovereign of fleet.sovereigns) {
    relays.push(new SovereignMailStack(app, sovereign));
    for (const tenant of sovereign.tenants) tenants.push(new TenantMailStack(app, sovereign, tenant));
  }
  return { relays, tenants };
}
