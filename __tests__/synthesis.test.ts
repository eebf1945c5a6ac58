import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { synthesizeFleet } from "../app/synthesize";
import { loadFleetFile } from "../fleet/load";
import { EXAMPLE_FLEET_FILE } from "./helpers/synth";
import { filesUnder } from "./helpers/files";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "dist", "main.js");


describe("synthesis to disk", () => {
  const work = mkdtempSync(join(tmpdir(), "sovereign-mail-synth-"));
  const fleet = loadFleetFile(EXAMPLE_FLEET_FILE);
  const first = join(work, "first", "cdktf.out");
  const second = join(work, "second", "cdktf.out");
  synthesizeFleet(fleet, first);
  synthesizeFleet(fleet, second);

  it("is byte-identical across runs and free of machine paths", () => {
    const a = filesUnder(first);
    const b = filesUnder(second);
    expect(Object.keys(a).sort()).toEqual([
      "manifest.json",
      "stacks/fsn1-kit/cdk.tf.json",
      "stacks/fsn1-mail/cdk.tf.json",
      "stacks/fsn1-tenant-acme/cdk.tf.json",
      "stacks/fsn1-tenant-globex/cdk.tf.json",
    ]);
    expect(b).toEqual(a);
    for (const [name, text] of Object.entries(a)) {
      expect({ name, hasPath: text.includes(work) || text.includes(ROOT) }).toEqual({ name, hasPath: false });
    }
  });

  it("writes plain Terraform JSON with an explicit relative backend per stack", () => {
    const stack = JSON.parse(readFileSync(join(first, "stacks", "fsn1-tenant-acme", "cdk.tf.json"), "utf8"));
    expect(stack.terraform.backend).toEqual({ local: { path: "../../../terraform.fsn1-tenant-acme.tfstate" } });
    // `variable`: the TSIG secret of its published records (ephemeral, never a value in the JSON); `data`: the
    // stack's memory of its last apply (rotating DKIM keys).
    expect(Object.keys(stack).sort()).toEqual(["//", "data", "locals", "output", "provider", "resource", "terraform", "variable"]);
  });

  it("synthesizes a fleet in parts (several Apps) to exactly the same bytes", () => {
    const parts = join(work, "parts", "cdktf.out");
    synthesizeFleet(fleet, parts, { chunkSize: 1 });
    expect(filesUnder(parts)).toEqual(filesUnder(first));
    expect(readdirSync(join(work, "parts"))).toEqual(["cdktf.out"]);
  });

  it("replaces an existing output directory completely on success", () => {
    writeFileSync(join(first, "stale.txt"), "old");
    synthesizeFleet(fleet, first);
    expect(existsSync(join(first, "stale.txt"))).toBe(false);
    expect(readdirSync(join(work, "first"))).toEqual(["cdktf.out"]);
  });
});

