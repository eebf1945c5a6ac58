/**
 * `npm run bench`: wall time, CPU time and peak RSS of synthesis (`node dist/main.js`: validation plus synthesis to
 * disk) for the realistic generated fleet (bench/generate-fleet.ts), the example fleet and plain generated fleets,
 * each beside the stock cdktf path (`cdktf synth` with a ts-node app) measured in the same run, then the plan diff
 * and the malformed inputs. Not a test: it reports, it never fails on a number. Results go to stdout and, for a full
 * run, bench/results/latest.md. `npm run bench -- realistic example` runs only those sections (see SECTIONS).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { buildDependencyBundle } from "./dependency-floor";
import { generateFleetYaml, type FleetKind } from "./generate-fleet";
import { inputReport, measureInputCases } from "./input-bench";

const ROOT = join(__dirname, "..", "..");
const MAIN = join(ROOT, "dist", "main.js");
const REPORTER = join(ROOT, "dist", "bench", "rss-reporter.js");
const EXAMPLE = join(ROOT, "examples", "fleet.yaml");
const work = mkdtempSync(join(tmpdir(), "sovereign-mail-bench-"));

interface Sample {
  readonly seconds: number;
  /** User plus system CPU time of the measured node process (all its threads), when it could be measured. */
  readonly cpuSeconds?: number;
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
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", BENCH_RSS_FILE: rssFile, ...env },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  try {
    const [rss, user, system] = readFileSync(rssFile, "utf8").split(" ").map(Number);
    return { seconds, rssBytes: rss, cpuSeconds: user + system };
  } catch {
    return { seconds };
  }
}

/** The median run by wall time (the faster of two); the largest peak RSS of all runs. */
function median(samples: Sample[]): Sample {
  const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
  const rss = samples.map((s) => s.rssBytes).filter((r): r is number => r !== undefined);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], rssBytes: rss.length ? Math.max(...rss) : undefined };
}

const runs = (n: number, f: () => Sample) => median(Array.from({ length: n }, f));
const fresh = (name: string) => (rmSync(join(work, name), { recursive: true, force: true }), join(work, name));
/** The app command into a fresh output directory; cold (`--no-cache`) unless `extra` names a cache. */
const appSynth = (fleet: string, extra: string[] = []) => () =>
  measure(process.execPath, ["--require", REPORTER, MAIN, "--fleet", fleet, "--out", fresh("out"), ...(extra.includes("--cache-dir") ? [] : ["--no-cache"]), ...extra]);
/** The stock path: cdktf-cli running the same app from TypeScript sources with ts-node, as `cdktf init` sets it up. */
const stockSynth = (fleet: string) => () => measure("npx", ["cdktf", "synth", "--app", "npx ts-node main.ts", "--output", fresh("stock-out")], { FLEET: fleet, SOVEREIGN_MAIL_NO_CACHE: "1" });
const fleetFile = (tenants: number, kind: FleetKind) => {
  const file = join(work, `${kind}-${tenants}.yaml`);
  writeFileSync(file, generateFleetYaml(tenants, kind));
  return file;
};

const fmtS = (s: Sample) => `${s.seconds.toFixed(2)} s`;
const fmtCpu = (s: Sample) => (s.cpuSeconds === undefined ? "n/a" : `${s.cpuSeconds.toFixed(2)} s`);
const fmtMb = (s: Sample) => (s.rssBytes === undefined ? "n/a" : `${Math.round(s.rssBytes / 2 ** 20)} MB`);
const row = (name: string, s: Sample, ...rest: string[]) => `| ${name} | ${fmtS(s)} | ${fmtCpu(s)} | ${fmtMb(s)} |${rest.map((r) => ` ${r} |`).join("")}`;
const log = (name: string, s: Sample) => process.stderr.write(`${name}: ${fmtS(s)} wall, ${fmtCpu(s)} CPU, ${fmtMb(s)}\n`);

