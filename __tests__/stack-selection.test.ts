/**
 * Stack selection (#19): `--stacks` / $SOVEREIGN_MAIL_STACKS synthesizes only the selected stacks and the kit they
 * depend on, byte for byte as a whole-fleet synthesis writes them, with a manifest of exactly those stacks.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../app/cli";
import { selectStacks } from "../app/stack-selection";
import { loadFleetFile } from "../fleet/load";
import { TEST_FLEETS } from "./helpers/test-fleets";

function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}
const out = () => join(mkdtempSync(join(tmpdir(), "selection-")), "out");
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { stacks: Record<string, { dependencies: string[]; synthesizedStackPath: string }> };
const stackFile = (dir: string, name: string) => readFileSync(join(dir, "stacks", name, "cdk.tf.json"), "utf8");

describe("stack selection", () => {
  const fleet = TEST_FLEETS["every-feature"];
  const all = out();
  expect(cli(["--fleet", fleet, "--out", all]).code).toBe(0);

  it("writes only the selected stacks and their kit, byte for byte as the whole fleet does, with cdktf's manifest", () => {
    const dir = out();
    const r = cli(["--fleet", fleet, "--out", dir, "--stacks", "nbg1-tenant-shop"]);
    expect(r.code).toBe(0);
    const m = manifest(dir);
    expect(Object.keys(m.stacks).sort()).toEqual(["nbg1-kit", "nbg1-tenant-shop"]);
    expect(readdirSync(join(dir, "stacks")).sort()).toEqual(["nbg1-kit", "nbg1-tenant-shop"]);
    expect(m.stacks["nbg1-tenant-shop"].dependencies).toEqual(manifest(all).stacks["nbg1-tenant-shop"].dependencies);
    expect(m.stacks["nbg1-tenant-shop"].dependencies).toContain("nbg1-kit");
    for (const name of ["nbg1-kit", "nbg1-tenant-shop"]) expect(stackFile(dir, name)).toBe(stackFile(all, name));
  });

  it("takes globs and lists from the flag or $SOVEREIGN_MAIL_STACKS alike", () => {
    const [byFlag, byEnv] = [out(), out()];
    expect(cli(["--fleet", fleet, "--out", byFlag, "--stacks", "hel1-*,ash1-mail"]).code).toBe(0);
    expect(cli(["--fleet", fleet, "--out", byEnv], { SOVEREIGN_MAIL_STACKS: "hel1-*, ash1-mail" }).code).toBe(0);
    expect(Object.keys(manifest(byFlag).stacks).sort()).toEqual(Object.keys(manifest(byEnv).stacks).sort());
    const f = loadFleetFile(fleet);
    const hel1 = f.sovereigns.find((s) => s.name === "hel1")!;
    const expected = selectStacks(f, ["hel1-*", "ash1-mail"]);
    expect("stacks" in expected && expected.stacks).toEqual(Object.keys(manifest(byFlag).stacks).sort((a, b) => expected.stacks.indexOf(a) - expected.stacks.indexOf(b)));
    expect(Object.keys(manifest(byFlag).stacks)).toEqual(expect.arrayContaining([hel1.relay.stackName, ...hel1.tenants.map((t) => t.stackName), "ash1-mail"]));
  });

  it("refuses a pattern that selects nothing (exit 2), naming the stacks, and writes nothing", () => {
    const dir = out();
    expect(cli(["--fleet", fleet, "--out", dir]).code).toBe(0);
    const before = readFileSync(join(dir, "manifest.json"), "utf8");
    const r = cli(["--fleet", fleet, "--out", dir, "--stacks", "nbg1-tenant-shop,nbg1-tenant-shoop"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --stacks nbg1-tenant-shoop selects no stack of the fleet \(stacks: .*nbg1-tenant-shop/);
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).toBe(before);
  });
});
