import stringify from "json-stable-stringify";
import { constants, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { Worker } from "node:worker_threads";
import { FleetInputError } from "../fleet/errors";
import { checkKitRequirements } from "../fleet/kit-requirements";
import { fleetErrorOf } from "../fleet/load";
import type { Fleet } from "../fleet/model";
import { stackInputsOf, stackNameOf, withTheirKits, type StackInput } from "../fleet/stack-inputs";
import { buildFingerprint, synthesisEnv } from "./build-fingerprint";
import { chunkErrorFile, REQUIRED_SLOTS_FILE } from "./chunk-files";
import { replaceDirAtomically } from "./replace-dir";
import { SynthCache, type CachedFile, type CacheHit, type SynthCacheOptions } from "./synth-cache";
import type * as SynthChunk from "./synth-chunk";

/**
 * Stacks per cdktf App: a whole large fleet in one App spends much of its time collecting garbage. On the
 * realistic 1,000-tenant benchmark fleet, 25 took 55 s of CPU and 815 MB against 91 s and 1.6 GB for 100.
 */
export const DEFAULT_CHUNK_SIZE = 25;

export interface SynthesizeOptions {
  /** Stacks per App. @default DEFAULT_CHUNK_SIZE */
  readonly chunkSize?: number;
  /** Worker threads for the chunks (from compiled code only). @default one per core, at most the number of chunks */
  readonly workers?: number;
  /** Only these stacks (fleet stack names, with the kits they depend on: see `selectStacks`). @default every stack */
  readonly stacks?: readonly string[];
  /** Reuse stacks synthesized before, and keep the ones synthesized now. @default no cache */
  readonly cache?: SynthCacheOptions;
  /** The build part of every cache key. @default buildFingerprint() of the running code */
  readonly fingerprint?: string;
}

export interface SynthesisReport {
  /** The stacks written (the selection as given, else every stack), in fleet order. */
  readonly stacks: string[];
  /** The written stacks that came from the cache, in fleet order. */
  readonly reused: readonly string[];
}

/**
 * Synthesizes every stack of `fleet` into `outdir`, replacing it only when synthesis succeeds. A fleet mistake found
 * while building the stacks is thrown as a {@link FleetError} with its line and column, like any other.
 */
export function synthesizeFleet(fleet: Fleet, outdir: string, options: SynthesizeOptions = {}): SynthesisReport {
  try {
    return synthesizeAll(fleet, outdir, options);
  } catch (err) {
    throw err instanceof FleetInputError ? fleetErrorOf(fleet, err) : err;
  }
}

/** A stack synthesized in this run: its directory in a chunk's output, manifest entry and declared kit slots. */
interface BuiltStack {
  readonly dir: string;
  readonly manifestEntry: unknown;
  readonly requiredSlots: readonly string[];
}

function synthesizeAll(fleet: Fleet, outdir: string, options: SynthesizeOptions): SynthesisReport {
  const all = stackInputsOf(fleet);
  const only = options.stacks && new Set(options.stacks);
  const selected = only ? withTheirKits(all, (name) => only.has(name)) : all;
  const cache = options.cache && new SynthCache(options.cache);
  const keys = new Map<string, string>();
  const hits = new Map<string, CacheHit>();
  if (cache) {
    const fingerprint = options.fingerprint ?? buildFingerprint({ digestOf: (file) => cache.stamps.digestOf(file) });
    // Stacks of one Sovereign share its (frozen) platform: serialized once.
    const memo = new WeakMap<object, string>();
    for (const input of selected) {
      const key = SynthCache.keyOf(fingerprint, input, memo);
      keys.set(stackNameOf(input), key);
      // The earlier output's copy of a stack is checked against the entry, and linked instead of written again.
      const hit = cache.get(key, join(outdir, "stacks", stackNameOf(input)));
      if (hit) hits.set(stackNameOf(input), hit);
    }
  }
  const missed = selected.filter((i) => !hits.has(stackNameOf(i)));
  // The SHA-256 of each stack file written, by stack and path: stamped once in place, for the next run's hits.
  const written = new Map<string, ReadonlyMap<string, string>>();
  replaceDirAtomically(outdir, (tmp) => {
    // With every stack in the cache, cdktf is not even loaded; an empty selection still gets cdktf's manifest.
    const built = missed.length > 0 || hits.size === 0 ? synthesizeMissed(all, missed, tmp, options) : undefined;
    const manifest: Record<string, unknown> = {};
    const requiredSlots = new Map<string, readonly string[]>();
    const versions = new Set<string>(built ? [built.version] : []);
    mkdirSync(join(tmp, "stacks"), { recursive: true });
    // Stacks the earlier output holds exactly as they are now: moved over at the end, one rename each.
    const unchanged: (readonly [from: string, to: string])[] = [];
    for (const input of selected) {
      const name = stackNameOf(input);
      const target = join(tmp, "stacks", name);
      const hit = hits.get(name);
      if (hit) {
        const earlier = join(outdir, "stacks", name);
        if (holdsExactly(earlier, hit.files)) unchanged.push([earlier, target]);
        else writeStackFiles(target, hit.files);
        written.set(name, new Map([...hit.files].map(([path, file]) => [path, file.sha256])));
        manifest[name] = hit.manifestEntry;
        requiredSlots.set(name, hit.requiredSlots);
        versions.add(hit.version);
        continue;
      }
      const stack = built!.stacks.get(name)!;
      const files = cache ? readStackFiles(stack.dir) : undefined;
      if (existsSync(stack.dir)) renameSync(stack.dir, target);
      manifest[name] = stack.manifestEntry;
      requiredSlots.set(name, stack.requiredSlots);
      if (cache) written.set(name, cache.put(keys.get(name)!, { manifestEntry: stack.manifestEntry, version: built!.version, requiredSlots: stack.requiredSlots, files: files! }));
    }
    for (const dir of built?.dirs ?? []) rmSync(dir, { recursive: true, force: true });
    // Checked on every run, from the cache too: a kit that lost a slot fails however its stacks were made.
    checkKitRequirements(fleet, requiredSlots);
    if (versions.size !== 1) throw new Error(`stacks of one run come from different cdktf versions (${[...versions].join(", ")})`);
    // Written as cdktf writes it (stable key order, two-space indent): the same bytes as a single App's manifest.
    writeFileSync(join(tmp, "manifest.json"), stringify({ stacks: manifest, version: [...versions][0] }, { space: 2 }) as string);
    moveAll(unchanged);
  });
  for (const [name, files] of written) for (const [path, sha256] of files) cache?.stamps.record(join(outdir, "stacks", name, path), sha256);
  cache?.finish();
  return { stacks: options.stacks ? [...options.stacks] : selected.map(stackNameOf), reused: selected.map(stackNameOf).filter((n) => hits.has(n)) };
}

/** Synthesizes `missed` in chunks (each App with the kits its mail stacks depend on), in worker threads when it pays. */
function synthesizeMissed(all: readonly StackInput[], missed: readonly StackInput[], tmp: string, options: SynthesizeOptions) {
  const chunkSize = options.chunkSize ?? Number(process.env.SOVEREIGN_MAIL_CHUNK_SIZE || DEFAULT_CHUNK_SIZE);
  const kits = new Map(all.filter((i) => i.kind === "kit").map((i) => [stackNameOf(i), i]));
  const chunks: StackInput[][] = [];
  for (let i = 0; i < missed.length; i += chunkSize) {
    const part = missed.slice(i, i + chunkSize);
    const names = new Set(part.map(stackNameOf));
    const needed = new Set(part.flatMap((p) => (p.kind !== "kit" && p.kitStack !== undefined && !names.has(p.kitStack) ? [p.kitStack] : [])));
    chunks.push([...[...needed].map((k) => kits.get(k)!), ...part]);
  }
  if (chunks.length === 0) chunks.push([]);
  const dirs = chunks.map((_, i) => join(tmp, `.chunk-${i}`));
  const workers = Math.min(options.workers ?? Number(process.env.SOVEREIGN_MAIL_SYNTH_WORKERS || cpus().length), chunks.length);
  if (workers > 1 && __filename.endsWith(".js")) synthesizeInWorkers(chunks, dirs, workers);
  else {
    const { synthesizeInputs } = loadSynthChunk();
    chunks.forEach((chunk, i) => synthesizeInputs(chunk, dirs[i]));
  }
  const stacks = new Map<string, BuiltStack>();
  let version = "";
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { version: string; stacks: Record<string, unknown> };
    const required = JSON.parse(readFileSync(join(dir, REQUIRED_SLOTS_FILE), "utf8")) as Record<string, string[]>;
    version = manifest.version;
    for (const [name, manifestEntry] of Object.entries(manifest.stacks)) {
      // A kit stack built by several chunks (for its mail stacks' dependency) is the same in each.
      if (!stacks.has(name)) stacks.set(name, { dir: join(dir, "stacks", name), manifestEntry, requiredSlots: required[name] ?? [] });
    }
  }
  return { stacks, version, dirs };
}

