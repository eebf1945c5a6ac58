import type { KitSlot } from "./dag-file";

/**
 * The bootstrap-kit audit, with the semantics of the platform's dependency check:
 * structural checks on one DAG (undeclared dependencies, cycles by Kahn's algorithm) and, given an expected
 * DAG, drift per slot (missing and extra edges as set differences; unexpected slots are errors, expected
 * slots that are absent are deferred, a warning).
 */

export interface StructuralReport {
  /** `slot name → undeclared dependency` pairs. */
  readonly undeclared: readonly { readonly slot: string; readonly dependency: string }[];
  /** Topological order (Kahn; ready slots taken in registry order). */
  readonly order: readonly string[];
  /** Slots Kahn's algorithm could not order: members of a cycle or waiting on one. */
  readonly stalled: readonly string[];
}

export interface EdgeDrift {
  readonly name: string;
  /** Expected edges the registry lacks. */
  readonly missing: readonly string[];
  /** Registry edges the expected DAG lacks. */
  readonly extra: readonly string[];
}

export interface DriftReport {
  readonly edges: readonly EdgeDrift[];
  /** In the registry, not expected: an error. */
  readonly unexpected: readonly string[];
  /** Expected, not in the registry: deferred, a warning. */
  readonly deferred: readonly string[];
}

/** The project's exit codes: 0 ok, 1 a finding (drift, a cycle, an undeclared dependency) or an unreadable input, 2 usage. */
export const EXIT = { ok: 0, finding: 1, usage: 2 } as const;

/** Undeclared dependencies and a Kahn topological sort over the declared ones. */
export function structuralCheck(slots: readonly KitSlot[]): StructuralReport {
  const names = new Set(slots.map((s) => s.name));
  const undeclared = slots.flatMap((s) => s.dependsOn.filter((d) => !names.has(d)).map((dependency) => ({ slot: s.name, dependency })));
  const waitingOn = new Map(slots.map((s) => [s.name, new Set(s.dependsOn.filter((d) => names.has(d)))]));
  const dependents = new Map<string, string[]>(slots.map((s) => [s.name, []]));
  for (const s of slots) for (const d of waitingOn.get(s.name)!) dependents.get(d)!.push(s.name);

  const position = new Map(slots.map((s, i) => [s.name, i]));
  const ready = slots.filter((s) => waitingOn.get(s.name)!.size === 0).map((s) => s.name);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const next = ready.shift()!;
    order.push(next);
    for (const d of dependents.get(next)!) {
      const waits = waitingOn.get(d)!;
      waits.delete(next);
      if (waits.size === 0) ready.push(d);
    }
  }
  const done = new Set(order);
  return { undeclared, order, stalled: slots.map((s) => s.name).filter((n) => !done.has(n)) };
}

export function driftCheck(registry: readonly KitSlot[], expected: readonly KitSlot[]): DriftReport {
  const expectedByName = new Map(expected.map((s) => [s.name, s]));
  const registryNames = new Set(registry.map((s) => s.name));
  const edges: EdgeDrift[] = [];
  const unexpected: string[] = [];
  for (const s of registry) {
    const want = expectedByName.get(s.name);
    if (!want) {
      unexpected.push(s.name);
      continue;
    }
    const have = new Set(s.dependsOn);
    const should = new Set(want.dependsOn);
    const missing = [...should].filter((d) => !have.has(d)).sort();
    const extra = [...have].filter((d) => !should.has(d)).sort();
    if (missing.length > 0 || extra.length > 0) edges.push({ name: s.name, missing, extra });
  }
  const deferred = expected.filter((s) => !registryNames.has(s.name)).map((s) => s.name);
  return { edges, unexpected, deferred };
}

/** Exit code of an audit: a cycle outranks drift; undeclared dependencies count as drift. */
export function auditExitCode(structure: StructuralReport, drift?: DriftReport): number {
  if (structure.stalled.length > 0) return EXIT.finding;
  if (structure.undeclared.length > 0) return EXIT.finding;
  if (drift && (drift.edges.length > 0 || drift.unexpected.length > 0)) return EXIT.finding;
  return EXIT.ok;
}

/** The slots needed to install `wanted`: the names themselves plus every transitive dependency. */
export function closure(slots: readonly KitSlot[], wanted: readonly string[]): Set<string> {
  const byName = new Map(slots.map((s) => [s.name, s]));
  const result = new Set<string>();
  const visit = (name: string) => {
    if (result.has(name)) return;
    const slot = byName.get(name);
    if (!slot) throw new Error(`unknown bootstrap-kit slot "${name}"`);
    result.add(name);
    slot.dependsOn.forEach(visit);
  };
  wanted.forEach(visit);
  return result;
}
