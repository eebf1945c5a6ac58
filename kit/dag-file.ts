import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import { projectRoot } from "../project/root";

/** One bootstrap-kit slot in the upstream format. */
export interface KitSlot {
  /** Slot id: a number or an id such as `02a`, `13b`; kept as written. */
  readonly slot: string;
  /** Helm release name, e.g. `bp-cert-manager`; unique. */
  readonly name: string;
  /** Names this slot waits for (set semantics: sorted, de-duplicated). */
  readonly dependsOn: readonly string[];
  /** Rollout wave tag: `present`, `W2.K1` … `W2.K4`. */
  readonly wave: string;
}

/** A DAG file that cannot be used: exit code 3 in `kit:check`. */
export class KitInputError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "KitInputError";
  }
}

/** The project's own registry (`kit/registry.yaml`). */
export const registryFile = (): string => join(projectRoot(), "kit", "registry.yaml");

/** A kit input file's text; an unreadable file is a {@link KitInputError} naming it. */
export function readKitFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new KitInputError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export const readDagFile = (file: string): KitSlot[] => parseDag(readKitFile(file), file);

/** Parses the upstream format; every structural problem of the input is a {@link KitInputError}. */
export function parseDag(text: string, file: string): KitSlot[] {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new KitInputError(file, `not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  const root = doc.contents;
  const slotsNode = isMap(root) ? root.get("slots", true) : undefined;
  if (!isSeq(slotsNode)) throw new KitInputError(file, 'expected a top-level "slots" list');
  const raw = slotsNode.toJSON() as unknown[];
  if (raw.length === 0) throw new KitInputError(file, "the slot list is empty");
  const slots = raw.map((entry, i) => toSlot(entry, i, file));
  const seen = new Map<string, number>();
  slots.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) throw new KitInputError(file, `duplicate name "${s.name}" (slots[${first}] and slots[${i}])`);
    seen.set(s.name, i);
  });
  return slots;
}

function toSlot(entry: unknown, i: number, file: string): KitSlot {
  const at = `slots[${i}]`;
  if (!entry || typeof entry !== "object") throw new KitInputError(file, `${at} is not a mapping`);
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== "string" || e.name === "") throw new KitInputError(file, `${at}.name is missing`);
  if (typeof e.slot !== "string" && typeof e.slot !== "number") throw new KitInputError(file, `${at}.slot is missing`);
  const deps = e.depends_on ?? [];
  if (!Array.isArray(deps) || deps.some((d) => typeof d !== "string")) throw new KitInputError(file, `${at}.depends_on must be a list of names`);
  return { slot: String(e.slot), name: e.name, dependsOn: [...new Set(deps as string[])].sort(), wave: typeof e.wave === "string" ? e.wave : "present" };
}

/** Writes slots in the upstream format: numeric ids as numbers, others quoted; flow-style dependency lists. */
export function formatDag(slots: readonly KitSlot[], header = ""): string {
  const lines = ["slots:"];
  for (const s of slots) {
    lines.push(`  - slot: ${/^\d+$/.test(s.slot) ? Number(s.slot) : `'${s.slot}'`}`);
    lines.push(`    name: ${s.name}`);
    lines.push(`    depends_on: [${s.dependsOn.join(", ")}]`);
    lines.push(`    wave: ${s.wave}`);
  }
  return `${header}${lines.join("\n")}\n`;
}

/** Numeric slots print as two digits (`slot 02`), others as written (`slot 13b`). */
export const displaySlot = (slot: string): string => (/^\d+$/.test(slot) ? slot.padStart(2, "0") : slot);
