/**
 * The benchmark's measuring tools: the floor of a cold run (node loading the app's third-party modules alone) and
 * the profile summary's owners. A floor that held this project's code, or missed a package the app loads, would
 * misreport what a cold run costs beyond its dependencies.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDependencyBundle, bundleCommandOf, packageOf } from "../bench/dependency-floor";
import { ownerOf } from "../bench/profile-summary";

const ROOT = join(__dirname, "..");

describe("packageOf", () => {
  it.each([
    ["node_modules/cdktf/lib/app.js", "cdktf"],
    ["/work/x/node_modules/@cdktf/provider-kubernetes/lib/stateful-set-v1/index.js", "@cdktf/provider-kubernetes"],
    // A package's own dependency belongs to that dependency, not to the package that holds it.
    ["node_modules/cdktf/node_modules/json-stable-stringify/index.js", "json-stable-stringify"],
    ["file:///w/node_modules/yaml/dist/index.js", "yaml"],
    ["dist/app/main.js", undefined],
    ["node_modules", undefined],
  ])("%s belongs to %s", (path, expected) => expect(packageOf(path)).toBe(expected));
});

describe("ownerOf (profile summary)", () => {
  it.each([
    ["file:///w/node_modules/cdktf/lib/tokens/private/resolve.js", "resolve", "cdktf"],
    ["file:///w/dist/constructs/terraform/stack-document.js", "stackDocument", "project: constructs"],
    ["node:internal/modules/cjs/loader", "wrapSafe", "node"],
    ["", "(garbage collector)", "(garbage collector)"],
    ["", "readFileUtf8", "native built-ins"],
  ])("'%s' %s is owned by %s", (url, functionName, expected) => expect(ownerOf({ url, functionName, lineNumber: 0 })).toBe(expected));
});

describe("the dependency floor", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "sovereign-mail-floor-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("reads npm run bundle's esbuild command: its entry points and flags, not its output", () => {
    const { entryPoints, flags } = bundleCommandOf(ROOT);
    expect(entryPoints).toEqual(["dist/app/main.js", "dist/app/synth-worker.js"]);
    expect(flags).toContain("--bundle");
    expect(flags.some((f) => f.startsWith("--outdir"))).toBe(false);
  });

  it("bundles the third-party modules the app imports, none of the project's own code, and the bundle loads", () => {
    const floor = buildDependencyBundle(ROOT, work);
    expect(floor.packages).toEqual(expect.arrayContaining(["cdktf", "constructs", "@cdktf/provider-kubernetes", "@cdktf/provider-dns", "zod", "yaml"]));
    const text = readFileSync(floor.file, "utf8");
    // cdktf's own modules are in; the project's are not (its stack names, its constructs' texts).
    expect(text).toContain("cdktf.TerraformStack");
    expect(text).not.toContain("sovereign-smtp-credentials");
    expect(text).not.toContain("stackDocument");
    const run = spawnSync(process.execPath, [floor.file], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe("");
  });
});
