import { App } from "cdktf";
import stringify from "json-stable-stringify";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { FleetInputError } from "../fleet/errors";
import { fleetErrorOf } from "../fleet/load";
import type { Fleet } from "../fleet/model";
import { addFleetStacks, fleetStackNames, type FleetStacks } from "../stacks/fleet-stacks";
import { replaceDirAtomically } from "./replace-dir";

/**
 * Stacks per cdktf App: a whole large fleet in one App spends much of its time collecting garbage. On the
 * realistic 1,000-tenant benchmark fleet, 25 took 55 s of CPU and 815 MB against 91 s and 1.6 GB for 100.
 */
export const DEFAULT_CHUNK_SIZE = 25;

/** Builds the cdktf app of a fleet (or of the selected stacks); `outdir` is only written by {@link App.synth}. */
export function buildApp(fleet: Fleet, outdir: string, include?: (stackName: string) => boolean): { app: App; stacks: FleetStacks } {
  const app = new App({ outdir, skipValidation: false });
  return { app, stacks: addFleetStacks(app, fleet, include) };
}

export interface SynthesizeOptions {
  /** Mail stacks per App. @default DEFAULT_CHUNK_SIZE */
  readonly chunkSize?: number;
  /** Worker threads for the chunks (from compiled code only). @default one per core, at most the number of chunks */
  readonly workers?: number;
  /** Only these stacks (fleet stack names, with the kits they depend on: see `selectStacks`). @default every stack */
  readonly stacks?: readonly string[];
}

/**
 * Synthesizes every stack of `fleet` into `outdir`, replacing it only when synthesis succeeds. A fleet mistake found
 * while building the stacks is thrown as a {@link FleetError} with its line and column, like any other.
 */
export function synthesizeFleet(fleet: Fleet, outdir: string, options: SynthesizeOptions = {}): string[] {
  try {
    return synthesizeAll(fleet, outdir, options);
  } catch (err) {
    throw err instanceof FleetInputError ? fleetErrorOf(fleet, err) : err;
  }
}

function synthesizeAll(fleet: Fleet, outdir: string, options: SynthesizeOptions): string[] {
  const names = options.stacks ? [...options.stacks] : fleetStackNames(fleet);
  const only = options.stacks ? new Set(options.stacks) : undefined;
  const chunkSize = options.chunkSize ?? Number(process.env.SOVEREIGN_MAIL_CHUNK_SIZE || DEFAULT_CHUNK_SIZE);
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += chunkSize) chunks.push(names.slice(i, i + chunkSize));
  replaceDirAtomically(outdir, (tmp) => {
    if (chunks.length <= 1) return synthesizeChunk(fleet, tmp, only);
    const dirs = chunks.map((_, i) => join(tmp, `.chunk-${i}`));
    const workers = Math.min(options.workers ?? Number(process.env.SOVEREIGN_MAIL_SYNTH_WORKERS || cpus().length), chunks.length);
    if (workers > 1 && __filename.endsWith(".js")) synthesizeInWorkers(fleet, chunks, dirs, workers);
    else chunks.forEach((chunk, i) => synthesizeChunk(fleet, dirs[i], new Set(chunk)));
    mergeOutputs(dirs, tmp);
  });
  return names;
}

/** One App: the selected stacks (all when `only` is undefined) into `dir`. */
export function synthesizeChunk(fleet: Fleet, dir: string, only?: ReadonlySet<string>): void {
  withoutTokenCreationStacks(() => buildApp(fleet, dir, only ? (n) => only.has(n) : undefined).app.synth());
}

/** Where a worker leaves the error of a chunk it could not synthesize. */
export const chunkErrorFile = (dir: string) => `${dir}.error`;

/** Runs the chunks on worker threads (each its own V8 heap), taking them from a queue shared by `count` workers. */
function synthesizeInWorkers(fleet: Fleet, chunks: string[][], dirs: string[], count: number): void {
  const next = new Int32Array(new SharedArrayBuffer(4));
  const done = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < count; i++) new Worker(join(__dirname, "synth-worker.js"), { workerData: { fleet, chunks, dirs, next, done } }).unref();
  // The caller is synchronous: block until every worker has finished.
  while (Atomics.load(done, 0) < count) Atomics.wait(done, 0, Atomics.load(done, 0), 100);
  const failed = dirs.map(chunkErrorFile).find((f) => existsSync(f));
  if (failed) {
    const { message, input } = JSON.parse(readFileSync(failed, "utf8")) as { message: string; input?: { path: PropertyKey[]; problem: string } };
    throw input ? new FleetInputError(input.path, input.problem) : new Error(message);
  }
}

/** Merges chunk outputs: stack directories moved once (a kit stack synthesized by several chunks is identical), one manifest. */
function mergeOutputs(dirs: readonly string[], target: string): void {
  const stacks: Record<string, unknown> = {};
  let version = "";
  mkdirSync(join(target, "stacks"), { recursive: true });
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    version = manifest.version;
    for (const [name, entry] of Object.entries(manifest.stacks as Record<string, unknown>)) {
      if (stacks[name] !== undefined) continue;
      stacks[name] = entry;
      if (existsSync(join(dir, "stacks", name))) renameSync(join(dir, "stacks", name), join(target, "stacks", name));
    }
    rmSync(dir, { recursive: true, force: true });
  }
  // Written as cdktf writes it (stable key order, two-space indent): the same bytes as a single App's manifest.
  writeFileSync(join(target, "manifest.json"), stringify({ stacks, version }, { space: 2 }) as string);
}

/**
 * cdktf captures and formats a full stack trace for every token it creates (used only to annotate token
 * resolution errors); that was a third to half of synthesis time for large fleets. Unless
 * SOVEREIGN_MAIL_TOKEN_TRACES=1 asks for them, stack capture is skipped while synthesizing. Error messages
 * are unaffected.
 */
export function withoutTokenCreationStacks<T>(run: () => T): T {
  if (process.env.SOVEREIGN_MAIL_TOKEN_TRACES === "1") return run();
  const [capture, prepare] = [Error.captureStackTrace, Error.prepareStackTrace];
  Error.captureStackTrace = () => undefined;
  Error.prepareStackTrace = () => "";
  try {
    return run();
  } finally {
    Error.captureStackTrace = capture;
    Error.prepareStackTrace = prepare;
  }
}
