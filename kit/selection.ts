import type { Kit, KitRelease } from "../fleet/model";
import type { KitInput } from "../fleet/schema";
import { closure, structuralCheck } from "./audit";
import type { KitSlot } from "./dag-file";

/** Slot 95: this project's `<sovereign>-mail` stack, never a release of the kit (a failing relay must not wedge the kit). */
export const RELAY_SLOT = "bp-stalwart-sovereign";
export const DEFAULT_KIT_TIMEOUT_SECONDS = 600;
export const KIT_CHART_REPOSITORY = "oci://ghcr.io/openova-io";

/** Where the platform installs slots whose namespace is not simply the release name. */
const USUAL_NAMESPACES: Readonly<Record<string, string>> = {
  "bp-cilium": "kube-system",
  "bp-gateway-api": "kube-system",
  "bp-hcloud-ccm": "kube-system",
  "bp-hcloud-csi": "kube-system",
  "bp-catalyst-platform": "catalyst-system",
  [RELAY_SLOT]: "stalwart-sovereign",
};

/** Helm release name of a slot: the slot name without its `bp-` prefix (`bp-cert-manager` → `cert-manager`). */
export const releaseNameOf = (slot: string): string => slot.replace(/^bp-/, "");
export const usualNamespaceOf = (slot: string): string => USUAL_NAMESPACES[slot] ?? releaseNameOf(slot);

export interface KitProblem {
  /** Path below `sovereigns[i].kit`. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** What is wrong with a kit selection, checked against the registry. */
export function kitProblems(input: KitInput, registry: readonly KitSlot[]): KitProblem[] {
  const known = new Set(registry.map((s) => s.name));
  const problems: KitProblem[] = [];
  input.include.forEach((name, i) => {
    if (name === RELAY_SLOT) problems.push({ path: ["include", i], message: `${RELAY_SLOT} (slot 95) is the <sovereign>-mail stack of this project, not a kit release` });
    else if (!known.has(name)) problems.push({ path: ["include", i], message: `unknown slot "${name}" (see kit/registry.yaml)` });
  });
  if (problems.length > 0) return problems;
  const selected = closure(registry, input.include);
  for (const key of ["versions", "values", "namespaces"] as const) {
    for (const name of Object.keys(input[key] ?? {})) {
      if (!selected.has(name)) problems.push({ path: [key, name], message: `slot "${name}" is not in this kit (neither included nor a dependency)` });
    }
  }
  const unpinned = [...selected].filter((n) => input.versions?.[n] === undefined).sort();
  if (unpinned.length > 0 && input.defaultVersion === undefined) {
    problems.push({ path: ["versions"], message: `no chart version for ${unpinned.join(", ")}: pin them in versions or set defaultVersion` });
  }
  return problems;
}

/** Resolves a valid selection into releases in install order (Kahn's order over the selected slots). */
export function selectKit(input: KitInput, registry: readonly KitSlot[], stackName: string): Kit {
  const selected = closure(registry, input.include);
  const slots = registry.filter((s) => selected.has(s.name));
  const structure = structuralCheck(slots);
  if (structure.undeclared.length > 0 || structure.stalled.length > 0) {
    throw new Error(`the bootstrap-kit registry is not a DAG: stalled ${structure.stalled.join(", ")}; undeclared ${structure.undeclared.map((u) => u.dependency).join(", ")}`);
  }
  const releases = structure.order.map(
    (name): KitRelease => ({
      name,
      version: input.versions?.[name] ?? (input.defaultVersion as string),
      namespace: input.namespaces?.[name] ?? usualNamespaceOf(name),
      values: input.values?.[name] ?? {},
      // Every dependency of a selected slot is selected too (closure), so the edges stay whole.
      dependsOn: slots.find((s) => s.name === name)!.dependsOn,
    }),
  );
  return { stackName, releases, timeoutSeconds: input.timeoutSeconds ?? DEFAULT_KIT_TIMEOUT_SECONDS };
}
