/**
 * `npm run rollout -- [--fleet FILE] [--out FILE] [--batch-size N] [--max-parallel N] [--check]`: writes the GitHub
 * Actions workflow that plans and applies every stack of the fleet in dependency order (docs/ROLLOUT.md). With
 * --check it writes nothing and fails when the file differs from what it would write (a stale workflow misses
 * stacks). Exit codes: 0 written or up to date, 1 stale, an invalid fleet or a workflow over GitHub's limits, 2 usage.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { fleetFileOf } from "../app/cli";
import { emptyFlagProblem, runCommand } from "../app/command";
import { FleetError } from "../fleet/errors";
import { loadFleetFile } from "../fleet/load";
import { projectRoot } from "../project/root";
import { ROLLOUT_WORKFLOW_FILE, rolloutWorkflowYaml } from "../rollout/github-workflow";
import { rolloutGraphOf } from "../rollout/graph";
import { DEFAULT_ROLLOUT_OPTIONS, RolloutGraphError, rolloutPlan } from "../rollout/jobs";
import { workflowLimitProblems } from "../rollout/workflow-limits";

const USAGE = `usage: npm run rollout -- [--fleet FILE] [--out FILE] [--batch-size N] [--max-parallel N] [--check]
  --fleet FILE        fleet file inside the repository (default: $FLEET, else examples/fleet.yaml)
  --out FILE          the workflow (default: ${ROLLOUT_WORKFLOW_FILE} in the repository)
  --batch-size N      tenant stacks per runner job (default ${DEFAULT_ROLLOUT_OPTIONS.batchSize}; raised when the matrices would exceed 256 jobs)
  --max-parallel N    runner jobs of one tenant matrix at a time (default ${DEFAULT_ROLLOUT_OPTIONS.maxParallel})
  --check             write nothing; exit 1 when FILE is not what this command would write`;

export interface RolloutIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const positiveInteger = (text: string | undefined, fallback: number): number | undefined => (text === undefined ? fallback : /^[1-9][0-9]*$/.test(text) ? Number(text) : undefined);

export function runRollout(argv: readonly string[], io: RolloutIo): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { fleet: { type: "string" }, out: { type: "string" }, "batch-size": { type: "string" }, "max-parallel": { type: "string" }, check: { type: "boolean", default: false } },
      strict: true,
    });
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const usage = (problem: string) => {
    io.stderr(`error: ${problem}\n${USAGE}\n`);
    return 2;
  };
  const empty = emptyFlagProblem(args.values);
  if (empty) return usage(empty);
  const batchSize = positiveInteger(args.values["batch-size"], DEFAULT_ROLLOUT_OPTIONS.batchSize);
  const maxParallel = positiveInteger(args.values["max-parallel"], DEFAULT_ROLLOUT_OPTIONS.maxParallel);
  if (batchSize === undefined || maxParallel === undefined) return usage("--batch-size and --max-parallel take a positive integer");
  const root = projectRoot();
  const fleetFile = args.values.fleet ?? fleetFileOf(io.env);
  const out = args.values.out ?? join(root, ROLLOUT_WORKFLOW_FILE);
  // The workflow runs at the repository root, so it names both files by their paths there.
  const inRepo = (file: string) => {
    const path = relative(root, resolve(file));
    return path.startsWith("..") || isAbsolute(path) ? undefined : path.split(sep).join("/");
  };
  const fleetPath = inRepo(fleetFile);
  const workflowPath = inRepo(out);
  if (fleetPath === undefined || workflowPath === undefined) return usage(`--fleet and --out must lie inside the repository (${root}): the workflow reads the fleet and checks itself there`);
  let text: string;
  try {
    const fleet = loadFleetFile(fleetFile);
    const options = { batchSize, maxParallel };
    const plan = rolloutPlan(rolloutGraphOf(fleet), options);
    if (plan.batchSize !== batchSize) io.stderr(`note: batch size raised from ${batchSize} to ${plan.batchSize} to keep the tenant matrices within GitHub's 256 jobs per run\n`);
    text = rolloutWorkflowYaml(plan, { fleetFile: fleetPath, workflowFile: workflowPath, options });
    const problems = workflowLimitProblems(parse(text), text);
    if (problems.length > 0) {
      io.stderr(`${fleetFile}: the workflow would break GitHub's limits, nothing written:\n${problems.map((p) => `  ${p}\n`).join("")}`);
      return 1;
    }
    for (const s of fleet.sovereigns.filter((x) => x.platform.state.backend === "local")) {
      io.stderr(`warning: ${fleetFile}: ${s.fleetPath}.state is local, so the stacks of ${s.name} are only planned (a runner's state file is gone when its job ends)\n`);
    }
  } catch (err) {
    if (!(err instanceof FleetError || err instanceof RolloutGraphError)) throw err;
    io.stderr(`${err.message}\n`);
    return 1;
  }
  if (args.values.check) {
    if (existsSync(out) && readFileSync(out, "utf8") === text) {
      io.stdout(`${relative(process.cwd(), out)} is up to date with ${fleetFile}\n`);
      return 0;
    }
    io.stderr(`${relative(process.cwd(), out)} is ${existsSync(out) ? "stale" : "missing"}: run \`npm run rollout -- --fleet ${fleetFile}${args.values.out ? ` --out ${out}` : ""}\` and commit it\n`);
    return 1;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  io.stdout(`wrote ${relative(process.cwd(), out)} from ${fleetFile}\n`);
  return 0;
}

if (require.main === module) {
  runCommand(USAGE, process.argv.slice(2), (argv) => runRollout(argv, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env }));
}
