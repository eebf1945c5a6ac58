import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * A revision of the project checked out once into a cached git worktree, with its dependencies installed (the
 * head's node_modules is reused when both lock files are identical) and compiled; then synthesized with a fleet
 * in `env` (which names the synthesis cache the head uses too).
 */
export function synthesizeRevision(repo: string, ref: string, fleet: string, outdir: string, cacheDir: string, env: NodeJS.ProcessEnv = process.env): void {
  let sha: string;
  try {
    sha = git(repo, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
  } catch {
    throw new Error(`"${ref}" is not a git revision of ${repo} (a branch, tag or commit; fetch it first if it is remote)`);
  }
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
  if (!existsSync(resolve(tree, fleet))) {
    // A fleet file the pull request adds: the base has no stacks of it, so every stack shows as added.
    mkdirSync(join(outdir, "stacks"), { recursive: true });
    writeFileSync(join(outdir, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: {} }));
    return;
  }
  execFileSync(process.execPath, [join(tree, "dist", "main.js"), "--fleet", resolve(tree, fleet), "--out", outdir], { cwd: tree, env, stdio: ["ignore", "ignore", "pipe"] });
}
