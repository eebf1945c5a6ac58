import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { removeLeftovers } from "./output-guard";

/**
 * Builds a directory's new content beside it and swaps it in only when `build` succeeds, so a failed run
 * leaves the previous directory exactly as it was.
 */
export function replaceDirAtomically(target: string, build: (tmpDir: string) => void): void {
  const absolute = resolve(target);
  const parent = dirname(absolute);
  mkdirSync(parent, { recursive: true });
  // An interrupted earlier run (Ctrl-C, a killed CI job) left its temporary directory: remove it.
  removeLeftovers(absolute);
  const tmp = mkdtempSync(join(parent, `.${basename(absolute)}-`));
  chmodSync(tmp, 0o755); // mkdtemp creates 0700; the output is an ordinary directory
  const cleanUp = () => rmSync(tmp, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    build(tmp);
  } catch (err) {
    cleanUp();
    throw err;
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
  if (existsSync(absolute)) {
    const old = `${tmp}.old`;
    renameSync(absolute, old);
    renameSync(tmp, absolute);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, absolute);
  }
}
