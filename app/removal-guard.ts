import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Fleet } from "../fleet/model";
import { removalProblem, todayUtc } from "../plan-diff/offboarding";
import { readSynthOutput } from "../plan-diff/synth-output";
import { fleetStackNames } from "../stacks/fleet-stacks";

/**
 * Why synthesizing `fleet` over the earlier output in `outDir` would drop mail stacks that may not go yet: each
 * stack of the earlier output that the fleet no longer has and that holds mailboxes must have completed its
 * offboarding (see `removalProblem`). Without an earlier output there is nothing to compare; `plan-diff` checks
 * the same against the base revision.
 */
export function removalProblems(fleet: Fleet, outDir: string, today = todayUtc()): string[] {
  if (!existsSync(join(outDir, "manifest.json"))) return [];
  const kept = new Set(fleetStackNames(fleet));
  return [...readSynthOutput(outDir).values()]
    .filter((stack) => !kept.has(stack.name))
    .map((stack) => removalProblem(stack, today))
    .filter((p): p is string => p !== undefined);
}
