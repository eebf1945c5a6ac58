import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { projectRoot } from "../project/root";
import { sha256Hex } from "./file-stamps";

/**
 * Environment variables synthesis may read: cdktf 0.21 reads the first five while it synthesizes (context, HCL
 * output, the error-annotation switch, a target stack, the binary its version check names); the last is this
 * project's (token creation traces: it changes error messages only, but it is seen, so it counts). Synthesis
 * runs with exactly these (see `withSynthesisEnv`), so none other can change a byte.
 */
export const SYNTH_ENV = [
  "CDKTF_CONTEXT_JSON",
  "SYNTH_HCL_OUTPUT",
  "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS",
  "CDKTF_TARGET_STACK_ID",
  "TERRAFORM_BINARY_NAME",
  "SOVEREIGN_MAIL_TOKEN_TRACES",
] as const;

/** The part of an environment synthesis sees. */
export const synthesisEnv = (env: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(SYNTH_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));

/** Runs `run` with `process.env` holding only the synthesis environment (then restores it). */
export function withSynthesisEnv<T>(run: () => T): T {
  const saved = process.env;
  process.env = synthesisEnv(saved);
  try {
    return run();
  } finally {
    process.env = saved;
  }
}

/**
 * Where the running code is: the compiled tree (`dist/`, whatever it holds: modules or a bundle), else, when
 * the sources run directly (ts-node, ts-jest), the project itself.
 */
export function codeRoot(file = __filename): string {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) if (basename(dir) === "dist") return dir;
  return projectRoot();
}

/** Folders never part of the code: dependencies (the lock files stand for them), tests, outputs, caches. */
const NOT_CODE = new Set(["node_modules", "__tests__", "dist", "cdktf.out", "coverage"]);
const CODE_FILE = /\.(js|cjs|mjs|json|node|wasm|ts|yaml|yml)$/;

/** Every code file under `root` (sorted, relative): a superset of what synthesis loads, so no change escapes it. */
export function codeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!NOT_CODE.has(entry.name)) walk(path);
      } else if (CODE_FILE.test(entry.name)) out.push(relative(root, path).split(sep).join("/"));
    }
  };
  walk(root);
  return out.sort();
}

export interface BuildFingerprintOptions {
  /** @default codeRoot() */
  readonly codeRoot?: string;
  /** Where package-lock.json and node_modules are. @default projectRoot() */
  readonly projectRoot?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default process.version */
  readonly nodeVersion?: string;
  /** A file's SHA-256 (hex), or undefined when it is absent. @default reads and hashes the file */
  readonly digestOf?: (path: string) => string | undefined;
}

/** Bumped when the cache's key or entry format changes meaning. */
const KEY_FORMAT = "sovereign-mail synth cache 2";

/**
 * Everything besides a stack's own input that decides its bytes: the code (every file of the running tree),
 * the dependencies (the lock file and npm's record of what is installed), the Node.js release (all of it, not
 * only the major: a stack costs one synthesis after an upgrade) and the synthesis environment.
 */
export function buildFingerprint(options: BuildFingerprintOptions = {}): string {
  const root = options.codeRoot ?? codeRoot();
  const project = options.projectRoot ?? projectRoot();
  const hash = createHash("sha256");
  const part = (name: string, bytes: string | Buffer) => hash.update(`${name}\0${bytes.length}\0`).update(bytes).update("\0");
  part("format", KEY_FORMAT);
  part("node", options.nodeVersion ?? process.version);
  const digestOf = options.digestOf ?? ((path: string) => (existsSync(path) ? sha256Hex(readFileSync(path)) : undefined));
  // Each file by its SHA-256 (a stamped file is not read again: see FileStamps).
  for (const file of codeFiles(root)) part(`code:${file}`, digestOf(join(root, file)) ?? "(absent)");
  for (const lock of ["package-lock.json", join("node_modules", ".package-lock.json")]) {
    part(`lock:${lock}`, digestOf(join(project, lock)) ?? "(absent)");
  }
  part("env", JSON.stringify(SYNTH_ENV.map((k) => [k, (options.env ?? process.env)[k] ?? null])));
  return hash.digest("hex");
}
