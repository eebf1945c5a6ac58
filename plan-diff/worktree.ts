import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * A revision of the project checked out once into a cached git worktree, with its dependencies installed (the
 * head's node_modules is reused when both lock files are identical) and compiled; then synthesized with a fleet.
 */
export function synthesizeRevision(repo: string, ref: string, fleet: string, outdir: string, cacheDir: string): void {
  const sha = git(repo, "rev-parse", "--verify", `${ref}^{commit}`);
  const tree = join(cacheDir, sha);
  if (!existsSync(join(tree, "package.json"))) {
    mkdirSync(cacheDir, { recursive: true });
    git(repo, "worktree", "add", "--force", "--detach", tree, sha);
  }
  if (!existsSync(join(tree, "node_modules"))) {
    const same = readFileSync(join(repo, "package-lock.json"), "utf8") === readFileSync(join(tree, "package-lock.json"), "utf8");
    if (same && existsSync(join(repo, "node_modules"))) symlinkSync(join(repo, "node_modules"), join(tree, "node_modules"), "dir");
    else execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tree, stdio: ["ignore", "ignore", "pipe"] });
  }
  if (!existsSync(join(tree, "dist", "main.js"))) execFileSync(process.execPath, [join(tree, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: tree, stdio: ["ignore", "ignore", "pipe"] });
  execFileSync(process.execPath, [join(tree, "dist", "main.js"), "--fleet", resolve(tree, fleet), "--out", outdir], { cwd: tree, stdio: ["ignore", "ignore", "pipe"] });
}
