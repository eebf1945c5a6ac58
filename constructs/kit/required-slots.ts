import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

const required = new WeakMap<TerraformStack, Set<string>>();

/**
 * Declares that what `scope` creates needs these bootstrap-kit slots installed first (a CRD, a controller). The
 * requirement travels with the construct: its stack collects it, and synthesis refuses a kit that lacks the slot.
 */
export function requireSlots(scope: Construct, ...slots: readonly string[]): void {
  const stack = TerraformStack.of(scope);
  const set = required.get(stack) ?? new Set<string>();
  for (const slot of slots) set.add(slot);
  required.set(stack, set);
}

/** Every slot the constructs of `stack` declared, sorted. */
export function requiredSlotsOf(stack: TerraformStack): readonly string[] {
  return [...(required.get(stack) ?? [])].sort();
}
