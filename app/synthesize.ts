import { App } from "cdktf";
import type { Fleet } from "../fleet/model";
import { addFleetStacks, type FleetStacks } from "../stacks/fleet-stacks";
import { replaceDirAtomically } from "./replace-dir";

/** Builds the cdktf app of a fleet; `outdir` is only written by {@link App.synth}. */
export function buildApp(fleet: Fleet, outdir: string): { app: App; stacks: FleetStacks } {
  const app = new App({ outdir, skipValidation: false });
  return { app, stacks: addFleetStacks(app, fleet) };
}

/** Synthesizes every stack of `fleet` into `outdir`, replacing it only when synthesis succeeds. */
export function synthesizeFleet(fleet: Fleet, outdir: string): string[] {
  let names: string[] = [];
  replaceDirAtomically(outdir, (tmp) =>
    withoutTokenCreationStacks(() => {
      const { app, stacks } = buildApp(fleet, tmp);
      app.synth();
      names = [...stacks.kits, ...stacks.relays, ...stacks.tenants].map((s) => s.stackName);
    }),
  );
  return names;
}

/**
 * cdktf captures and formats a full stack trace for every token it creates (used only to annotate token
 * resolution errors); that was a third to half of synthesis time for large fleets. Unless
 * SOVEREIGN_MAIL_TOKEN_TRACES=1 asks for them, stack capture is skipped while synthesizing. Error messages
 * are unaffected.
 */
function withoutTokenCreationStacks<T>(run: () => T): T {
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
