import { minimatch } from "minimatch";
import type { Fleet } from "../fleet/model";
import { fleetStackNames } from "../fleet/names";

/** The environment variable that selects stacks when the command line cannot (`cdktf deploy` runs the app bare). */
export const STACKS_ENV = "SOVEREIGN_MAIL_STACKS";

/** Stack selection patterns from `--stacks a,b*` or $SOVEREIGN_MAIL_STACKS: names or globs, comma-separated. */
export const stackPatternsOf = (flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] | undefined => {
  const text = flag ?? env[STACKS_ENV];
  if (text === undefined || text.trim() === "") return undefined;
  return text.split(",").map((p) => p.trim()).filter((p) => p !== "");
};

/**
 * The stacks `patterns` select, in fleet order, with what they need: a selected mail stack brings its Sovereign's
 * kit stack (it depends on it). A pattern that selects nothing is a mistake, named with the stacks there are.
 */
export function selectStacks(fleet: Fleet, patterns: readonly string[]): { readonly stacks: string[] } | { readonly problem: string } {
  const names = fleetStackNames(fleet);
  const unmatched = patterns.filter((p) => !names.some((n) => minimatch(n, p)));
  if (unmatched.length > 0) return { problem: `--stacks ${unmatched.join(", ")} selects no stack of the fleet (stacks: ${names.join(", ")})` };
  const chosen = new Set(names.filter((n) => patterns.some((p) => minimatch(n, p))));
  for (const s of fleet.sovereigns) {
    const mail = [s.relay.stackName, ...s.tenants.map((t) => t.stackName)];
    if (s.kit && mail.some((n) => chosen.has(n))) chosen.add(s.kit.stackName);
  }
  return { stacks: names.filter((n) => chosen.has(n)) };
}
