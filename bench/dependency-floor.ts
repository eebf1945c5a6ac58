/**
 * The floor under a cold run of the app command: node loading the third-party modules the app's bundle holds
 * (cdktf, constructs, the provider bindings, zod, yaml, …) and none of this project's code but
 * `app/stable-stringify.ts`, which the bundle puts in json-stable-stringify's place. They are bundled the way
 * `npm run bundle` bundles the app (its esbuild flags, read from package.json). What a cold run costs beyond this
 * floor is the work it does: the project's code, and the dependencies' code that it calls.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface DependencyBundle {
  /** The bundle file, which requires the third-party modules this project imports and does nothing else. */
  readonly file: string;
  /** How many modules (files) of `node_modules` the app bundle holds. */
  readonly modules: number;
  /** The third-party packages they belong to, sorted. */
  readonly packages: readonly string[];
  /** Size of the bundle file. */
  readonly bytes: number;
}

/** `npm run bundle`'s esbuild command line: its entry points and flags (`--outdir` left to the caller). */
export function bundleCommandOf(root: string): { entryPoints: string[]; flags: string[] } {
  const script = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.bundle;
  const [tool, ...args] = script.trim().split(/\s+/);
  if (tool !== "esbuild") throw new Error(`package.json scripts.bundle runs ${tool}, not esbuild`);
  return { entryPoints: args.filter((a) => !a.startsWith("--")), flags: args.filter((a) => a.startsWith("--") && !a.startsWith("--outdir=")) };
}

/** The package a `node_modules` path belongs to (`@scope/name` or `name`, the innermost one), else undefined. */
export function packageOf(path: string): string | undefined {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0 || at + 1 >= parts.length) return undefined;
  return parts[at + 1].startsWith("@") ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
}

/**
 * Bundles, into `workDir`, a file that requires each third-party module this project's code imports (found in
 * esbuild's metafile of the app bundle), with the app bundle's flags.
 */
export function buildDependencyBundle(root: string, workDir: string): DependencyBundle {
  const esbuild = join(root, "node_modules", ".bin", "esbuild");
  const { entryPoints, flags } = bundleCommandOf(root);
  const run = (args: string[]) => {
    const result = spawnSync(esbuild, args, { cwd: root, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`esbuild ${args.join(" ")} failed:\n${result.stderr}`);
  };
  const metafile = join(workDir, "app-bundle-meta.json");
  run([...entryPoints, ...flags, `--outdir=${join(workDir, "app-bundle")}`, `--metafile=${metafile}`]);
  const { inputs } = JSON.parse(readFileSync(metafile, "utf8")) as { inputs: Record<string, { imports: { path: string }[] }> };
  // The modules this project's files import: required as the app requires them, they load what they load there.
  const imported = Object.entries(inputs).flatMap(([path, input]) => (packageOf(path) === undefined ? input.imports.map((i) => i.path) : []));
  const entries = [...new Set(imported.filter((p) => packageOf(p) !== undefined))].sort();
  const entry = join(workDir, "dependencies-entry.js");
  writeFileSync(entry, entries.map((p) => `require(${JSON.stringify(resolve(root, p))});\n`).join(""));
  const file = join(workDir, "dependencies.js");
  // Same flags, the alias included: cdktf's modules then load what they load in the app bundle.
  run([entry, ...flags, `--outfile=${file}`]);
  const thirdParty = Object.keys(inputs).filter((p) => packageOf(p) !== undefined);
  return { file, modules: thirdParty.length, packages: [...new Set(thirdParty.map((p) => packageOf(p)!))].sort(), bytes: statSync(file).size };
}
