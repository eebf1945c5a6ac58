import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Builds a directory's new content beside it and swaps it in only when `build` succeeds, so a failed run
 * leaves the previous directory exactly as it was.
 */
export function replaceDirAtomically(target: string, build: (tmpDir: string) => void): void {
  const absolute = resolve(target);
  const parent = dirname(absolute);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(absolute)}-`));
  chmodSync(tmp, 0o755); // mkdtemp creates 0700; the output is an ordinary directory
  try {
    build(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
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