/** The cdktf side of synthesis, loaded on first need (it is most of the start-up time). */
const loadSynthChunk = (): typeof SynthChunk => require("./synth-chunk") as typeof SynthChunk;

/** Runs the chunks on worker threads (each its own V8 heap), taking them from a queue shared by `count` workers. */
function synthesizeInWorkers(chunks: StackInput[][], dirs: string[], count: number): void {
  const next = new Int32Array(new SharedArrayBuffer(4));
  const done = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < count; i++) {
    new Worker(join(__dirname, "synth-worker.js"), { workerData: { chunks, dirs, next, done }, env: synthesisEnv(process.env) }).unref();
  }
  // The caller is synchronous: block until every worker has finished.
  while (Atomics.load(done, 0) < count) Atomics.wait(done, 0, Atomics.load(done, 0), 100);
  const failed = dirs.map(chunkErrorFile).find((f) => existsSync(f));
  if (failed) {
    const { message, input } = JSON.parse(readFileSync(failed, "utf8")) as { message: string; input?: { path: PropertyKey[]; problem: string } };
    throw input ? new FleetInputError(input.path, input.problem) : new Error(message);
  }
}

/**
 * Whether the earlier output's `dir` holds exactly a hit's files, each found identical to the entry's: then the
 * directory itself can become the new output's (no file written, none deleted with the earlier output, which was
 * most of a warm run: a mkdir and a link per stack, then an unlink and an rmdir).
 */
