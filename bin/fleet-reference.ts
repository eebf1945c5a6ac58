/**
 * `npm run docs:fleet -- [--check] [--file FILE]`: regenerates the fleet reference in docs/FLEET.md (the part between
 * its generated markers) from the schema and the defaults. `--check` writes nothing and exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { emptyFlagProblem, runCommand } from "../app/command";
import { readErrorReason } from "../fleet/errors";
import { fleetReference, spliceGenerated } from "../fleet/reference";
import { projectRoot } from "../project/root";

const USAGE = `usage: npm run docs:fleet -- [--check] [--file FILE]
  --check      write nothing; exit 1 if the file is not current
  --file FILE  the document to update (default: docs/FLEET.md)
  -h, --help   this text

Exit codes: 0 written (--check: current), 1 failure (--check: stale), 2 usage error.`;

/** docs/FLEET.md of this project. */
export const FLEET_DOC = join(projectRoot(), "docs", "FLEET.md");

export function runFleetReference(argv: readonly string[], out: (t: string) => void, err: (t: string) => void): number {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { check: { type: "boolean" }, file: { type: "string" } } }));
  } catch (e) {
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const usage = emptyFlagProblem(values);
  if (usage) {
    err(`error: ${usage}\n${USAGE}\n`);
    return 2;
  }
  const file = values.file ?? FLEET_DOC;
  const shown = relative(process.cwd(), file) || file;
  let current: string;
  try {
    current = readFileSync(file, "utf8");
  } catch (e) {
    err(`error: ${shown}: ${readErrorReason(e)}\n`);
    return 1;
  }
  let next: string;
  try {
    next = spliceGenerated(current, fleetReference());
  } catch (e) {
    err(`error: ${shown}: ${(e as Error).message}\n`);
    return 1;
  }
  if (values.check) {
    if (next === current) {
      out(`${shown} is current\n`);
      return 0;
    }
    err(`${shown} is stale: run npm run docs:fleet\n`);
    return 1;
  }
  if (next !== current) writeFileSync(file, next);
  out(`${next === current ? "unchanged" : "wrote"} ${shown}\n`);
  return 0;
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runFleetReference(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