/** The realistic fleet: cold whole fleets (linear in tenants?), one selected stack, and the stock path at 10 tenants. */
function realistic(): string[] {
  const sizes = [10, 100, 1000];
  const files = new Map(sizes.map((n) => [n, fleetFile(n, "realistic")]));
  const rows: string[] = [];
  for (const tenants of sizes) {
    const s = runs(tenants >= 1000 ? 2 : 3, appSynth(files.get(tenants)!));
    log(`realistic ${tenants} tenants`, s);
    const perHundred = s.cpuSeconds === undefined ? "n/a" : `${((100 * s.cpuSeconds) / tenants).toFixed(2)} s`;
    rows.push(row(`${tenants} tenants, whole fleet, cold (${tenants + 2} stacks)`, s, perHundred, tenants === 1000 ? "≤ 12 s, ≤ 1 GB" : ""));
  }
  const one = runs(3, appSynth(files.get(1000)!, ["--stacks", "bench-tenant-t0500"]));
  log("realistic 1000 tenants, one stack", one);
  rows.push(row("1000 tenants, one selected stack (`--stacks bench-tenant-t0500`, with its kit stack)", one, "", "≤ 1.5 s"));
  const stock = runs(2, stockSynth(files.get(10)!));
  log("realistic 10 tenants, stock path", stock);
  rows.push(row("10 tenants, whole fleet, stock path (`cdktf synth`, ts-node app)", stock, "", ""));
  return [
    "Realistic fleet (`generateFleetYaml(n, \"realistic\")`: one Sovereign publishing by RFC 2136, Terraform-managed PTRs,",
    "DKIM rotation, the example's kit; tenants alternate published domains, 87 resources, and BYO domains, 65).",
    "",
    "| case | wall time | CPU time | peak RSS | CPU per 100 tenants | target (2 cores) |",
    "|---|---:|---:|---:|---:|---|",
    ...rows,
    ...cacheCases(files.get(1000)!),
  ];
}

/**
 * Warm cache and one tenant changed, once the app command has a synthesis cache (`--cache-dir DIR`, `--no-cache`):
 * the rows appear as soon as `--help` lists the flag.
 */
function cacheCases(fleet: string): string[] {
  const help = spawnSync(process.execPath, [MAIN, "--help"], { cwd: ROOT, encoding: "utf8" }).stdout;
  if (!help.includes("--cache-dir")) return [];
  const cache = fresh("cache");
  // One tenant's capacity changes: only its stack differs. Three tenants, one change each, for a median.
  const changes = ["t0500", "t0501", "t0502"].map((id) => {
    const file = join(work, `realistic-1000-changed-${id}.yaml`);
    writeFileSync(file, readFileSync(fleet, "utf8").replace(new RegExp(`^( *)- id: ${id}\n`, "m"), (line, indent: string) => `${line}${indent}  capacity: {cpu: "2", memory: 4Gi, storage: 80Gi}\n`));
    return file;
  });
  const changed = changes[0];
  // The everyday workflow: the same output directory synthesized again, as `npm run synth` does into cdktf.out.
  const out = fresh("cache-out");
  const inPlace = (f: string) => () => measure(process.execPath, ["--require", REPORTER, MAIN, "--fleet", f, "--out", out, "--cache-dir", cache]);
  const cold = inPlace(fleet)();
  const warm = runs(2, inPlace(fleet));
  // Each change from the unchanged fleet's output (back to it between changes: cache hits, not measured).
  const oneChange = median(changes.map((file) => (inPlace(fleet)(), inPlace(file)())));
  // A plan diff of the change: both revisions synthesized (warm, into directories of their own), then compared.
  const [base, head] = [fresh("cache-base"), fresh("cache-head")];
  const baseSynth = measure(process.execPath, ["--require", REPORTER, MAIN, "--fleet", fleet, "--out", base, "--cache-dir", cache]);
  const headSynth = measure(process.execPath, ["--require", REPORTER, MAIN, "--fleet", changed, "--out", head, "--cache-dir", cache]);
  const compare = planDiffOf(base, head, cache);
  const total = { seconds: baseSynth.seconds + headSynth.seconds + compare.seconds, cpuSeconds: (baseSynth.cpuSeconds ?? NaN) + (headSynth.cpuSeconds ?? NaN) + (compare.cpuSeconds ?? NaN), rssBytes: Math.max(baseSynth.rssBytes ?? 0, headSynth.rssBytes ?? 0, compare.rssBytes ?? 0) };
  [cold, warm, oneChange, total].forEach((s, i) => log(["cache cold", "cache warm", "one tenant changed", "plan diff of it, in all"][i], s));
  return [
    row("1000 tenants, empty cache (`--cache-dir`)", cold, "", ""),
    row("1000 tenants, warm cache, nothing changed (same `--out`)", warm, "", ""),
    row("1000 tenants, warm cache, one tenant changed (same `--out`; median of three tenants, each changed once)", oneChange, "", "≤ 2 s"),
    row(`plan diff of that change: two warm syntheses into new directories (${fmtS(baseSynth)}, ${fmtS(headSynth)}) and the comparison (${fmtS(compare)})`, total, "", "≤ 5 s"),
  ];
}

/**
 * `plan-diff --base-dir --head-dir` (the comparison alone), which exits 2 when the stacks differ; with the synthesis
 * cache the outputs came from, as `npm run plan-diff -- --base` runs it (its stamps spare reading unchanged files).
 */
