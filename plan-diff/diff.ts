import { diffLines } from "diff";
import diff from "microdiff";
import { upgradeNotes } from "../stalwart/upgrade-notes";
import { dataLossOf } from "./data-loss";
import { offboardingOf, removalProblem, todayUtc } from "./offboarding";
import { forcesReplacement } from "./replace-rules";
import { isSensitive, REDACTED } from "./redact";
import type { Json, SynthResource, SynthStack } from "./synth-output";

export type ResourceAction = "create" | "delete" | "update" | "replace";

export interface AttributeChange {
  /** Dotted path (`spec.template.spec.container.0.image`). */
  readonly path: string;
  /** Old and new values as display text (redacted when sensitive); undefined when absent. */
  readonly old?: string;
  readonly new?: string;
  /** For long or multi-line strings: a unified line diff instead of old → new. */
  readonly lines?: string;
  readonly forcesReplacement: boolean;
}

export interface ResourceChange {
  readonly address: string;
  readonly action: ResourceAction;
  readonly changes: readonly AttributeChange[];
}

export interface StackDiff {
  readonly name: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly resources: readonly ResourceChange[];
  /** Changes a reviewer must not miss: replacements, a changed Stalwart plan, a deleted stack. */
  readonly warnings: readonly string[];
  /** Changes that would lose mailbox data (see `dataLossOf`): shown first, in red. */
  readonly dataLoss: readonly string[];
}

export interface PlanDiff {
  readonly stacks: readonly StackDiff[];
  readonly hasChanges: boolean;
  /** Whether any stack's change would lose mailbox data. */
  readonly losesData: boolean;
}

const LONG = 120;

function display(value: Json): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
}

const at = (value: Json, path: readonly (string | number)[]) => path.reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
const isScalarList = (v: unknown) => Array.isArray(v) && v.every((x) => x === null || typeof x !== "object");

/** Element-wise changes of a list of scalars (names, ports, addresses) read better as the whole list before and after. */
function collapseScalarLists(before: Json, after: Json, diffs: ReturnType<typeof diff>): ReturnType<typeof diff> {
  const out: ReturnType<typeof diff> = [];
  const seen = new Set<string>();
  for (const d of diffs) {
    const parent = d.path.slice(0, -1);
    if (typeof d.path[d.path.length - 1] === "number" && (isScalarList(at(before, parent)) || isScalarList(at(after, parent)))) {
      const key = parent.join("\u0000");
      if (seen.has(key)) continue;
      seen.add(key);
      const oldValue = at(before, parent);
      const newValue = at(after, parent);
      out.push(oldValue === undefined ? { type: "CREATE", path: parent, value: newValue } : newValue === undefined ? { type: "REMOVE", path: parent, oldValue } : { type: "CHANGE", path: parent, value: newValue, oldValue });
    } else {
      out.push(d);
    }
  }
  return out;
}

function attributeChanges(resource: SynthResource, before: Json, after: Json): AttributeChange[] {
  return collapseScalarLists(before ?? {}, after ?? {}, diff(before ?? {}, after ?? {})).map((d) => {
    const path = d.path.map(String).join(".");
    const oldValue = d.type === "CREATE" ? undefined : d.oldValue;
    const newValue = d.type === "REMOVE" ? undefined : d.value;
    const replace = forcesReplacement(resource.type, d.path as (string | number)[]);
    if (isSensitive(resource.type, d.path as (string | number)[], oldValue, newValue)) {
      return { path, old: oldValue === undefined ? undefined : REDACTED, new: newValue === undefined ? undefined : REDACTED, forcesReplacement: replace };
    }
    const isText = (v: unknown) => typeof v === "string" && (v.includes("\n") || v.length > LONG);
    if (isText(oldValue) || isText(newValue)) {
      const lines = diffLines(String(oldValue ?? ""), String(newValue ?? ""))
        .flatMap((part) => part.value.replace(/\n$/, "").split("\n").map((l) => (part.added ? `+ ${l}` : part.removed ? `- ${l}` : null)))
        .filter((l): l is string => l !== null)
        .join("\n");
      return { path, lines, forcesReplacement: replace };
    }
    return { path, old: oldValue === undefined ? undefined : display(oldValue), new: newValue === undefined ? undefined : display(newValue), forcesReplacement: replace };
  });
}

/** The Stalwart configuration plan lives in this ConfigMap: a change there reconfigures a running server. */
const isStalwartPlan = (r: SynthResource) => r.type === "kubernetes_config_map_v1" && r.body?.metadata?.name === "stalwart-plan";