describe("the compiled app (node dist/main.js)", () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT });
  });

  it("synthesizes the example fleet by default and exits 0", () => {
    const cwd = mkdtempSync(join(tmpdir(), "sovereign-mail-cli-"));
    const result = spawnSync(process.execPath, [MAIN, "--out", "out"], { cwd, encoding: "utf8", env: { ...process.env, FLEET: "", CDKTF_OUTDIR: "" } });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^synthesized 4 stacks from .*examples\/fleet\.yaml into out: fsn1-kit, fsn1-mail, fsn1-tenant-acme, fsn1-tenant-globex\ncache: [0-4] of 4 stacks reused from \S+\n$/);
    expect(existsSync(join(cwd, "out", "stacks", "fsn1-mail", "cdk.tf.json"))).toBe(true);
  });

  it("synthesizes in parallel worker threads to the same bytes as one App", () => {
    const cwd = mkdtempSync(join(tmpdir(), "sovereign-mail-cli-"));
    const env = { ...process.env, FLEET: "", CDKTF_OUTDIR: "" };
    spawnSync(process.execPath, [MAIN, "--out", "single"], { cwd, env: { ...env, SOVEREIGN_MAIL_CHUNK_SIZE: "1000" } });
    const parallel = spawnSync(process.execPath, [MAIN, "--out", "parallel"], { cwd, encoding: "utf8", env: { ...env, SOVEREIGN_MAIL_CHUNK_SIZE: "1", SOVEREIGN_MAIL_SYNTH_WORKERS: "2" } });
    expect(parallel.status).toBe(0);
    expect(filesUnder(join(cwd, "parallel"))).toEqual(filesUnder(join(cwd, "single")));
    expect(readdirSync(join(cwd, "parallel", "stacks")).sort()).toEqual(["fsn1-kit", "fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex"]);
  });

  it("synthesizes Terraform-managed PTRs without a terraform binary on PATH", () => {
    // cdktf's DataResource ran `terraform version` for every PTR marker at synthesis, and failed without one.
    const cwd = mkdtempSync(join(tmpdir(), "sovereign-mail-cli-"));
    symlinkSync(process.execPath, join(cwd, "node"));
    const result = spawnSync(join(cwd, "node"), [MAIN, "--fleet", join(ROOT, "examples", "complete.yaml"), "--out", "out"], { cwd, encoding: "utf8", env: { ...process.env, PATH: cwd } });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(join(cwd, "out", "stacks", "fsn1-tenant-acme", "cdk.tf.json"), "utf8")).toContain('"hcloud_rdns"');
  });

  it("the bundle `npm run build` makes (command and worker) writes the same bytes as the compiled modules", () => {
    // Bundled beside dist/bundle, so the project root and the worker are found the same way.
    const bundle = mkdtempSync(join(ROOT, "dist", ".bundle-test-"));
    try {
      execFileSync("npm", ["run", "bundle", "--silent", "--", `--outdir=${bundle}`], { cwd: ROOT });
      // Both write stack files with app/stable-stringify.ts in place of json-stable-stringify (an alias).
      for (const file of ["main.js", "synth-worker.js"]) expect(readFileSync(join(bundle, file), "utf8")).toContain("stable-stringify: unsupported option");
      const cwd = mkdtempSync(join(tmpdir(), "sovereign-mail-cli-"));
      const env = { ...process.env, SOVEREIGN_MAIL_CHUNK_SIZE: "2", SOVEREIGN_MAIL_SYNTH_WORKERS: "2" };
      const fleet = join(ROOT, "examples", "complete.yaml");
      const bundled = spawnSync(process.execPath, [join(bundle, "main.js"), "--fleet", fleet, "--out", "bundled"], { cwd, encoding: "utf8", env });
      const compiled = spawnSync(process.execPath, [join(ROOT, "dist", "app", "main.js"), "--fleet", fleet, "--out", "compiled"], { cwd, encoding: "utf8", env });
      expect([bundled.status, compiled.status]).toEqual([0, 0]);
      expect(bundled.stdout).toBe(compiled.stdout.replaceAll("compiled", "bundled"));
      expect(filesUnder(join(cwd, "bundled"))).toEqual(filesUnder(join(cwd, "compiled")));
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  });

  it("exits non-zero on a bad fleet and leaves the previous output intact", () => {
    const cwd = mkdtempSync(join(tmpdir(), "sovereign-mail-cli-"));
    spawnSync(process.execPath, [MAIN, "--fleet", EXAMPLE_FLEET_FILE, "--out", "out"], { cwd });
    const before = filesUnder(join(cwd, "out"));
    writeFileSync(join(cwd, "bad.yaml"), "version: 1\nsovereigns:\n  - name: Bad\n");
    const result = spawnSync(process.execPath, [MAIN, "bad.yaml", "--out", "out"], { cwd, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("invalid fleet file bad.yaml");
    expect(result.stderr).toContain("sovereigns[0].name");
    expect(filesUnder(join(cwd, "out"))).toEqual(before);
    expect(readdirSync(cwd).sort()).toEqual(["bad.yaml", "out"]);
  });
});