function planDiffOf(base: string, head: string, cache?: string): Sample {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--require", REPORTER, join(ROOT, "dist", "bin", "plan-diff.js"), "--base-dir", base, "--head-dir", head, "--format", "markdown", "--detailed-exitcode"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, BENCH_RSS_FILE: join(work, "rss"), ...(cache ? { SOVEREIGN_MAIL_CACHE_DIR: cache } : {}) },
  });
  // --detailed-exitcode: 2 when the stacks differ, as they must here.
  if (result.status !== 2) throw new Error(`plan-diff exited ${result.status}: ${result.stderr}`);
  const [rss, user, system] = readFileSync(join(work, "rss"), "utf8").split(" ").map(Number);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssBytes: rss, cpuSeconds: user + system };
}

/**
 * The example fleet through the app command, through `cdktf synth`, and through the stock path; below it, the floor
 * of any cold run: node starting, and node loading the app bundle's third-party modules and nothing else.
 */
function example(): string[] {
  const direct = runs(5, appSynth(EXAMPLE));
  log("example fleet", direct);
  const nodeAlone = runs(5, () => measure(process.execPath, ["--require", REPORTER, "-e", "0"]));
  log("node alone", nodeAlone);
  const dependencies = buildDependencyBundle(ROOT, work);
  const loading = runs(5, () => measure(process.execPath, ["--require", REPORTER, dependencies.file]));
  log("third-party modules alone", loading);
  const viaCli = runs(3, () => measure("npx", ["cdktf", "synth", "--output", fresh("cli-out")], { FLEET: EXAMPLE, SOVEREIGN_MAIL_NO_CACHE: "1" }));
  const stock = runs(3, stockSynth(EXAMPLE));
  return [
    "| example fleet (4 stacks), cold | wall time | CPU time | peak RSS | target (2 cores) |",
    "|---|---:|---:|---:|---|",
    row("`node dist/main.js` (this project's app command)", direct, "≤ 0.7 s"),
    row("`cdktf synth` running `node dist/main.js`", viaCli, ""),
    row("`cdktf synth` with a ts-node app (stock path)", stock, ""),
    row("floor: `node -e 0` (node starting, no code)", nodeAlone, ""),
    row(
      `floor: node loading the app bundle's ${dependencies.modules} third-party modules and nothing else (${(dependencies.bytes / 2 ** 20).toFixed(1)} MB bundled as \`npm run bundle\` does; ${dependencies.packages.length} packages)`,
      loading,
      "",
    ),
  ];
}

/** Plain generated fleets (nothing published: every tenant stack of the BYO kind). */
function scale(): string[] {
  const rows = [1, 10, 100, 1000].map((tenants) => {
    const s = runs(tenants >= 1000 ? 2 : 3, appSynth(fleetFile(tenants, "plain")));
    log(`plain ${tenants} tenants`, s);
    return row(`${tenants}`, s, `${tenants + 1}`);
  });
  return ["| plain fleet, tenants | wall time | CPU time | peak RSS | stacks |", "|---:|---:|---:|---:|---:|", ...rows];
}

/** Plan diff of two 1000-tenant fleets that differ in one tenant, beyond the two syntheses. */
function planDiff(): string[] {
  const thousand = generateFleetYaml(1000);
  const [base, head] = [fresh("diff-base"), fresh("diff-head")];
  writeFileSync(join(work, "diff-base.yaml"), thousand);
  writeFileSync(join(work, "diff-head.yaml"), thousand.replace("id: t0500", "id: t0500x"));
  measure(process.execPath, [MAIN, "--fleet", join(work, "diff-base.yaml"), "--out", base, "--no-cache"]);
  measure(process.execPath, [MAIN, "--fleet", join(work, "diff-head.yaml"), "--out", head, "--no-cache"]);
  const s = runs(3, () => planDiffOf(base, head));
  log("plan diff", s);
  return ["| plan diff | wall time | CPU time | peak RSS |", "|---|---:|---:|---:|", row("two plain 1000-tenant fleets differing in one tenant (beyond the two syntheses)", s)];
}

const SECTIONS: Record<string, () => string[]> = { realistic, example, scale, "plan-diff": planDiff, input: () => inputReport(measureInputCases()) };
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in SECTIONS));
if (unknown.length > 0) {
  process.stderr.write(`unknown section ${unknown.join(", ")}; sections: ${Object.keys(SECTIONS).join(", ")}\n`);
  process.exit(2);
}
const load = () => loadavg().map((l) => l.toFixed(1)).join(", ");
const loadBefore = load();
const body = (asked.length ? asked : Object.keys(SECTIONS)).flatMap((name) => [...SECTIONS[name](), ""]);
const report = [
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; load average ${loadBefore} before, ${load()} after. Median of 3 runs (the faster of 2 for 1000 tenants and the realistic stock path); CPU time is user plus system of the synthesizing node process (every thread), RSS its peak.`,
  "",
  ...body,
].join("\n");
if (asked.length === 0) {
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "latest.md"), report);
}
process.stdout.write(report);
rmSync(work, { recursive: true, force: true });
