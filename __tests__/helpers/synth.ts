import { Testing } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../app/synth-chunk";
import { loadFleetFile, parseFleet } from "../../fleet/load";
import type { Fleet } from "../../fleet/model";
import type { FleetStacks } from "../../stacks/fleet-stacks";
import type { BaseStack } from "../../stacks/base-stack";
import type { TfJson } from "./terraform-json";

export const EXAMPLE_FLEET_FILE = join(__dirname, "..", "..", "examples", "fleet.yaml");

export interface SynthesizedFleet {
  readonly fleet: Fleet;
  readonly stacks: FleetStacks;
  /** Parsed JSON of each stack by stack name (metadata stripped, keys sorted, no backend). */
  readonly json: Record<string, TfJson>;
}

/** Every stack built for a fleet, kits first. */
export const allStacks = (stacks: FleetStacks): BaseStack[] => [...stacks.kits, ...stacks.relays, ...stacks.tenants];

/** Builds every stack of a fleet in memory (nothing is written) and synthesizes each to JSON. */
export function synthFleet(fleet: Fleet): SynthesizedFleet {
  const { stacks } = buildApp(fleet, mkdtempSync(join(tmpdir(), "sovereign-mail-test-")));
  const json = Object.fromEntries(allStacks(stacks).map((s) => [s.stackName, JSON.parse(Testing.synth(s))]));
  return { fleet, stacks, json };
}

export const synthExample = () => synthFleet(loadFleetFile(EXAMPLE_FLEET_FILE));
export const synthFleetYaml = (yaml: string) => synthFleet(parseFleet(yaml, "inline.yaml"));

/** A one-Sovereign fleet (fsn1, omantel.example.org, OpenBao) with `extra` lines indented under the Sovereign. */
export const oneSovereignYaml = (extra: string) => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
${extra}`;
