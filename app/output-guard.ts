import { existsSync, lstatSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, parse, relative, resolve, sep } from "node:path";

/** What a synthesis writes at the top of its output directory. */
const OUTPUT_ENTRIES = new Set(["manifest.json", "stacks"]);
/** Files that must never be deleted with an output directory: Terraform state. */
const STATE_FILE = /\.tfstate(\.backup|\.\d+\.backup)?$/;

/**
 * Why `target` must not be replaced by a synthesis, or undefined when it may: it does not exist, holds no files
 * (empty directories at most), or is the output of an earlier synthesis (a cdktf `manifest.json` and `stacks/`, whose stack
 * directories may hold what `terraform init` adds, but no state). Never the working directory or one of its
 * parents, the home directory, a filesystem root, a repository root, or a file.
 */
export function outputProblem(target: string, cwd = process.cwd()): string | undefined {
  const absolute = resolve(cwd, target);
  const inside = (child: string) => {
    const rel = relative(absolute, child);
    return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && parse(rel).root === "");
  };
  if (absolute === parse(absolute).root) return `${target} is a filesystem root`;
  if (inside(resolve(cwd))) return `${target} is the working directory or contains it`;
  if (inside(homedir())) return `${target} is the home directory or contains it`;
  if (!existsSync(absolute)) return undefined;
  const stat = lstatSync(absolute);
  if (stat.isSymbolicLink()) return `${target} is a symbolic link`;
  if (!stat.isDirectory()) return `${target} is a file, not a directory`;
  const entries = readdirSync(absolute);
  if (entries.includes(".git")) return `${target} is a repository root`;
  // Empty, or empty directories only (what building a cdktf App leaves): nothing to lose.
  if (holdsNoFiles(absolute)) return undefined;
  const foreign = entries.filter((e) => !OUTPUT_ENTRIES.has(e));
  if (foreign.length > 0 || !isManifest(join(absolute, "manifest.json"))) {
    return `${target} holds files an earlier synthesis did not write (${(foreign.length > 0 ? foreign : ["no manifest.json"]).slice(0, 3).join(", ")})`;
  }
  const state = findState(join(absolute, "stacks"));
  if (state) return `${target} holds Terraform state (${relative(absolute, state)}); move it out first`;
  return undefined;
}

function holdsNoFiles(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).every((e) => e.isDirectory() && !e.isSymbolicLink() && holdsNoFiles(join(dir, e.name)));
}

function isManifest(file: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(file, "utf8"));
    return typeof manifest.version === "string" && manifest.stacks !== null && typeof manifest.stacks === "object";
  } catch {
    return false;
  }
}

function findState(dir: string): string | undefined {
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && STATE_FILE.test(entry.name)) return path;
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      const found = findState(path);
      if (found) return found;
    }
  }
  return undefined;
}

/** The temporary directories a synthesis into `target` makes beside it (`.<name>-XXXXXX`, and `….old`). */
export const temporaryDirPattern = (target: string) => new RegExp(`^\\.${escapeRegExp(basename(resolve(target)))}-[A-Za-z0-9]{6}(\\.old)?$`);

/** Removes what an interrupted earlier synthesis into `target` left beside it. */
export function removeLeftovers(target: string): void {
  const parent = dirname(resolve(target));
  if (!existsSync(parent)) return;
  const pattern = temporaryDirPattern(target);
  for (const entry of readdirSync(parent)) if (pattern.test(entry)) rmSync(join(parent, entry), { recursive: true, force: true });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
