/**
 * `npm run mail:restore -- <stack> [--from <snapshot>] [--dry-run] [--fleet FILE]`: restores a mail server from
 * its backups (the newest unless `--from` names a snapshot). Prints the exact commands, runs them unless
 * `--dry-run`, and lists what to check afterwards.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { emptyFlagProblem, printAndRun, runCommand, stackArgumentProblem } from "../app/command";
import { mailStackOrExitCode } from "../app/mail-stack-lookup";
import { restoreCommands, restorePlan } from "../constructs/backup/restore-plan";

const USAGE = "usage: npm run mail:restore -- <stack> [--from <snapshot>] [--dry-run] [--fleet FILE]";
const SNAPSHOT = /^(latest|[0-9a-f]{8,64})$/;


export function runMailRestore(
  argv: readonly string[],
  out: (t: string) => void,
  err: (t: string) => void,
  run: (command: readonly string[]) => void = (c) => execFileSync(c[0], c.slice(1), { stdio: "inherit" }),
  now: () => Date = () => new Date(),
): number {
  let args;
  try {
    args = parseArgs({ args: [...argv], allowPositionals: true, options: { from: { type: "string" }, "dry-run": { type: "boolean" }, fleet: { type: "string" } } });
  } catch (e) {
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const snapshot = args.values.from ?? "latest";
  const usage =
    emptyFlagProblem(args.values) ??
    stackArgumentProblem(args.positionals) ??
    (SNAPSHOT.test(snapshot) ? undefined : `--from must be "latest" or a snapshot id (hex, as restic snapshots prints it), not "${snapshot}"`);
  const stack = mailStackOrExitCode({ problem: usage, text: USAGE }, args.positionals[0], args.values.fleet, err);
  if (typeof stack === "number") return stack;
  const backup = stack.mail.backup;
  if (!backup) {
    err(`error: stack ${stack.stackName} has no backups: its Sovereign sets no backup repository (sovereigns[].backup)\n`);
    return 1;
  }
  const plan = restorePlan(backup, stack.mail.namespace, stack.mail.server.name, stack.stackName, snapshot);
  const commands = restoreCommands(plan, stack.platform.cluster.context, now().toISOString());
  out(`# Restore ${stack.stackName} from snapshot ${snapshot} of ${plan.repository} (host ${plan.host}).\n`);
  out("# The server restarts; before Stalwart starts, its backup init container restores the snapshot beside the data\n");
  out("# and, once that succeeded, moves the current data aside (.pre-restore-<time> on the same volume).\n");
  out(`# Snapshots: env RESTIC_REPOSITORY=${plan.repository} restic snapshots --host ${plan.host}\n`);
  const checks = [
    `the backup container's log says "restored snapshot" (the last command prints it)`,
    "/healthz/ready answers 200 and the apply Job's next run succeeds (npx cdktf deploy the stack)",
    "a user logs in and sees the mail of the snapshot's time; the data it replaced is in .pre-restore-<time>",
    `after verifying, delete .pre-restore-<time> from the volume (kubectl exec ${plan.pod} -c stalwart -- ls -a /var/lib/stalwart), or it fills the volume`,
  ];
  return printAndRun(commands, checks, { out, err, run }, args.values["dry-run"] === true);
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runMailRestore(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