function diffStack(today: string, name: string, base?: SynthStack, head?: SynthStack): StackDiff {
  const before = base?.resources ?? new Map<string, SynthResource>();
  const after = head?.resources ?? new Map<string, SynthResource>();
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort();
  const resources: ResourceChange[] = [];
  const warnings: string[] = [];
  for (const address of addresses) {
    const b = before.get(address);
    const a = after.get(address);
    if (!b) resources.push({ address, action: "create", changes: attributeChanges(a!, {}, a!.body) });
    else if (!a) resources.push({ address, action: "delete", changes: [] });
    else {
      const changes = attributeChanges(a, b.body, a.body);
      if (changes.length === 0) continue;
      const replace = changes.some((c) => c.forcesReplacement);
      resources.push({ address, action: replace ? "replace" : "update", changes });
      if (replace) warnings.push(`${address} will be REPLACED (${changes.filter((c) => c.forcesReplacement).map((c) => c.path).join(", ")})`);
      if (isStalwartPlan(a)) warnings.push(`the Stalwart configuration plan changes (${address}): the apply Job runs again`);
      warnings.push(...stalwartUpgradeWarnings(address, changes));
    }
  }
  for (const r of resources.filter((x) => x.action === "delete")) {
    if (/^(kubernetes_stateful_set_v1|kubernetes_namespace_v1|tls_private_key|random_password)\./.test(r.address)) warnings.push(`${r.address} will be DELETED`);
  }
  const offboarded = base && !head ? offboardingOf(base) : undefined;
  const problem = base && !head ? removalProblem(base, today) : undefined;
  if (base && !head) {
    if (offboarded && !problem) warnings.unshift(`stack ${name} completed offboarding (retained until ${offboarded.retainUntil}, final backup ${offboarded.finalBackup}): destroying it deletes its mailboxes as planned`);
    else if (problem) warnings.unshift(problem);
    warnings.unshift(`stack ${name} is DELETED: terraform destroy it before its state is orphaned`);
  }
  const status = !base ? "added" : !head ? "removed" : resources.length > 0 ? "changed" : "unchanged";
  return { name, status, resources: !head ? [...before.values()].map((r) => ({ address: r.address, action: "delete" as const, changes: [] })) : resources, warnings, dataLoss: dataLossOf(name, base, head, resources, offboarded !== undefined && problem === undefined) };
}

const STALWART_IMAGE = /stalwartlabs\/stalwart:v(\d+\.\d+\.\d+)/;

/** A server's Stalwart version changing: what upstream says about the versions crossed (stalwart/upgrade-notes.ts). */
function stalwartUpgradeWarnings(address: string, changes: readonly AttributeChange[]): string[] {
  if (!address.startsWith("kubernetes_stateful_set_v1.")) return [];
  const image = changes.find((c) => /\.image$/.test(c.path) && STALWART_IMAGE.test(c.old ?? "") && STALWART_IMAGE.test(c.new ?? ""));
  if (!image) return [];
  const [from, to] = [STALWART_IMAGE.exec(image.old!)![1], STALWART_IMAGE.exec(image.new!)![1]];
  return from === to ? [] : upgradeNotes(from, to).map((n) => `Stalwart upgrade of ${address}: ${n}`);
}

/** Whether an address is a managed resource, what `terraform plan` counts (not `data.`, `output.`, `provider`, `terraform`). */
export const isManagedResource = (address: string): boolean => address.includes(".") && !/^(data|output)\./.test(address);

/**
 * Compares two synthesized outputs, stack by stack and resource by resource; `today` (UTC) judges offboarding.
 * Stacks known to be byte-identical on both sides (`identical`, left out of `base` and `head`) are unchanged.
 */
export function diffSynthOutputs(base: ReadonlyMap<string, SynthStack>, head: ReadonlyMap<string, SynthStack>, today = todayUtc(), identical: ReadonlySet<string> = new Set()): PlanDiff {
  const names = [...new Set([...base.keys(), ...head.keys(), ...identical])].sort();
  const stacks = names.map((n): StackDiff => (identical.has(n) ? { name: n, status: "unchanged", resources: [], warnings: [], dataLoss: [] } : diffStack(today, n, base.get(n), head.get(n))));
  return { stacks, hasChanges: stacks.some((s) => s.status !== "unchanged"), losesData: stacks.some((s) => s.dataLoss.length > 0) };
}

