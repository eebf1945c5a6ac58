/**
 * Mailboxes never go by accident: a mail stack leaves the fleet only after offboarding (a final backup named, a
 * retention that has run out). Synthesis over an earlier output and plan-diff both hold the rule.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../app/cli";
import { FleetError } from "../fleet/errors";
import { parseFleet } from "../fleet/load";
import { diffSynthOutputs } from "../plan-diff/diff";
import { readSynthOutput } from "../plan-diff/synth-output";
import { synthFleetYaml } from "./helpers/synth";
import { tenantFleet } from "./helpers/tenant-fleet";

const fleet = tenantFleet;
const ACME = "      - {id: acme, domain: {mode: byo, name: acme.example.com}}";
const globex = (extra = "") => `      - {id: globex, domain: {mode: byo, name: globex.example.com}${extra}}`;
const LEAVING = (until: string) => `, offboarding: {finalBackup: "restic:fsn1-tenant-globex/5f2c9a1e", retainUntil: "${until}"}`;

function cli(yaml: string, out: string) {
  const file = join(mkdtempSync(join(tmpdir(), "offboarding-fleet-")), "fleet.yaml");
  writeFileSync(file, yaml);
  let stdout = "";
  let stderr = "";
  const code = runCli(["--fleet", file, "--out", out], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}
const stacksIn = (out: string) => Object.keys(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).stacks).sort();

describe("offboarding", () => {
  const both = fleet(`${ACME}\n${globex()}`);
  const acmeOnly = fleet(ACME);

  it("synthesis refuses to drop a tenant that never offboarded, and leaves the earlier output as it was", () => {
    const out = join(mkdtempSync(join(tmpdir(), "offboarding-out-")), "out");
    expect(cli(both, out).code).toBe(0);
    const before = readFileSync(join(out, "manifest.json"), "utf8");
    const r = cli(acmeOnly, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fleet\.yaml: refusing to drop mail stacks of the earlier output/);
    expect(r.stderr).toContain("stack fsn1-tenant-globex holds mailboxes (org-globex/data-stalwart-0) and was never offboarded");
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe(before);
  });

  it("an offboarding tenant stays until its retention ends; then it may go", () => {
    const out = join(mkdtempSync(join(tmpdir(), "offboarding-out-")), "out");
    expect(cli(fleet(`${ACME}\n${globex(LEAVING("2999-12-31"))}`), out).code).toBe(0);
    const early = cli(acmeOnly, out);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("stack fsn1-tenant-globex is offboarding until 2999-12-31 (final backup restic:fsn1-tenant-globex/5f2c9a1e)");

    const done = join(mkdtempSync(join(tmpdir(), "offboarding-out-")), "out");
    expect(cli(fleet(`${ACME}\n${globex(LEAVING("2020-01-31"))}`), done).code).toBe(0);
    expect(cli(acmeOnly, done).code).toBe(0);
    expect(stacksIn(done)).toEqual(["fsn1-mail", "fsn1-tenant-acme"]);
  });

  it("records the offboarding as a stack output; a leaving Sovereign marks every mail stack", () => {
    const tenant = synthFleetYaml(fleet(`${ACME}\n${globex(LEAVING("2027-01-31"))}`));
    expect(tenant.json["fsn1-tenant-globex"].output?.offboarding?.value).toEqual({ final_backup: "restic:fsn1-tenant-globex/5f2c9a1e", retain_until: "2027-01-31" });
    expect(tenant.json["fsn1-tenant-acme"].output?.offboarding).toBeUndefined();
    const sovereign = synthFleetYaml(fleet(ACME, '    offboarding: {finalBackup: "restic:fsn1/all", retainUntil: "2027-01-31"}\n'));
    for (const name of ["fsn1-mail", "fsn1-tenant-acme"]) expect(sovereign.json[name].output?.offboarding?.value).toMatchObject({ final_backup: "restic:fsn1/all" });
  });

  it("plan-diff: a completed offboarding is a planned removal, not data loss; an early one is", () => {
    const synth = (yaml: string) => {
      const out = join(mkdtempSync(join(tmpdir(), "offboarding-diff-")), "out");
      expect(cli(yaml, out).code).toBe(0);
      return readSynthOutput(out);
    };
    const head = synth(acmeOnly);
    const done = diffSynthOutputs(synth(fleet(`${ACME}\n${globex(LEAVING("2026-11-30"))}`)), head, "2026-12-01");
    expect(done.losesData).toBe(false);
    expect(done.stacks.find((s) => s.name === "fsn1-tenant-globex")!.warnings).toContain(
      "stack fsn1-tenant-globex completed offboarding (retained until 2026-11-30, final backup restic:fsn1-tenant-globex/5f2c9a1e): destroying it deletes its mailboxes as planned",
    );
    const early = diffSynthOutputs(synth(fleet(`${ACME}\n${globex(LEAVING("2026-12-01"))}`)), head, "2026-12-01");
    expect(early.losesData).toBe(true);
  });

  it("needs a final backup and a real date", () => {
    const problems = (extra: string) => {
      try {
        parseFleet(fleet(`${ACME}\n${globex(extra)}`), "fleet.yaml");
        return "";
      } catch (e) {
        return (e as FleetError).message;
      }
    };
    expect(problems(', offboarding: {retainUntil: "2027-01-31"}')).toMatch(/tenants\[1\]\.offboarding\.finalBackup/);
    expect(problems(', offboarding: {finalBackup: "b", retainUntil: "2027-02-30"}')).toMatch(/tenants\[1\]\.offboarding\.retainUntil: is not a calendar date/);
    expect(problems(', offboarding: {finalBackup: "b", retainUntil: "31.01.2027"}')).toMatch(/retainUntil: must be a date written YYYY-MM-DD/);
  });
});
