/**
 * The cdktf app: `node dist/main.js [--fleet FILE] [--out DIR]` (cdktf.json runs it for `cdktf synth|diff|deploy`).
 * The fleet is validated before anything is written; the output directory is replaced only on success.
 */
import { resolve, relative } from "node:path";
import { parseArgs } from "node:util";
import { synthesizeFleet } from "./app/synthesize";
import { FleetError } from "./fleet/errors";
import { loadFleetFile } from "./fleet/load";

const USAGE = `usage: node dist/main.js [--fleet FILE] [--out DIR]
  --fleet FILE  fleet file (default: $FLEET, else examples/fleet.yaml); a single positional FILE works too
  --out DIR     output directory (default: $CDKTF_OUTDIR, else cdktf.out)`;

const EXAMPLE_FLEET = relative(process.cwd(), resolve(__dirname, "..", "examples", "fleet.yaml"));

function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { fleet: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length > 1 || (args.positionals.length === 1 && args.values.fleet)) {
    process.stderr.write(`error: give the fleet file once (--fleet FILE or one positional FILE)\n${USAGE}\n`);
    return 2;
  }
  const fleetFile = args.values.fleet ?? args.positionals[0] ?? process.env.FLEET ?? EXAMPLE_FLEET;
  const outdir = args.values.out ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  try {
    const stacks = synthesizeFleet(loadFleetFile(fleetFile), outdir);
    process.stdout.write(`synthesized ${stacks.length} stacks from ${fleetFile} into ${outdir}: ${stacks.join(", ")}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(err instanceof FleetError ? `${err.message}\n` : `synthesis failed, ${outdir} left unchanged: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
