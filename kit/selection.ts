import semver from "semver";
import { closure, structuralCheck } from "./audit";
import { isExactVersion, type ChartLock } from "./chart-versions";
import type { KitSlot } from "./dag-file";
import type { Kit, KitRelease, KitSelection } from "./model";
import { SLOT, usualNamespaceOf } from "./slots";

export const DEFAULT_KIT_TIMEOUT_SECONDS = 600;

export interface KitProblem {
  /** Path below `sovereigns[i].kit`. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * What is wrong with a kit selection, checked against the registry and the chart lock (`kit/chart-versions.yaml`).
 * Every selected slot must end up with an exact chart version: the helm provider (hashicorp/helm 3.1.1,
 * `helm/resource_helm_release.go` ModifyPlan) plans the chart's resolved version and fails with "Planned version
 * is different from configured version" whenever the configured one differs, so a range fails every plan.
 */
export function kitProblems(input: KitSelection, registry: readonly KitSlot[], lock: ChartLock): KitProblem[] {
  const known = new Set(registry.map((s) => s.name));
  const problems: KitProblem[] = [];
  input.include.forEach((name, i) => {
    if (name === SLOT.relay) problems.push({ path: ["include", i], message: `${SLOT.relay} (slot 95) is the <sovereign>-mail stack of this project, not a kit release` });
    else if (!known.has(name)) problems.push({ path: ["include", i], message: `unknown slot "${name}" (see kit/registry.yaml)` });
  });
  if (problems.length > 0) return problems;
  const selected = closure(registry, input.include);
  for (const key of ["versions", "values", "namespaces"] as const) {
    for (const name of Object.keys(input[key] ?? {})) {
      if (!selected.has(name)) problems.push({ path: [key, name], message: `slot "${name}" is not in this kit (neither included nor a dependency)` });
    }
  }
  for (const [name, version] of Object.entries(input.versions ?? {})) {
    if (selected.has(name) && !isExactVersion(version)) problems.push({ path: ["versions", name], message: notExactMessage(version, lock.charts[name]?.version) });
  }
  const unversioned = [...selected].filter((n) => input.versions?.[n] === undefined && lock.charts[n]?.version === undefined).sort();
  for (const name of unversioned) {
    const entry = lock.charts[name];
    problems.push({
      path: ["versions"],
      message: entry
        ? `no chart version for ${name}: its entry in kit/chart-versions.yaml is not resolved yet (run npm run kit:lock -- --slot ${name}), or pin an exact version in kit.versions`
        : `no chart version for ${name}: kit/chart-versions.yaml has no entry for it; add one ({constraint: "~x.y"}, then npm run kit:lock -- --slot ${name}) or pin an exact version in kit.versions`,
    });
  }
  return problems;
}

/** Why a fleet version is not usable, with the fix. */
function notExactMessage(version: string, locked: string | undefined): string {
  const fix = `pin an exact version${locked !== undefined && semver.satisfies(locked, version) ? ` such as "${locked}" (the locked one)` : ""}, or delete this entry to use kit/chart-versions.yaml (npm run kit:lock refreshes it)`;
  const plain = semver.valid(version);
  if (plain !== null) return `"${version}" is not a chart version as charts write them: write "${plain}" (no "v" or "=" prefix, no spaces; the helm provider compares it with the chart's version)`;
  if (semver.validRange(version) !== null) return `"${version}" is a version range; the helm provider needs an exact chart version: ${fix}`;
  return `"${version}" is not a chart version (exact semver such as "1.2.3"): ${fix}`;
}

/** Resolves a valid selection into releases in install order (Kahn's order over the selected slots). */
export function selectKit(input: KitSelection, registry: readonly KitSlot[], stackName: string, lock: ChartLock): Kit {
  const selected = closure(registry, input.include);
  const slots = registry.filter((s) => selected.has(s.name));
  const structure = structuralCheck(slots);
  if (structure.undeclared.length > 0 || structure.stalled.length > 0) {
    throw new Error(`the bootstrap-kit registry is not a DAG: stalled ${structure.stalled.join(", ")}; undeclared ${structure.undeclared.map((u) => u.dependency).join(", ")}`);
  }
  const releases = structure.order.map((name): KitRelease => {
    const version = input.versions?.[name] ?? lock.charts[name]?.version;
    // kitProblems rejects both; this guards callers that skipped it.
    if (version === undefined || !isExactVersion(version)) throw new Error(`bootstrap-kit slot ${name} has no exact chart version (${String(version)})`);
    return {
      name,
      version,
      versionSource: input.versions?.[name] !== undefined ? "fleet" : "lock",
      namespace: input.namespaces?.[name] ?? usualNamespaceOf(name),
      values: input.values?.[name] ?? {},
      // Every dependency of a selected slot is selected too (closure), so the edges stay whole.
      dependsOn: slots.find((s) => s.name === name)!.dependsOn,
    };
  });
  return { stackName, repository: lock.repository, releases, timeoutSeconds: input.timeoutSeconds ?? DEFAULT_KIT_TIMEOUT_SECONDS };
}
