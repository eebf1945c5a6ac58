import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Fleet } from "../fleet/model";
import { removalProblem, todayUtc } from "../plan-diff/offboarding";
import { readSynthOutput, synthStackNames } from "../plan-diff/synth-output";
import { fleetStackNames } from "../fleet/names";

/**
 * Why synthesizing `fleet` over the earlier output in `outDir` would drop mail stacks that may not go yet: each
 * stack of the earlier output that the fleet no longer has and that holds mailboxes must have completed its
 * offboarding (see `removalProblem`). Without an earlier output there is nothing to compare; `plan-diff` checks
 * the same against the base revision.
 */
export function removalProblems(fleet: Fleet, outDir: string, today = todayUtc()): string[] {
  if (!existsSync(join(outDir, "manifest.json"))) return [];
  const kept = new Set(fleetStackNames(fleet));
  // Only the dropped stacks are parsed: the guard runs before every synthesis, over outputs of any size.
  const dropped = new Set(synthStackNames(outDir).filter((name) => !kept.has(name)));
  if (dropped.size === 0) return [];
  return [...readSynthOutput(outDir, dropped).values()]
    .map((stack) => removalProblem(stack, today))
    .filter((p): p is string => p !== undefined);
}
