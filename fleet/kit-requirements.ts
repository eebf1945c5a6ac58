import { FleetInputError } from "./errors";
import type { Fleet } from "./model";

/**
 * A mail stack is applied after its Sovereign's kit, and only if the kit installs every slot the stack's constructs
 * declared (`requiredSlots`: by stack name, for the stacks built or taken from the cache). Throws for the first
 * stack, in fleet order, whose kit lacks a slot, at the kit's `include` in the fleet file.
 */
export function checkKitRequirements(fleet: Fleet, requiredSlots: ReadonlyMap<string, readonly string[]>): void {
  fleet.sovereigns.forEach((sovereign, index) => {
    if (!sovereign.kit) return;
    const installed = new Set(sovereign.kit.releases.map((r) => r.name));
    for (const stackName of [sovereign.relay.stackName, ...sovereign.tenants.map((t) => t.stackName)]) {
      const missing = (requiredSlots.get(stackName) ?? []).filter((slot) => !installed.has(slot));
      if (missing.length === 0) continue;
      throw new FleetInputError(
        ["sovereigns", index, "kit", "include"],
        `stack ${stackName} requires bootstrap-kit slot${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, ` +
          `which the kit of Sovereign "${sovereign.name}" does not install: add ${missing.length > 1 ? "them" : "it"} here`,
      );
    }
  });
}
