import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface SynthResource {
  /** Terraform address: `type.name`, `data.type.name` or `output.name`. */
  readonly address: string;
  readonly type: string;
  readonly body: Json;
}

export interface SynthStack {
  readonly name: string;
  readonly resources: ReadonlyMap<string, SynthResource>;
  readonly dependencies: readonly string[];
}

/** Drops cdktf's `//` metadata, which carries construct paths and changes nothing in Terraform. */
function stripMetadata(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "//").map(([k, v]) => [k, stripMetadata(v)]));
  }
  return value;
}

type Manifest = Record<string, { synthesizedStackPath: string; dependencies: string[] }>;

function readManifest(dir: string): Manifest {
  const manifestFile = join(dir, "manifest.json");
  if (!existsSync(manifestFile)) throw new Error(`${dir} is not a synthesized output (no manifest.json)`);
  return JSON.parse(readFileSync(manifestFile, "utf8")).stacks as Manifest;
}

/** The names of the stacks a synthesized output holds, from its manifest alone. */
export const synthStackNames = (dir: string): string[] => Object.keys(readManifest(dir));

/**
 * Reads a synthesized output directory (`manifest.json` and `stacks/<name>/cdk.tf.json`): every stack, or only
 * those named in `only` (a large output need not be parsed whole to look at a few stacks).
 */
export function readSynthOutput(dir: string, only?: ReadonlySet<string>): Map<string, SynthStack> {
  const stacks = new Map<string, SynthStack>();
  for (const [name, entry] of Object.entries(readManifest(dir))) {
    if (only && !only.has(name)) continue;
    const tf = stripMetadata(JSON.parse(readFileSync(join(dir, entry.synthesizedStackPath), "utf8")));
    const resources = new Map<string, SynthResource>();
    for (const [type, byName] of Object.entries((tf.resource ?? {}) as Record<string, Record<string, Json>>)) {
      for (const [n, body] of Object.entries(byName)) resources.set(`${type}.${n}`, { address: `${type}.${n}`, type, body });
    }
    for (const [type, byName] of Object.entries((tf.data ?? {}) as Record<string, Record<string, Json>>)) {
      for (const [n, body] of Object.entries(byName)) resources.set(`data.${type}.${n}`, { address: `data.${type}.${n}`, type: `data.${type}`, body });
    }
    for (const [n, body] of Object.entries((tf.output ?? {}) as Record<string, Json>)) resources.set(`output.${n}`, { address: `output.${n}`, type: "output", body });
    for (const key of ["provider", "terraform"]) if (tf[key]) resources.set(key, { address: key, type: key, body: tf[key] });
    stacks.set(name, { name, resources, dependencies: [...(entry.dependencies ?? [])].sort() });
  }
  return stacks;
}

/**
 * The stacks two outputs hold byte for byte alike (manifest entry and Terraform JSON): nothing to compare, so a
 * large output's unchanged stacks need not be parsed. `knownDigestOf` gives a file's SHA-256 when it is known
 * without reading the file (the synthesis cache's stamps); other files are compared byte for byte.
 */
export function identicalStacks(baseDir: string, headDir: string, knownDigestOf: (path: string) => string | undefined = () => undefined): Set<string> {
  const [base, head] = [readManifest(baseDir), readManifest(headDir)];
  const same = new Set<string>();
  for (const [name, entry] of Object.entries(base)) {
    const other = head[name];
    if (!other || JSON.stringify(other) !== JSON.stringify(entry)) continue;
    const [a, b] = [join(baseDir, entry.synthesizedStackPath), join(headDir, other.synthesizedStackPath)];
    try {
      // Digests synthesis stamped (unchanged files only) settle it without reading either file (their stamps were
      // checked against a fresh stat already); otherwise the same inode, or the same bytes.
      const [da, db] = [knownDigestOf(a), knownDigestOf(b)];
      if (da !== undefined && db !== undefined) {
        if (da === db) same.add(name);
        continue;
      }
      const [sa, sb] = [statSync(a), statSync(b)];
      if ((sa.ino === sb.ino && sa.dev === sb.dev) || (sa.size === sb.size && readFileSync(a).equals(readFileSync(b)))) same.add(name);
    } catch {
      // A stack file missing on either side: compared the usual way (and reported there).
    }
  }
  return same;
}
