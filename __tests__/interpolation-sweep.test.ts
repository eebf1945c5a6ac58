/**
 * No fleet text reaches Terraform as a template. Every string field of the fleet schema (found by walking the
 * zod schema, so a new field is covered without editing this test) is set in a sweep fleet; each value in turn gets
 * a Terraform interpolation and a directive. Either the fleet is rejected with the field's path, or the marker
 * reaches the synthesized JSON only escaped (`$${`, `%%{`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import type { z } from "zod";
import { FleetError } from "../fleet/errors";
import { parseFleet } from "../fleet/load";
import { fleetSchema } from "../fleet/schema";
import { synthFleet } from "./helpers/synth";
import { stringLeaves } from "./helpers/terraform-json";

const SWEEP = join(__dirname, "fixtures", "sweep", "every-string.yaml");

/** Every path of the schema that holds a string (`sovereigns[].cluster.context`, `…annotations.*`). */
function stringPaths(schema: z.ZodType, path = ""): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case "object":
      return Object.entries(def.shape).flatMap(([k, v]) => stringPaths(v as z.ZodType, path ? `${path}.${k}` : k));
    case "optional":
    case "nullable":
    case "default":
    case "readonly":
      return stringPaths(def.innerType, path);
    case "array":
      return stringPaths(def.element, `${path}[]`);
    case "record":
      return stringPaths(def.valueType, `${path}.*`);
    case "union":
      return def.options.flatMap((o: z.ZodType) => stringPaths(o, path));
    case "pipe":
      return [...stringPaths(def.in, path), ...stringPaths(def.out, path)];
    case "string":
      return [path];
    default:
      return [];
  }
}

/** The string scalars of a YAML document with their concrete path (`sovereigns.0.cluster.context`). */
function yamlStrings(node: Node | null | undefined, path: (string | number)[] = []): { path: (string | number)[]; value: string }[] {
  if (isMap(node)) return node.items.flatMap((p) => yamlStrings(p.value as Node, [...path, String((p.key as { value: unknown }).value)]));
  if (isSeq(node)) return node.items.flatMap((n, i) => yamlStrings(n as Node, [...path, i]));
  if (isScalar(node) && typeof node.value === "string") return [{ path, value: node.value }];
  return [];
}

/** A concrete path as the schema names it: indexes as `[]`; inside records (labels, annotations, kit maps) `*`. */
const schemaPath = (path: (string | number)[], records: ReadonlySet<string>) =>
  path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[]` : records.has(acc) ? `${acc}.*` : acc ? `${acc}.${part}` : String(part)), "");

const text = readFileSync(SWEEP, "utf8");
const fields = [...new Set(stringPaths(fleetSchema as unknown as z.ZodType))].sort();
const records = new Set(fields.filter((f) => f.endsWith(".*")).map((f) => f.slice(0, -2)));
const leaves = yamlStrings(parseDocument(text).contents);

/** Template markers Terraform would evaluate: `${` or `%{` not escaped by a doubled `$`/`%`. */
const live = (s: string) => /(^|[^$])\$\{file\("\/sweep|(^|[^%])%\{ if/.test(s);

describe("fleet text never reaches Terraform as a template", () => {
  it("covers every string field of the schema in the sweep fleet", () => {
    const covered = new Set(leaves.map((l) => schemaPath(l.path, records)));
    expect(fields.filter((f) => !covered.has(f))).toEqual([]);
    expect(fields.length).toBeGreaterThan(60);
  });

  // Each value with its own marker, so whatever leaks names its field.
  const marked = (i: number, value: string) => `${value}\${file("/sweep/${i}")}%{ if true }x%{ endif }`;
  const accepted: number[] = [];

  it.each(leaves.map((l, i) => [l.path.join("."), i] as const))("%s: rejected with its path, or accepted", (_name, i) => {
    const leaf = leaves[i];
    const doc = parseDocument(text);
    doc.setIn(leaf.path, marked(i, leaf.value));
    try {
      parseFleet(doc.toString(), "sweep.yaml");
      accepted.push(i);
    } catch (err) {
      if (!(err instanceof FleetError)) throw err;
      expect(err.problems.map((p) => p.path)).toContainEqual(expect.stringContaining(leaf.path.slice(-1)[0].toString()));
    }
  });

  it("escapes every accepted value in every stack (all markers in one fleet)", () => {
    expect(accepted.length).toBeGreaterThan(20);
    const doc = parseDocument(text);
    for (const i of accepted) doc.setIn(leaves[i].path, marked(i, leaves[i].value));
    const { json } = synthFleet(parseFleet(doc.toString(), "sweep.yaml"));
    const unescaped = Object.entries(json).flatMap(([stack, j]) =>
      [...stringLeaves(j)].filter((l) => live(l.value)).map((l) => `${stack}: ${l.path} (${leaves[Number(/\/sweep\/(\d+)/.exec(l.value)?.[1])]?.path.join(".")})`),
    );
    expect(unescaped).toEqual([]);
    // The markers did reach the output (escaped), so the sweep tested something.
    expect(JSON.stringify(json)).toContain('$${file(\\"/sweep/');
  });
});
