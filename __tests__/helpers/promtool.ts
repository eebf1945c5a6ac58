/**
 * The real `promtool` (Prometheus's own PromQL engine) in tests: `promtool test rules` evaluates expressions over
 * input series and compares the result. Tests that need it run only where it is on PATH (or PROMTOOL names it) and
 * say so when skipped; the suite name carries the version that judged the queries.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

/** The binary's version (`2.42.0+ds`), or undefined when there is none. */
export const promtoolVersion: string | undefined = (() => {
  const r = spawnSync(PROMTOOL, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] : undefined;
})();

/** `describe` where a promtool binary exists; elsewhere a skipped suite and one line saying why. */
export function describeWithPromtool(name: string, body: () => void): void {
  if (promtoolVersion) return describe(`${name} (promtool ${promtoolVersion})`, body);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED "${name}": no promtool binary on PATH (set PROMTOOL to its path)`);
  describe.skip(name, body);
}

export interface PromqlCase {
  readonly expr: string;
  /** Minutes after the first input sample. */
  readonly evalMinute: number;
  /** Expected samples: labels in PromQL notation (`{}` for none) and value. Empty: no result. */
  readonly samples: readonly { readonly labels: string; readonly value: number }[];
}

/** Runs one `promtool test rules` file: series sampled every minute (`values` in promtool's expanding notation). */
export function promtoolTest(series: Readonly<Record<string, string>>, cases: readonly PromqlCase[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "sovereign-mail-promtool-"));
  const file = join(dir, "test.yaml");
  // JSON is YAML: no quoting rules of our own.
  const test = {
    rule_files: [],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: Object.entries(series).map(([s, values]) => ({ series: s, values })),
        promql_expr_test: cases.map((c) => ({ expr: c.expr, eval_time: `${c.evalMinute}m`, exp_samples: c.samples.map((s) => ({ labels: s.labels, value: s.value })) })),
      },
    ],
  };
  writeFileSync(file, JSON.stringify(test, null, 2));
  const r = spawnSync(PROMTOOL, ["test", "rules", file], { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
