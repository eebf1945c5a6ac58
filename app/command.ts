/**
 * What every command does the same way: `--help`/`-h` prints its usage and exits 0, and a closed output pipe
 * (`… | head`) ends it quietly instead of crashing with EPIPE. Exit codes everywhere: 0 success, 1 invalid input or
 * a failed run, 2 a usage error.
 */
export function runCommand(usage: string, argv: readonly string[], main: (argv: readonly string[]) => number): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
  const end = argv.indexOf("--");
  const options = end < 0 ? argv : argv.slice(0, end);
  if (options.includes("--help") || options.includes("-h")) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exitCode = 0;
    return;
  }
  process.exitCode = main(argv);
}

/** The Terraform (or OpenTofu) binary printed and run by the commands: $TERRAFORM_BINARY_NAME, as cdktf-cli reads it. */
export const terraformBinaryOf = (env: Readonly<Record<string, string | undefined>>): string => env.TERRAFORM_BINARY_NAME || "terraform";

/** The usage problem of a flag given with an empty value (`--fleet=`), which would otherwise read as "no file". */
export function emptyFlagProblem(values: Readonly<Record<string, unknown>>): string | undefined {
  const empty = Object.entries(values).find(([, v]) => v === "");
  return empty && `--${empty[0]} needs a value`;
}

/** The usage problem of a command that takes one mail stack name. */
export const stackArgumentProblem = (positionals: readonly string[]): string | undefined =>
  positionals.length === 0 ? "name the mail stack (e.g. fsn1-mail or fsn1-tenant-acme)" : positionals.length > 1 ? `one stack at a time (got ${positionals.join(", ")})` : undefined;

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
export const shellQuote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);

/**
 * What the runbook commands (`credentials:reset`, `mail:restore`) end with: the commands as pasteable lines and
 * what to check afterwards, then, unless `dryRun`, each command run in turn (the first failure stops them, exit 1).
 */
export function printAndRun(
  commands: readonly (readonly string[])[],
  checks: readonly string[],
  io: { readonly out: (t: string) => void; readonly err: (t: string) => void; readonly run: (command: readonly string[]) => void },
  dryRun: boolean,
): number {
  for (const c of commands) io.out(`${c.map(shellQuote).join(" ")}\n`);
  io.out("# Afterwards, check:\n");
  for (const check of checks) io.out(`#  - ${check}\n`);
  if (dryRun) return 0;
  try {
    for (const c of commands) io.run(c);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
