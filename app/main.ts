/**
 * The cdktf app: `node dist/main.js [--fleet FILE] [--out DIR]` (cdktf.json runs it for `cdktf synth|diff|deploy`).
 * The fleet is validated before anything is written; the output directory is replaced only on success.
 */
import { runCli, USAGE } from "./cli";
import { runCommand } from "./command";

runCommand(USAGE, process.argv.slice(2), (argv) =>
  runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  }),
);
