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
