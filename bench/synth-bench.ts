/**
 * `npm run bench`: wall time and peak RSS of synthesis for generated fleets, and the example fleet through
 * the project's app command versus the stock cdktf path (a ts-node app). Not a test: it reports, it never fails
 * on a number. Results go to stdout and bench/results/latest.md.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { generateFleetYaml } from "./generate-fleet";
import { inputReport, measureInputCases } from "./input-bench";

const ROOT = join(__dirname, "..", "..");
const MAIN = join(ROOT, "dist", "main.js");
const REPORTER = join(ROOT, "dist", "bench", "rss-reporter.js");
const EXAMPLE = join(ROOT, "examples", "fleet.yaml");
const work = mkdtempSync(join(tmpdir(), "sovereign-mail-bench-"));

interface Sample {
  readonly seconds: number;
  /** Peak RSS of the measured node process, when it could be measured. */
  readonly rssBytes?: number;
}

function measure(command: string, args: string[], env: Record<string, string> = {}): Sample {
  const rssFile = join(work, "rss");
  rmSync(rssFile, { force: true });
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", BENCH_RSS_FILE: rssFile, ...env },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  let rssBytes: number | undefined;
  try {
    rssBytes = Number(readFileSync(rssFile, "utf8"));
  } catch {
    rssBytes = undefined;
  }
  return { seconds, rssBytes };
}

function median(samples: Sample[]): Sample {
  const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
  const rss = samples.map((s) => s.rssBytes).filter((r): r is number => r !== undefined);
  return { seconds: sorted[Math.floor(sorted.length / 2)].seconds, rssBytes: rss.length ? Math.max(...rss) : undefined };
}

const runs = (n: number, f: () => Sample) => median(Array.from({ length: n }, f));
const appSynth = (fleet: string) => () => measure(process.execPath, ["--require", REPORTER, MAIN, "--fleet", fleet, "--out", join(work, "out")]);
const fmtS = (s: Sample) => `${s.seconds.toFixed(2)} s`;
const fmtMb = (s: Sample) => (s.rssBytes === undefined ? "n/a" : `${Math.round(s.rssBytes / 2 ** 20)} MB`);

const rows: string[] = [];
const sizes = [1, 10, 100, 1000];
const scaleRows: string[] = [];
for (const tenants of sizes) {
  const file = join(work, `fleet-${tenants}.yaml`);
  writeFileSync(file, generateFleetYaml(tenants));
  const sample = runs(tenants >= 1000 ? 2 : 3, appSynth(file));
  scaleRows.push(`| ${tenants} | ${tenants + 1} | ${fmtS(sample)} | ${fmtMb(sample)} |`);
  process.stderr.write(`fleet of ${tenants} tenants: ${fmtS(sample)}, ${fmtMb(sample)}\n`);
}

// Plan diff of two 1000-tenant fleets that differ in one tenant, beyond the two syntheses.
const diffBase = join(work, "diff-base");
const diffHead = join(work, "diff-head");
const thousand = generateFleetYaml(1000);
writeFileSync(join(work, "diff-base.yaml"), thousand);
writeFileSync(join(work, "diff-head.yaml"), thousand.replace("id: t0500", "id: t0500x"));
measure(process.execPath, [MAIN, "--fleet", join(work, "diff-base.yaml"), "--out", diffBase]);
measure(process.execPath, [MAIN, "--fleet", join(work, "diff-head.yaml"), "--out", diffHead]);
const planDiff = runs(3, () => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--require", REPORTER, join(ROOT, "dist", "bin", "plan-diff.js"), "--base-dir", diffBase, "--head-dir", diffHead, "--format", "markdown"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, BENCH_RSS_FILE: join(work, "rss") },
  });
  if (result.status !== 2) throw new Error(`plan-diff exited ${result.status}: ${result.stderr}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssBytes: Number(readFileSync(join(work, "rss"), "utf8")) };
});
process.stderr.write(`plan diff of two 1000-tenant fleets: ${fmtS(planDiff)}, ${fmtMb(planDiff)}\n`);

const direct = runs(5, appSynth(EXAMPLE));
const viaCli = runs(3, () => measure("npx", ["cdktf", "synth", "--output", join(work, "cli-out")], { FLEET: EXAMPLE }));
const stock = runs(3, () =>
  measure("npx", ["cdktf", "synth", "--app", "npx ts-node main.ts", "--output", join(work, "stock-out")], { FLEET: EXAMPLE }),
);

rows.push(
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}. Median of 3 runs (2 for 1000 tenants); RSS is the synthesizing node process's peak.`,
  "",
  "| tenants | stacks | wall time | peak RSS |",
  "|---:|---:|---:|---:|",
  ...scaleRows,
  "",
  "| example fleet (3 stacks) | wall time |",
  "|---|---:|",
  `| \`node dist/main.js\` (this project's app command) | ${fmtS(direct)} |`,
  `| \`cdktf synth\` running \`node dist/main.js\` | ${fmtS(viaCli)} |`,
  `| \`cdktf synth\` with a ts-node app (stock template) | ${fmtS(stock)} |`,
  "",
  "| plan diff | wall time | peak RSS |",
  "|---|---:|---:|",
  `| two 1000-tenant fleets differing in one tenant (beyond the two syntheses) | ${fmtS(planDiff)} | ${fmtMb(planDiff)} |`,
  "",
  ...inputReport(measureInputCases()),
);
const report = rows.join("\n") + "\n";
mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
writeFileSync(join(ROOT, "bench", "results", "latest.md"), report);
process.stdout.write(report);
rmSync(work, { recursive: true, force: true });
