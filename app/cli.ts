import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { FleetError } from "../fleet/errors";
import { loadFleetFile } from "../fleet/load";
import { cacheSettingsOf, CACHE_DIR_ENV, CACHE_MAX_MB_ENV, DEFAULT_CACHE_MAX_MB, NO_CACHE_ENV } from "./cache-settings";
import { emptyFlagProblem } from "./command";
import { outputProblem } from "./output-guard";
import { removalProblems } from "./removal-guard";
import { selectStacks, stackPatternsOf, STACKS_ENV } from "./stack-selection";
import { projectRoot } from "../project/root";
import { synthesizeFleet } from "./synthesize";

export const USAGE = `usage: node dist/main.js [--fleet FILE] [--out DIR] [--stacks NAMES] [--cache-dir DIR | --no-cache]
  --fleet FILE     fleet file (default: $FLEET, else examples/fleet.yaml); a single positional FILE works too
  --out DIR        output directory (default: $CDKTF_OUTDIR, else cdktf.out): new, empty, or an earlier output
  --stacks NAMES   only these stacks (comma-separated names or globs, e.g. fsn1-tenant-acme or 'fsn1-*'), with the
                   kit stacks they depend on (default: $${STACKS_ENV}, else every stack)
  --cache-dir DIR  synthesized stacks kept for reuse (default: $${CACHE_DIR_ENV}, else .cache/sovereign-mail in the
                   project; at most $${CACHE_MAX_MB_ENV} MB, default ${DEFAULT_CACHE_MAX_MB})
  --no-cache       synthesize every stack, read and write no cache (also: $${NO_CACHE_ENV}=1)`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The example fleet shipped with the project, shown relative to the working directory. */
export const defaultFleetFile = () => relative(process.cwd(), join(projectRoot(), "examples", "fleet.yaml"));

/** The fleet file when the command line names none: $FLEET (an empty variable counts as unset), else the example. */
export const fleetFileOf = (env: CliIo["env"]): string => env.FLEET || defaultFleetFile();

/** The output directory when the command line names none: $CDKTF_OUTDIR, else `cdktf.out`. */
export const outDirOf = (env: CliIo["env"]): string => env.CDKTF_OUTDIR || "cdktf.out";

/** A synthesized stack's Terraform directory in an output directory (cdktf's layout). */
export const stackDirOf = (outDir: string, stack: string): string => join(outDir, "stacks", stack);

/**
 * Validates the fleet and synthesizes it. Exit codes: 0 success, 1 invalid fleet or failed synthesis,
 * 2 usage error. On any failure nothing is written and the previous output directory is untouched.
 */
export function runCli(argv: readonly string[], io: CliIo): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        fleet: { type: "string" },
        out: { type: "string" },
        stacks: { type: "string" },
        "cache-dir": { type: "string" },
        "no-cache": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length > 1 || (args.positionals.length === 1 && args.values.fleet !== undefined)) {
    io.stderr(`error: give the fleet file once (--fleet FILE or one positional FILE)\n${USAGE}\n`);
    return 2;
  }
  const empty = emptyFlagProblem(args.values);
  if (empty) {
    io.stderr(`error: ${empty}\n${USAGE}\n`);
    return 2;
  }
  if (args.values["no-cache"] && args.values["cache-dir"] !== undefined) {
    io.stderr(`error: --no-cache and --cache-dir exclude each other\n${USAGE}\n`);
    return 2;
  }
  const cache = cacheSettingsOf(args.values, io.env);
  if (cache && "problem" in cache) {
    io.stderr(`error: ${cache.problem}\n${USAGE}\n`);
    return 2;
  }
  const fleetFile = args.values.fleet ?? args.positionals[0] ?? fleetFileOf(io.env);
  const outdir = args.values.out ?? outDirOf(io.env);
  // The output directory is replaced whole: only ever one an earlier synthesis wrote.
  const problem = outputProblem(outdir);
  if (problem) {
    io.stderr(`error: --out ${outdir}: ${problem}; synthesis replaces its output directory whole, so it only writes to a new or empty directory or an earlier output\n${USAGE}\n`);
    return 2;
  }
  try {
    const fleet = loadFleetFile(fleetFile);
    // Mailboxes never go by accident: a mail stack leaves the fleet only after its offboarding.
    const removals = removalProblems(fleet, outdir);
    if (removals.length > 0) {
      io.stderr(
        `${fleetFile}: refusing to drop mail stacks of the earlier output in ${outdir} (left unchanged):\n${removals.map((r) => `  ${r}\n`).join("")}` +
          `(synthesizing another fleet rather than changing this one? give it its own --out)\n`,
      );
      return 1;
    }
    const patterns = stackPatternsOf(args.values.stacks, io.env);
    const selection = patterns && selectStacks(fleet, patterns);
    if (selection && "problem" in selection) {
      io.stderr(`error: ${selection.problem}\n${USAGE}\n`);
      return 2;
    }
    const { stacks, reused } = synthesizeFleet(fleet, outdir, { stacks: selection?.stacks, cache });
    io.stdout(`synthesized ${stacks.length} stacks from ${fleetFile} into ${outdir}: ${stacks.join(", ")}\n`);
    if (cache) io.stdout(`cache: ${reused.length} of ${stacks.length} stacks reused from ${shownPath(cache.dir)}\n`);
    for (const s of fleet.sovereigns.filter((x) => !x.platform.backup)) {
      io.stdout(`warning: ${fleetFile}: ${s.fleetPath}.backup is not set: the ${s.tenants.length + 1} mail servers of ${s.name} are not backed up\n`);
    }
    for (const s of fleet.sovereigns.filter((x) => !x.platform.monitoring)) {
      io.stdout(`warning: ${fleetFile}: ${s.fleetPath}.monitoring is not set: nothing alerts on the ${s.tenants.length + 1} mail servers of ${s.name}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr(err instanceof FleetError ? `${err.message}\n` : `synthesis failed, ${outdir} left unchanged: ${(err as Error).message}\n`);
    return 1;
  }
}

/** A path as typed relative to the working directory when it lies below it, else absolute. */
const shownPath = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
};
