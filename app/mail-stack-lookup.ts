import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FleetError, FleetInputError } from "../fleet/errors";
import { fleetErrorOf, loadFleetFile } from "../fleet/load";
import type { RelayStack } from "../stacks/relay-stack";
import type { TenantMailStack } from "../stacks/tenant-mail-stack";
import { fleetFileOf } from "./cli";
import { buildApp } from "./synth-chunk";

/**
 * Finds one mail stack of a fleet for the inspection commands (`plan:stalwart`, `dns:records`). Builds only that
 * stack (and its kit); nothing is written. Returns the stack, or the error message to print.
 */
export function findMailStack(stackName: string, fleetFile = fleetFileOf(process.env)): RelayStack | TenantMailStack | string {
  let fleet;
  try {
    fleet = loadFleetFile(fleetFile);
  } catch (err) {
    return err instanceof FleetError ? err.message : String(err);
  }
  let stacks;
  // Building an App creates its output directory: a throwaway one, so the inspection commands write nothing here.
  const scratch = mkdtempSync(join(tmpdir(), "sovereign-mail-inspect-"));
  try {
    ({ stacks } = buildApp(fleet, scratch, (name) => name === stackName));
  } catch (err) {
    if (err instanceof FleetInputError) return fleetErrorOf(fleet, err).message;
    throw err;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const stack = [...stacks.relays, ...stacks.tenants].find((s) => s.stackName === stackName);
  if (stack) return stack;
  const names = fleet.sovereigns.flatMap((s) => [s.relay.stackName, ...s.tenants.map((t) => t.stackName)]);
  return `error: no mail stack "${stackName}" in ${fleetFile}; stacks: ${names.join(", ")}`;
}

/**
 * The start every single-stack command shares: a usage problem is printed with the usage (exit 2), a stack the
 * fleet does not have is printed (exit 1); otherwise the stack.
 */
export function mailStackOrExitCode(
  usage: { readonly problem: string | undefined; readonly text: string },
  stackName: string,
  fleetFile: string | undefined,
  err: (t: string) => void,
): RelayStack | TenantMailStack | number {
  if (usage.problem) {
    err(`error: ${usage.problem}\n${usage.text}\n`);
    return 2;
  }
  const stack = findMailStack(stackName, fleetFile);
  if (typeof stack === "string") {
    err(`${stack}\n`);
    return 1;
  }
  return stack;
}
