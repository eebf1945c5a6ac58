/**
 * The real `terraform` binary in tests. Tests that need it run only where it is on PATH (or TERRAFORM names
 * it) and say so when skipped; CI prints `terraform version` so every log shows what judged the output.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TERRAFORM = process.env.TERRAFORM ?? "terraform";

/** The binary's version (`1.11.4`), or undefined when there is none. */
export const terraformVersion: string | undefined = (() => {
  const r = spawnSync(TERRAFORM, ["version", "-json"], { encoding: "utf8" });
  return r.status === 0 ? (JSON.parse(r.stdout).terraform_version as string) : undefined;
})();

/** `describe` where a terraform binary exists; elsewhere a skipped suite and one line saying why. */
export function describeWithTerraform(name: string, body: () => void): void {
  if (terraformVersion) return describe(`${name} (terraform ${terraformVersion})`, body);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED "${name}": no terraform binary on PATH (set TERRAFORM to its path)`);
  describe.skip(name, body);
}

/**
 * A CLI configuration whose only provider source is an empty filesystem mirror: `terraform init` reads and checks
 * the whole configuration, then fails only on provider installation, offline and at once.
 */
const cliConfig = (() => {
  let file: string | undefined;
  return () => {
    if (file) return file;
    const dir = mkdtempSync(join(tmpdir(), "sovereign-mail-tfrc-"));
    mkdirSync(join(dir, "mirror"));
    file = join(dir, "terraformrc");
    writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path    = "${join(dir, "mirror")}"\n    include = ["*/*/*"]\n  }\n}\n`);
    return file;
  };
})();

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs terraform in `dir`, offline: no checkpoint calls, no provider download, no prompt, no colour. */
export function terraform(dir: string, args: readonly string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(TERRAFORM, [`-chdir=${dir}`, ...args], {
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0", TF_CLI_CONFIG_FILE: cliConfig(), ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Diagnostic {
  readonly summary: string;
  readonly detail: string;
  readonly where?: string;
}

/** The error diagnostics of a `-json` run. */
export function errorsOf(run: RunResult): Diagnostic[] {
  return run.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l))
    .filter((m) => m.type === "diagnostic" && m.diagnostic.severity === "error")
    .map((m) => ({ summary: m.diagnostic.summary, detail: m.diagnostic.detail ?? "", where: m.diagnostic.address ?? m.diagnostic.range?.filename }));
}

/** The one error `terraform init` may give offline: a provider that the empty mirror does not have. */
export const isProviderDownload = (d: Diagnostic) => d.summary === "Failed to query available provider packages" && /was not found in any of the search locations/.test(d.detail);

/** `terraform init -backend=false` on a stack directory: every configuration error, provider downloads excepted. */
export function configurationErrors(stackDir: string): Diagnostic[] {
  const run = terraform(stackDir, ["init", "-backend=false", "-input=false", "-no-color", "-json"]);
  const errors = errorsOf(run).filter((d) => !isProviderDownload(d));
  if (run.status !== 0 && errorsOf(run).length === 0) return [{ summary: "terraform init failed without diagnostics", detail: run.stderr + run.stdout }];
  return errors;
}
