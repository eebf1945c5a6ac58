/**
 * `--out` replaces its directory whole, so it may only ever replace what a synthesis wrote: the compiled CLI is run
 * against directories of every kind, and whatever it refuses is left byte for byte as it was.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outputProblem } from "../app/output-guard";
import { EXAMPLE_FLEET_FILE } from "./helpers/synth";

const MAIN = join(__dirname, "..", "dist", "main.js");
const synth = (cwd: string, out: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, "--fleet", EXAMPLE_FLEET_FILE, "--out", out], { cwd, encoding: "utf8", env: { ...process.env, ...env } });

/** Every file under `dir` with its content: what "left as it was" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

describe("--out", () => {
  const work = () => mkdtempSync(join(tmpdir(), "sovereign-mail-out-"));

  it.each([
    ["the working directory", (d: string) => ({ cwd: d, out: "." }), /is the working directory or contains it/],
    ["a parent of the working directory", (d: string) => (mkdirSync(join(d, "sub")), { cwd: join(d, "sub"), out: ".." }), /is the working directory or contains it/],
    ["a file", (d: string) => (writeFileSync(join(d, "notes.txt"), "keep me"), { cwd: d, out: "notes.txt" }), /is a file, not a directory/],
    ["a directory with other files", (d: string) => (mkdirSync(join(d, "docs")), writeFileSync(join(d, "docs", "a.md"), "x"), { cwd: d, out: "docs" }), /holds files an earlier synthesis did not write \(a\.md\)/],
    ["a repository root", (d: string) => (mkdirSync(join(d, "repo", ".git"), { recursive: true }), { cwd: d, out: "repo" }), /is a repository root/],
    ["the home directory", (d: string) => ({ cwd: d, out: process.env.HOME ?? "/root" }), /is the home directory or contains it/],
  ])("refuses %s (exit 2) and leaves it untouched", (_what, setup, message) => {
    const d = work();
    const { cwd, out } = setup(d);
    const before = snapshot(d);
    const r = synth(cwd, out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(snapshot(d)).toEqual(before);
  });

  it("replaces an earlier synthesis, but not one holding Terraform state", () => {
    const d = work();
    expect(synth(d, "out").status).toBe(0);
    expect(synth(d, "out").status).toBe(0);
    // What `terraform init` adds inside a stack directory may go with it; state never.
    mkdirSync(join(d, "out", "stacks", "fsn1-mail", ".terraform"));
    expect(synth(d, "out").status).toBe(0);
    writeFileSync(join(d, "out", "stacks", "fsn1-mail", "terraform.tfstate"), "{}");
    const before = snapshot(d);
    const r = synth(d, "out");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("holds Terraform state (stacks/fsn1-mail/terraform.tfstate)");
    expect(snapshot(d)).toEqual(before);
  });

  it("writes a new or empty directory, and removes what an interrupted run left beside it", () => {
    const d = work();
    mkdirSync(join(d, "empty"));
    expect(synth(d, "empty").status).toBe(0);
    // Empty directories only (what building a cdktf App leaves): nothing to lose.
    mkdirSync(join(d, "dirs-only", "stacks", "x"), { recursive: true });
    expect(synth(d, "dirs-only").status).toBe(0);
    expect(existsSync(join(d, "dirs-only", "manifest.json"))).toBe(true);
    mkdirSync(join(d, ".fresh-Ab12Cd"));
    writeFileSync(join(d, ".fresh-Ab12Cd", "partial.json"), "{");
    expect(synth(d, "fresh").status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["dirs-only", "empty", "fresh"]);
    expect(existsSync(join(d, "fresh", "manifest.json"))).toBe(true);
  });

  it("names every refusal for the library function too", () => {
    expect(outputProblem("/")).toMatch(/filesystem root/);
    expect(outputProblem("does-not-exist-yet", tmpdir())).toBeUndefined();
  });
});
