/**
 * Malformed input: wall time and peak RSS of `node dist/main.js` on every malformed-fleet fixture and on the
 * hostile inputs (a device, a file over the size limit, an alias bomb, absurd nesting, thousands of problems).
 * The target is every case under 3 s and 300 MB. Part of `npm run bench`; `node dist/bench/input-bench.js` runs
 * it alone. It reports, it never fails on a number.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_FLEET_BYTES } from "../fleet/load";

const ROOT = join(__dirname, "..", "..");
const MAIN = join(ROOT, "dist", "main.js");
const REPORTER = join(ROOT, "dist", "bench", "rss-reporter.js");
const FIXTURES = join(ROOT, "__tests__", "fixtures", "invalid");

export interface InputCase {
  readonly name: string;
  readonly seconds: number;
  readonly rssBytes: number;
  readonly exitCode: number | null;
}

/** The hostile inputs, written into `dir`: name → fleet path. */
function hostileInputs(dir: string): [string, string][] {
  const write = (name: string, content: string) => (writeFileSync(join(dir, name), content), join(dir, name));
  symlinkSync("/dev/zero", join(dir, "zero.yaml"));
  const bomb = ["a0: &a0 [x,x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(",")}]`)].join("\n");
  // The largest file read, of nothing but mistakes (two per entry).
  let manyProblems = "version: 1\nsovereigns:\n";
  for (let i = 0; manyProblems.length < MAX_FLEET_BYTES - 100; i++) manyProblems += `  - {name: s${i}, fqdn: BAD_${i}}\n`;
  return [
    ["symlink to /dev/zero", join(dir, "zero.yaml")],
    ["14 MB file", write("big.yaml", `# ${"x".repeat(14 * 2 ** 20)}\n`)],
    ["alias bomb", write("bomb.yaml", `${bomb}\n`)],
    ["20,000 nested lists", write("deep.yaml", `version: ${"[".repeat(20000)}${"]".repeat(20000)}\n`)],
    [`${manyProblems.split("\n").length - 3} bad Sovereigns (${Math.round(manyProblems.length / 1024)} KiB, the size limit)`, write("many.yaml", manyProblems)],
  ];
}

/** Runs every case once and returns its measurements, slowest first. */
export function measureInputCases(): InputCase[] {
  const work = mkdtempSync(join(tmpdir(), "sovereign-mail-input-bench-"));
  try {
    const cases: [string, string][] = [
      ...readdirSync(FIXTURES)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f): [string, string] => [f, join(FIXTURES, f)]),
      ...hostileInputs(work),
    ];
    const rssFile = join(work, "rss");
    return cases
      .map(([name, fleet]) => {
        const start = process.hrtime.bigint();
        const r = spawnSync(process.execPath, ["--require", REPORTER, MAIN, "--fleet", fleet, "--out", join(work, "out")], {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, BENCH_RSS_FILE: rssFile },
        });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        return { name, seconds, rssBytes: Number(readFileSync(rssFile, "utf8").split(" ")[0]), exitCode: r.status };
      })
      .sort((a, b) => b.seconds - a.seconds);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The report section: the worst cases and the maxima. */
export function inputReport(cases: readonly InputCase[]): string[] {
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
  const maxRss = Math.max(...cases.map((c) => c.rssBytes));
  const nonOne = cases.filter((c) => c.exitCode !== 1);
  return [
    `| malformed input (${cases.length} cases, each run once) | wall time | peak RSS | exit |`,
    "|---|---:|---:|---:|",
    ...cases.slice(0, 6).map((c) => `| ${c.name} | ${c.seconds.toFixed(2)} s | ${mb(c.rssBytes)} | ${c.exitCode} |`),
    `| **slowest / largest of all** | **${cases[0].seconds.toFixed(2)} s** | **${mb(maxRss)}** | ${nonOne.length === 0 ? "all 1" : `not 1: ${nonOne.map((c) => c.name).join(", ")}`} |`,
  ];
}

if (require.main === module) process.stdout.write(`${inputReport(measureInputCases()).join("\n")}\n`);
