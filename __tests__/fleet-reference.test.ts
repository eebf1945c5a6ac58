/**
 * The fleet reference in docs/FLEET.md is generated from the schema and the defaults: it must be current, every
 * field must be described, and every default must belong to a field that exists.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLEET_DOC, runFleetReference } from "../bin/fleet-reference";
import { DEFAULT_RULES, FLEET_DEFAULTS } from "../fleet/defaults";
import { BEGIN_MARKER, END_MARKER, fleetReference, fleetReferenceRows, spliceGenerated } from "../fleet/reference";

const rows = fleetReferenceRows();
const paths = new Set(rows.map((r) => r.path));

/** Every path FLEET_DEFAULTS gives a value for, down to the fields of the schema (a map's keys are not fields). */
function defaultPaths(node: unknown, path: string): string[] {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return [path];
  const row = rows.find((r) => r.path === path);
  if (path !== "" && row !== undefined && !row.hasFields) return [path];
  return Object.entries(node).flatMap(([key, value]) => defaultPaths(value, path === "" ? key : `${path}.${key}`));
}

describe("the fleet reference (docs/FLEET.md)", () => {
  it("is current: npm run docs:fleet regenerates it", () => {
    const doc = readFileSync(FLEET_DOC, "utf8");
    expect(spliceGenerated(doc, fleetReference())).toBe(doc);
  });

  it("keeps the hand-written prose outside the markers", () => {
    const doc = readFileSync(FLEET_DOC, "utf8");
    expect(doc.startsWith("# Fleet file reference\n")).toBe(true);
    expect(doc.indexOf(BEGIN_MARKER)).toBeGreaterThan(0);
    expect(doc.slice(doc.indexOf(END_MARKER))).toContain("## What is checked before synthesis");
  });

  it("embeds examples/fleet.yaml as it is", () => {
    const doc = readFileSync(FLEET_DOC, "utf8");
    const embedded = /```yaml\n([\s\S]*?)```\n/.exec(doc)?.[1];
    expect(embedded).toBe(readFileSync(join(__dirname, "..", "examples", "fleet.yaml"), "utf8"));
  });

  it("links the complete example", () => {
    expect(readFileSync(FLEET_DOC, "utf8")).toContain("(../examples/complete.yaml)");
  });

  it("describes every field of the schema", () => {
    expect(rows.length).toBeGreaterThan(150);
    expect(rows.filter((r) => r.description.trim() === "").map((r) => r.path)).toEqual([]);
    expect(rows.filter((r) => r.type === "" || r.default === "").map((r) => r.path)).toEqual([]);
  });

  it("has a row for every default, and every default rule names a field", () => {
    const literal = defaultPaths(FLEET_DEFAULTS, "");
    expect(literal.length).toBeGreaterThan(50);
    expect(literal.filter((p) => !paths.has(p.replace(/\[\]$/, "")))).toEqual([]);
    expect(Object.keys(DEFAULT_RULES).filter((p) => !paths.has(p))).toEqual([]);
  });

  it("takes defaults from fleet/defaults.ts", () => {
    const row = (path: string) => rows.find((r) => r.path === path);
    expect(row("sovereigns[].dns.ttl")?.default).toBe(`\`${FLEET_DEFAULTS["sovereigns[]"].dns.ttl}\``);
    expect(row("sovereigns[].stalwart.image")?.default).toBe(`\`${FLEET_DEFAULTS["sovereigns[]"].stalwart.image}\``);
    expect(row("sovereigns[].tenants[].capacity.cpu")?.default).toBe(`\`${FLEET_DEFAULTS["sovereigns[]"]["tenants[]"].capacity.cpu}\``);
    expect(row("sovereigns[].state")?.default).toBe("`backend: local`");
    expect(row("sovereigns[].state.bucket")?.default).toBe("required with `backend: s3`");
    expect(row("sovereigns[].tenants[].webmail.host")?.default).toBe(DEFAULT_RULES["sovereigns[].tenants[].webmail.host"]);
  });

  it("is deterministic", () => {
    expect(fleetReference()).toBe(fleetReference());
  });

  it("--check exits 1 on a stale file and 0 once it is written", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fleet-doc-")), "FLEET.md");
    writeFileSync(file, `# Fleet\n\nprose\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\nmore prose\n`);
    const run = (...args: string[]) => {
      let out = "";
      let err = "";
      const code = runFleetReference([...args, "--file", file], (t) => (out += t), (t) => (err += t));
      return { code, out, err };
    };
    expect(run("--check")).toMatchObject({ code: 1, err: expect.stringContaining("is stale: run npm run docs:fleet") });
    expect(run().code).toBe(0);
    expect(run("--check").code).toBe(0);
    const written = readFileSync(file, "utf8");
    expect(written.startsWith("# Fleet\n\nprose\n\n")).toBe(true);
    expect(written.endsWith(`${END_MARKER}\n\nmore prose\n`)).toBe(true);
    expect(written).toContain("`sovereigns[].dns.ttl`");
  });

  it("refuses a document without markers and unknown flags", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fleet-doc-")), "FLEET.md");
    writeFileSync(file, "# no markers\n");
    let err = "";
    expect(runFleetReference(["--file", file], () => undefined, (t) => (err += t))).toBe(1);
    expect(err).toContain("markers");
    expect(runFleetReference(["--nope"], () => undefined, () => undefined)).toBe(2);
  });
});
