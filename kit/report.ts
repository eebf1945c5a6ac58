import type { DriftReport, StructuralReport } from "./audit";
import { displaySlot, type KitSlot } from "./dag-file";

/** Waves in rollout order; a tag outside this list is still shown, after them. */
export const WAVES = ["present", "W2.K1", "W2.K2", "W2.K3", "W2.K4"];

/**
 * ASCII view grouped by wave: `[P]` present in the registry, `[.]` deferred (expected, not in the registry),
 * `slot NN  name  <-- deps`, then the problems and a summary line.
 */
export function formatAscii(view: readonly KitSlot[], registryNames: ReadonlySet<string>, structure: StructuralReport, drift?: DriftReport): string {
  const lines: string[] = ["legend: [P] present  [.] deferred"];
  const waves = [...WAVES, ...[...new Set(view.map((s) => s.wave))].filter((w) => !WAVES.includes(w)).sort()];
  for (const wave of waves) {
    const group = view.filter((s) => s.wave === wave);
    if (group.length === 0 && !WAVES.includes(wave)) continue;
    lines.push("", `== wave ${wave} ==`);
    if (group.length === 0) lines.push("  (none)");
    for (const s of group) {
      const marker = registryNames.has(s.name) ? "[P]" : "[.]";
      const deps = s.dependsOn.length > 0 ? `<-- ${s.dependsOn.join(", ")}` : "(root, no deps)";
      lines.push(`  ${marker} slot ${displaySlot(s.slot).padEnd(4)} ${s.name.padEnd(34)} ${deps}`);
    }
  }
  const problems = problemLines(structure, drift);
  if (problems.length > 0) lines.push("", ...problems);
  const present = view.filter((s) => registryNames.has(s.name)).length;
  const driftCount = drift ? drift.edges.length + drift.unexpected.length : 0;
  lines.push(
    "",
    `summary: ${present} present, ${view.length} declared, ${drift?.deferred.length ?? 0} deferred, ` +
      `${driftCount + structure.undeclared.length} drift, ${structure.stalled.length > 0 ? 1 : 0} cycles` +
      (problems.some((p) => p.startsWith("error")) ? "" : " — OK"),
  );
  return `${lines.join("\n")}\n`;
}

export function problemLines(structure: StructuralReport, drift?: DriftReport): string[] {
  const lines: string[] = [];
  for (const u of structure.undeclared) lines.push(`error: ${u.slot} depends on undeclared "${u.dependency}"`);
  if (structure.stalled.length > 0) lines.push(`error: dependency cycle; Kahn's algorithm stalled on: ${structure.stalled.join(", ")}`);
  for (const e of drift?.edges ?? []) {
    if (e.missing.length > 0) lines.push(`error: ${e.name}: missing edges ${e.missing.join(", ")}`);
    if (e.extra.length > 0) lines.push(`error: ${e.name}: extra edges ${e.extra.join(", ")}`);
  }
  for (const n of drift?.unexpected ?? []) lines.push(`error: ${n} is in the registry but not expected`);
  for (const n of drift?.deferred ?? []) lines.push(`warning: ${n} is expected but not in the registry (deferred)`);
  return lines;
}

/** A Mermaid flowchart for the docs: an edge from each dependency to the slot that waits for it. */
export function formatMermaid(slots: readonly KitSlot[]): string {
  const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");
  const lines = ["flowchart TD"];
  for (const s of slots) lines.push(`  ${id(s.name)}["${displaySlot(s.slot)} ${s.name}"]`);
  for (const s of slots) for (const d of s.dependsOn) lines.push(`  ${id(d)} --> ${id(s.name)}`);
  return `${lines.join("\n")}\n`;
}
