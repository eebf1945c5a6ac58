import { isManagedResource, type AttributeChange, type PlanDiff, type ResourceAction, type StackDiff } from "./diff";

const SYMBOL: Readonly<Record<ResourceAction, string>> = { create: "+", delete: "-", update: "~", replace: "-/+" };

/** Counts as `terraform plan` gives them: managed resources only (not data sources, outputs or provider blocks). */
export function summary(s: StackDiff): string {
  const count = (a: ResourceAction) => s.resources.filter((r) => r.action === a && isManagedResource(r.address)).length;
  return `${count("create")} to add, ${count("update")} to change, ${count("replace")} to replace, ${count("delete")} to destroy`;
}

export function totalSummary(d: PlanDiff): string {
  const all = d.stacks.flatMap((s) => s.resources).filter((r) => isManagedResource(r.address));
  const count = (a: ResourceAction) => all.filter((r) => r.action === a).length;
  const changed = d.stacks.filter((s) => s.status !== "unchanged").length;
  return `${changed} of ${d.stacks.length} stacks changed: ${count("create")} to add, ${count("update")} to change, ${count("replace")} to replace, ${count("delete")} to destroy`;
}

const changeText = (c: AttributeChange) => `${c.path}: ${c.old ?? "(none)"} → ${c.new ?? "(none)"}${c.forcesReplacement ? "  # forces replacement" : ""}`;

/** Every data-loss finding, stack by stack. */
const dataLossLines = (d: PlanDiff): string[] => d.stacks.flatMap((s) => s.dataLoss.map((l) => `${s.name}: ${l}`));

export function renderText(d: PlanDiff): string {
  const out: string[] = dataLossLines(d).map((l) => `!!! DATA LOSS ${l}`);
  for (const s of d.stacks.filter((x) => x.status !== "unchanged")) {
    out.push(`== ${s.name} (${s.status}): ${summary(s)}`);
    for (const w of s.warnings) out.push(`  ! ${w}`);
    for (const r of s.resources) {
      out.push(`  ${SYMBOL[r.action]} ${r.address}`);
      if (r.action === "update" || r.action === "replace") {
        for (const c of r.changes) {
          if (c.lines !== undefined) out.push(`      ${c.path}:${c.forcesReplacement ? "  # forces replacement" : ""}`, ...c.lines.split("\n").map((l) => `        ${l}`));
          else out.push(`      ${changeText(c)}`);
        }
      }
    }
  }
  out.push(d.hasChanges ? totalSummary(d) : "No changes.");
  return `${out.join("\n")}\n`;
}

const md = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(d: PlanDiff): string {
  const out: string[] = ["## sovereign-mail plan diff", ""];
  if (!d.hasChanges) return `${out.join("\n")}\nNo changes.\n`;
  const losses = dataLossLines(d);
  // GitHub renders a CAUTION alert in red: a reviewer sees it before anything else.
  if (losses.length > 0) out.push("> [!CAUTION]", "> **DATA LOSS**: mailboxes would be deleted or left behind", ...losses.map((l) => `> - ${md(l)}`), "");
  out.push(`**${totalSummary(d)}**`, "");
  const warnings = d.stacks.flatMap((s) => s.warnings.map((w) => `${s.name}: ${w}`));
  if (warnings.length > 0) out.push("> [!WARNING]", ...warnings.map((w) => `> - ${md(w)}`), "");
  for (const s of d.stacks.filter((x) => x.status !== "unchanged")) {
    out.push(`### \`${s.name}\` (${s.status}): ${summary(s)}`, "");
    out.push("| | resource | changes |", "|---|---|---|");
    for (const r of s.resources) {
      const changes = r.action === "update" || r.action === "replace" ? r.changes.filter((c) => c.lines === undefined).map((c) => `\`${md(changeText(c))}\``).join("<br>") : "";
      out.push(`| \`${SYMBOL[r.action]}\` | \`${r.address}\` | ${changes} |`);
    }
    out.push("");
    for (const r of s.resources) {
      for (const c of r.changes.filter((x) => x.lines !== undefined && (r.action === "update" || r.action === "replace"))) {
        out.push(`<details><summary><code>${r.address}</code> <code>${c.path}</code></summary>`, "", "```diff", c.lines!, "```", "", "</details>", "");
      }
    }
  }
  return `${out.join("\n")}\n`;
}

export const renderJson = (d: PlanDiff): string => `${JSON.stringify(d, null, 2)}\n`;
