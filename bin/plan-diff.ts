/**
 * `npm run plan-diff -- --base <git-ref> [--head <git-ref>] [--fleet FILE] [--format markdown|text|json]`:
 * synthesizes both revisions (the base in a cached git worktree; the head is the working tree unless given) and
 * reports, per stack, what a reviewer needs to see, without credentials, state or a cluster.
 * `--base-dir DIR --head-dir DIR` compares two already synthesized outputs instead.
 * Exit codes, as every command of the project: 0 report written, 1 error, 2 usage. With `--detailed-exitcode` (as
 * `terraform plan -detailed-exitcode`): 0 no changes, 2 changes, 1 any error.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../project/root";
import { diffSynthOutputs } from "../plan-diff/diff";
import { renderJson, renderMarkdown, renderText } from "../plan-diff/render";
import { identicalStacks, readSynthOutput, synthStackNames } from "../plan-diff/synth-output";
import { synthesizeRevision } from "../plan-diff/worktree";
import { CACHE_DIR_ENV, defaultCacheDir } from "../app/cache-settings";
import { SynthCache } from "../app/synth-cache";
import { runCommand } from "../app/command";

const USAGE = "usage: npm run plan-diff -- --base <git-ref> [--head <git-ref>] [--fleet FILE] [--format markdown|text|json] [--detailed-exitcode] [--fail-on-data-loss]\n       npm run plan-diff -- --base-dir DIR --head-dir DIR [--format …] [--detailed-exitcode] [--fail-on-data-loss]";
/** Exit code of `--fail-on-data-loss` when the change would lose mailboxes (the report is written first). */
export const DATA_LOSS_EXIT = 3;
const RENDER = { markdown: renderMarkdown, text: renderText, json: renderJson } as const;

export function runPlanDiff(argv: readonly string[], out: (t: string) => void, err: (t: string) => void): number {
  // With --detailed-exitcode, 2 means "changes", so a usage error is 1 like any other error.
  const detailed = argv.includes("--detailed-exitcode");
  const usageError = (message: string) => (err(`error: ${message}\n${USAGE}\n`), detailed ? 1 : 2);
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        base: { type: "string" },
        head: { type: "string" },
        fleet: { type: "string", default: "examples/fleet.yaml" },
        format: { type: "string", default: "text" },
        "base-dir": { type: "string" },
        "head-dir": { type: "string" },
        "cache-dir": { type: "string" },
        "detailed-exitcode": { type: "boolean", default: false },
        "fail-on-data-loss": { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    return usageError((e as Error).message);
  }
  const render = RENDER[values.format as keyof typeof RENDER];
  if (!render) return usageError("--format must be markdown, text or json");
  const fromDirs = values["base-dir"] !== undefined || values["head-dir"] !== undefined;
  if (fromDirs ? values["base-dir"] === undefined || values["head-dir"] === undefined : values.base === undefined) {
    return usageError(fromDirs ? "--base-dir and --head-dir go together" : "--base names the revision to compare with");
  }
  const work = mkdtempSync(join(tmpdir(), "sovereign-mail-plan-diff-"));
  try {
    // The synthesis cache of this checkout: both revisions are synthesized with it, and its stamps compare them.
    const synthesisCache = process.env[CACHE_DIR_ENV] || defaultCacheDir();
    let baseDir = values["base-dir"];
    let headDir = values["head-dir"];
    if (!fromDirs) {
      const repo = projectRoot();
      const cache = values["cache-dir"] ?? join(repo, ".plan-diff-cache");
      // Base and head share one synthesis cache (this checkout's): a stack whose input and build agree is made once.
      const env = { ...process.env, [CACHE_DIR_ENV]: synthesisCache };
      baseDir = join(work, "base");
      synthesizeRevision(repo, values.base!, values.fleet!, baseDir, cache, env);
      headDir = join(work, "head");
      if (values.head !== undefined) synthesizeRevision(repo, values.head, values.fleet!, headDir, cache, env);
      else execFileSync(process.execPath, [join(repo, "dist", "main.js"), "--fleet", resolve(repo, values.fleet!), "--out", headDir], { cwd: repo, env, stdio: ["ignore", "ignore", "pipe"] });
    }
    // Stacks alike byte for byte (most of a large fleet's, after a small change) are not parsed; the synthesis
    // cache's stamps tell most of them apart without reading a file.
    const stamps = SynthCache.stampsOf(synthesisCache);
    const same = identicalStacks(baseDir!, headDir!, (path) => stamps.knownDigestOf(path));
    const others = (dir: string) => new Set(synthStackNames(dir).filter((n) => !same.has(n)));
    const diff = diffSynthOutputs(readSynthOutput(baseDir!, others(baseDir!)), readSynthOutput(headDir!, others(headDir!)), undefined, same);
    out(render(diff));
    // The report is written either way, so CI can still show it before it refuses the change.
    if (values["fail-on-data-loss"] && diff.losesData) return DATA_LOSS_EXIT;
    return detailed && diff.hasChanges ? 2 : 0;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? "";
    err(`error: ${(e as Error).message.split("\n")[0]}\n${stderr}`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runPlanDiff(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
