import type { App } from "cdktf";
import { checkKitRequirements } from "../fleet/kit-requirements";
import type { Fleet } from "../fleet/model";
import { stackInputsOf, withTheirKits, type StackInput } from "../fleet/stack-inputs";
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

/**
 * Adds the fleet's stacks to `app`, in fleet order, and checks that each kit installs what its mail stacks need.
 * `include` selects stacks (for synthesizing a large fleet in parts); a Sovereign's kit stack is added whenever
 * one of its mail stacks is, since they depend on it.
 */
export function addFleetStacks(app: App, fleet: Fleet, include: (stackName: string) => boolean = () => true): FleetStacks {
  const stacks = addStacks(app, withTheirKits(stackInputsOf(fleet), include));
  checkKitRequirements(fleet, requiredSlotsOf(stacks));
  return stacks;
}

/**
 * The stack factory: each stack is built from its input alone (what the synthesis cache's key covers). A mail
 * stack with a kit depends on it (a cdktf stack dependency: deploy order only, no cross-stack references, so a
 * plan never needs the kit's state); its kit's input comes first in `inputs`.
 */
export function addStacks(app: App, inputs: readonly StackInput[]): FleetStacks {
  const kits: KitStack[] = [];
  const relays: RelayStack[] = [];
  const tenants: TenantMailStack[] = [];
  for (const input of inputs) {
    if (input.kind === "kit") {
      // The kit's telemetry slots learn about the mail servers they watch (their list is part of the kit's input).
      kits.push(new KitStack(app, input.platform, withMailMonitoring(input.kit, input.platform, input.mailServers)));
      continue;
    }
    const stack: MailStack = input.kind === "relay" ? new RelayStack(app, input.platform, input.relay) : new TenantMailStack(app, input.platform, input.tenant);
    if (stack instanceof RelayStack) relays.push(stack);
    else tenants.push(stack as TenantMailStack);
    if (input.kitStack === undefined) continue;
    const kit = kits.find((k) => k.stackName === input.kitStack);
    if (!kit) throw new Error(`${stack.stackName} depends on ${input.kitStack}, which is not built with it`);
    stack.addDependency(kit);
  }
  return { kits, relays, tenants };
}

/** The kit slots each mail stack's constructs declared, by stack name. */
export const requiredSlotsOf = (stacks: FleetStacks): Map<string, readonly string[]> =>
  new Map([...stacks.relays, ...stacks.tenants].map((s) => [s.stackName, s.requiredSlots]));
