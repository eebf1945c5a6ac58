import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeFleet } from "../../app/synthesize";
import { loadFleetFile } from "../../fleet/load";
import { EXAMPLE_FLEET_FILE } from "./synth";
import type { TfJson } from "./terraform-json";

/** Fleets the real-Terraform tests judge: every example, and one with every optional feature switched on. */
export const TEST_FLEETS: Readonly<Record<string, string>> = {
  example: EXAMPLE_FLEET_FILE,
  minimal: join(__dirname, "..", "..", "examples", "minimal.yaml"),
  complete: join(__dirname, "..", "..", "examples", "complete.yaml"),
  "every-feature": join(__dirname, "..", "fixtures", "terraform", "every-feature.yaml"),
};

export interface WrittenStack {
  readonly fleet: string;
  readonly name: string;
  /** The stack's directory as `cdktf synth` / `npm run synth` writes it (with its backend block). */
  readonly dir: string;
  readonly json: TfJson;
}

/** Synthesizes a fleet file the way the app does (the same writer, backend blocks included) into a temporary directory. */
export function writeFleet(fleet: string): WrittenStack[] {
  const out = mkdtempSync(join(tmpdir(), `sovereign-mail-${fleet}-`));
  synthesizeFleet(loadFleetFile(TEST_FLEETS[fleet]), out);
  return readdirSync(join(out, "stacks"))
    .sort()
    .map((name) => {
      const dir = join(out, "stacks", name);
      return { fleet, name, dir, json: JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) };
    });
}