function holdsExactly(dir: string, files: ReadonlyMap<string, CachedFile>): boolean {
  if (![...files].every(([path, file]) => "sameAs" in file && file.sameAs === join(dir, path))) return false;
  const present = listFiles(dir);
  return present.length === files.size && present.every((path) => files.has(path));
}

/**
 * Moves directories, the last step of building the new output, when nothing but a rename can fail any more; a
 * failed rename moves back the ones already moved, so the earlier output is left as it was.
 */
function moveAll(moves: readonly (readonly [from: string, to: string])[]): void {
  const done: (readonly [string, string])[] = [];
  try {
    for (const [from, to] of moves) {
      renameSync(from, to);
      done.push([from, to]);
    }
  } catch (err) {
    for (const [from, to] of done.reverse()) renameSync(to, from);
    throw err;
  }
}

/** The paths of the files below `dir`, relative to it ('/'-separated); none when it is absent. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else out.push(relative(dir, join(d, entry.name)).split(sep).join("/"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Every file below `dir`, by its path relative to it ('/'-separated). */
function readStackFiles(dir: string): Map<string, Buffer> {
  return new Map(listFiles(dir).map((path) => [path, readFileSync(join(dir, path))]));
}

/**
 * Writes a hit's files. One the earlier output holds unchanged is hard-linked: no bytes written now, and none
 * freed when the earlier output goes (which is what removing a large output costs). The earlier output is removed
 * right after the swap, so no two outputs keep sharing a file. The others are copied from the cache entry (a
 * copy-on-write clone where the filesystem has them), never linked: editing an output never touches the cache.
 */
function writeStackFiles(dir: string, files: ReadonlyMap<string, CachedFile>): void {
  if (files.size > 0) mkdirSync(dir, { recursive: true });
  for (const [path, source] of files) {
    const file = join(dir, path);
    if (path.includes("/")) mkdirSync(dirname(file), { recursive: true });
    if ("copyFrom" in source) copyFileSync(source.copyFrom, file, constants.COPYFILE_FICLONE);
    else {
      try {
        linkSync(source.sameAs, file);
      } catch {
        copyFileSync(source.sameAs, file);
      }
    }
  }
}
