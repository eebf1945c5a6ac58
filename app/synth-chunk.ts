/**
 * Building and synthesizing cdktf Apps: the only part of synthesis that loads cdktf, the constructs and the
 * provider bindings, so `synthesize.ts` loads it only when some stack is not in the cache.
 */
import { App } from "cdktf";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Fleet } from "../fleet/model";
import { deepFreeze, type StackInput } from "../fleet/stack-inputs";
import { addFleetStacks, addStacks, requiredSlotsOf, type FleetStacks } from "../stacks/fleet-stacks";
import { withSynthesisEnv } from "./build-fingerprint";
import { REQUIRED_SLOTS_FILE } from "./chunk-files";

/** Builds the cdktf app of a fleet (or of the selected stacks); `outdir` is only written by {@link App.synth}. */
export function buildApp(fleet: Fleet, outdir: string, include?: (stackName: string) => boolean): { app: App; stacks: FleetStacks } {
  const app = new App({ outdir, skipValidation: false });
  return { app, stacks: addFleetStacks(app, fleet, include) };
}

/**
 * One App of the given stacks (a mail stack's kit comes before it) into `dir`, with the kit slots each mail stack
 * declared beside the output. Synthesis sees only its inputs and the synthesis environment: what the cache key holds.
 */
export function synthesizeInputs(inputs: readonly StackInput[], dir: string): void {
  withSynthesisEnv(() =>
    withoutTokenCreationStacks(() => {
      const app = new App({ outdir: dir, skipValidation: false });
      // Inputs that crossed a thread boundary are copies: frozen again, so no stack changes what another reads.
      const stacks = addStacks(app, inputs.map(deepFreeze));
      app.synth();
      writeFileSync(join(dir, REQUIRED_SLOTS_FILE), JSON.stringify(Object.fromEntries(requiredSlotsOf(stacks))));
    }),
  );
}

/**
 * cdktf captures and formats a full stack trace for every token it creates (used only to annotate token
 * resolution errors); that was a third to half of synthesis time for large fleets. Unless
 * SOVEREIGN_MAIL_TOKEN_TRACES=1 asks for them, stack capture is skipped while synthesizing. Error messages
 * are unaffected.
 */
export function withoutTokenCreationStacks<T>(run: () => T): T {
  if (process.env.SOVEREIGN_MAIL_TOKEN_TRACES === "1") return run();
  const [capture, prepare] = [Error.captureStackTrace, Error.prepareStackTrace];
  Error.captureStackTrace = () => undefined;
  Error.prepareStackTrace = () => "";
  try {
    return run();
  } finally {
    Error.captureStackTrace = capture;
    Error.prepareStackTrace = prepare;
  }
}
