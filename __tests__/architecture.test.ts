/**
 * The rules of the house (docs/ARCHITECTURE.md): which folder may import which, no provider root barrels, and no
 * cdktf in the pure layers. Known exceptions are listed one by one and must still exist, so the list only shrinks.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(__dirname, "..");

/** Top-level folder (or `main.ts`) → the folders its files may import from (itself always). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  project: [],
  kit: ["project"],
  fleet: ["kit"],
  stalwart: ["project"],
  dns: ["fleet"],
  relay: ["fleet"],
  "plan-diff": ["stalwart"],
  rollout: ["fleet"],
  monitoring: ["fleet", "kit", "stalwart"],
  types: [],
  constructs: ["fleet", "kit", "stalwart", "dns", "relay", "monitoring"],
  stacks: ["constructs", "fleet", "stalwart", "dns", "relay", "kit", "plan-diff", "monitoring"],
  app: ["stacks", "fleet", "kit", "project", "plan-diff"],
  bin: ["app", "stacks", "constructs", "fleet", "stalwart", "dns", "relay", "kit", "plan-diff", "project", "monitoring", "rollout"],
  bench: ["app", "fleet"],
  "main.ts": ["app"],
};

/** Layers that hold pure logic: no cdktf, no constructs, no provider bindings. */
const PURE = ["project", "kit", "fleet", "stalwart", "dns", "relay", "plan-diff", "monitoring", "rollout"];

/** Edges that break the rules, each to be removed; each must still exist, so the list only shrinks. */
const KNOWN_EXCEPTIONS: string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ["node_modules", "dist", "__tests__", "cdktf.out", ".git"].includes(name) ? [] : sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const layerOf = (file: string) => {
  const rel = relative(ROOT, file);
  return rel.includes("/") ? rel.split("/")[0] : rel;
};

const files = Object.keys(MAY_IMPORT).flatMap((layer) => (layer.endsWith(".ts") ? [join(ROOT, layer)] : sourceFiles(join(ROOT, layer))));
const imports = files.flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from "([^"]+)";/gms)].map((m) => ({ file, spec: m[1], typeOnly: /^(import|export) type /.test(m[0]) })),
);
const localEdges = imports
  .filter((i) => i.spec.startsWith("."))
  .map((i) => ({ from: relative(ROOT, i.file), to: `${relative(ROOT, resolve(dirname(i.file), i.spec))}.ts` }));
const edge = (e: { from: string; to: string }) => `${e.from} -> ${e.to}`;

describe("import rules", () => {
  it("reads the whole code base", () => {
    expect(files.length).toBeGreaterThan(80);
    expect(localEdges.length).toBeGreaterThan(250);
  });

  it("each folder imports only from the folders below it", () => {
    const broken = localEdges
      .filter((e) => {
        const from = layerOf(e.from);
        const to = layerOf(e.to);
        return from !== to && !MAY_IMPORT[from].includes(to);
      })
      .map(edge)
      .filter((e) => !KNOWN_EXCEPTIONS.includes(e));
    expect(broken).toEqual([]);
  });

  it("lists only exceptions that still exist", () => {
    const present = new Set(localEdges.map(edge));
    expect(KNOWN_EXCEPTIONS.filter((e) => !present.has(e))).toEqual([]);
  });

  it("imports provider classes from their submodules, never a root barrel", () => {
    const barrels = imports.filter((i) => /^@cdktf\/provider-[a-z0-9-]+(\/lib)?$/.test(i.spec)).map((i) => `${relative(ROOT, i.file)}: ${i.spec}`);
    expect(barrels).toEqual([]);
  });

  it("keeps stacks to composition: from provider packages only the provider configurations, no resources", () => {
    const resources = imports
      .filter((i) => layerOf(i.file) === "stacks" && !i.typeOnly && /^@cdktf\/provider-[a-z0-9-]+\/lib\//.test(i.spec) && !i.spec.endsWith("/lib/provider"))
      .map((i) => `${relative(ROOT, i.file)}: ${i.spec}`);
    expect(resources).toEqual([]);
  });

  it("keeps the pure layers free of cdktf, constructs and provider bindings", () => {
    const impure = imports
      .filter((i) => PURE.includes(layerOf(i.file)) && /^(cdktf|constructs|@cdktf\/)/.test(i.spec))
      .map((i) => `${relative(ROOT, i.file)}: ${i.spec}`);
    expect(impure).toEqual([]);
  });
});
