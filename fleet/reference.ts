import { z } from "zod";
import { defaultAt, DEFAULT_RULES } from "./defaults";
import { fleetSchema } from "./schema";

/**
 * The fleet reference (docs/FLEET.md) generated from the schema: one row per field with its type, its default
 * (from fleet/defaults.ts) and its description (the schema's `.describe`). Pure and deterministic.
 */

export interface ReferenceRow {
  /** `sovereigns[].dns.ttl` */
  readonly path: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
  /** Whether the field is an object or a list of objects whose fields have rows of their own. */
  readonly hasFields: boolean;
}

export const BEGIN_MARKER = "<!-- BEGIN GENERATED: fleet reference (npm run docs:fleet) -->";
export const END_MARKER = "<!-- END GENERATED -->";

/** The subset of JSON Schema that `z.toJSONSchema` writes for the fleet schema. */
interface Json {
  readonly type?: string;
  readonly title?: string;
  readonly description?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly properties?: Readonly<Record<string, Json>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: Json | boolean;
  readonly items?: Json;
  readonly anyOf?: readonly Json[];
  readonly oneOf?: readonly Json[];
  readonly not?: Json;
  readonly $ref?: string;
}

interface Field {
  path: string;
  types: string[];
  descriptions: string[];
  /** Undefined: optional; otherwise the condition under which it is required ("" for always). */
  requiredWhen?: string;
  hasFields: boolean;
  isList: boolean;
  /** The key that tells the variants of this field's object apart (`backend`). */
  discriminator?: string;
  /** The keys of which exactly one must be given (`secret`, `openbao`). */
  oneOf?: readonly string[];
}

const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;

function typeOf(node: Json): string {
  if (node.$ref) throw new Error(`fleet reference: unexpected $ref ${node.$ref}`);
  if (node.not) return "removed";
  if (node.const !== undefined) return code(node.const);
  if (node.enum) return node.enum.map(code).join(" \\| ");
  if (node.title) return node.title;
  const union = node.anyOf ?? node.oneOf;
  if (union) return union.every((v) => v.type === "object") ? "object" : union.map(typeOf).join(" \\| ");
  switch (node.type) {
    case "string":
      return node.format === "uri" ? "URL" : node.format === "email" ? "email address" : "string";
    case "integer":
    case "number": {
      const kind = node.type === "integer" ? "whole number" : "number";
      // zod writes the safe-integer range for a bare `.int()`: no bound worth printing.
      const bound = (n: number | undefined) => (n === undefined || Math.abs(n) === Number.MAX_SAFE_INTEGER ? undefined : n);
      const [min, max] = [bound(node.minimum), bound(node.maximum)];
      if (min !== undefined && max !== undefined) return `${kind}, ${min}–${max}`;
      return min !== undefined ? `${kind}, ≥ ${min}` : max !== undefined ? `${kind}, ≤ ${max}` : kind;
    }
    case "boolean":
      return "boolean";
    case "array":
      return `list of ${plural(typeOf(node.items ?? {}))}${node.minItems ? `, ≥ ${node.minItems}` : ""}`;
    case "object":
      return node.properties ? "object" : `map of ${plural(typeOf(typeof node.additionalProperties === "object" ? node.additionalProperties : {}))}`;
    default:
      return "any";
  }
}

const plural = (type: string) => (type === "object" ? "objects" : type === "any" ? "values" : type);

/** Objects (and unions of objects) whose fields get rows of their own. */
function variantsOf(node: Json): readonly Json[] | undefined {
  const target = node.type === "array" && node.items ? node.items : node;
  if (target.properties) return [target];
  const union = target.anyOf ?? target.oneOf;
  return union?.every((v) => v.properties) ? union : undefined;
}

/** The key whose constant value tells the variants of a union apart (`backend`, `mode`), if there is one. */
function discriminatorOf(variants: readonly Json[]): string | undefined {
  if (variants.length < 2) return undefined;
  return Object.keys(variants[0].properties ?? {}).find((key) => variants.every((v) => v.properties?.[key]?.const !== undefined));
}

function collect(node: Json, path: string, requiredWhen: string | undefined, fields: Map<string, Field>, condition: string): void {
  const variants = variantsOf(node);
  const existing = fields.get(path);
  const field: Field = existing ?? { path, types: [], descriptions: [], requiredWhen, hasFields: variants !== undefined, isList: node.type === "array" };
  if (!existing) fields.set(path, field);
  else if (requiredWhen === undefined) field.requiredWhen = undefined;
  const type = typeOf(node);
  if (!field.types.includes(type)) field.types.push(type);
  const description = node.description && (condition ? `(${condition}) ${node.description}` : node.description);
  if (description && !field.descriptions.includes(description)) field.descriptions.push(description);
  if (!variants) return;
  const childBase = node.type === "array" ? `${path}[]` : path;
  const discriminator = discriminatorOf(variants);
  field.discriminator = discriminator;
  // A union without a discriminator whose variants each have one key: exactly one of those keys.
  const oneOf = !discriminator && variants.length > 1 && variants.every((v) => Object.keys(v.properties ?? {}).length === 1) ? variants.map((v) => Object.keys(v.properties!)[0]) : undefined;
  field.oneOf = oneOf;
  for (const variant of variants) {
    const tag = discriminator ? `\`${discriminator}: ${String(variant.properties![discriminator].const)}\`` : "";
    for (const [key, child] of Object.entries(variant.properties ?? {})) {
      const required = oneOf ? `one of ${oneOf.map((k) => `\`${k}\``).join(", ")}` : variant.required?.includes(key) ? (key === discriminator || !tag ? "" : tag) : undefined;
      collect(child, childBase ? `${childBase}.${key}` : key, required, fields, key === discriminator ? "" : tag);
    }
  }
}

function defaultOf(field: Field, fields: ReadonlyMap<string, Field>): string {
  if (field.requiredWhen !== undefined) {
    if (field.requiredWhen.startsWith("one of")) return `${field.requiredWhen} required`;
    return field.requiredWhen ? `required with ${field.requiredWhen}` : "required";
  }
  const rule = DEFAULT_RULES[field.path];
  if (rule !== undefined) return rule;
  const value = defaultAt(field.path);
  if (!field.hasFields) return value === undefined ? "none" : code(value);
  // An object's defaults are shown at its fields, unless the default is the object as a whole (every field required).
  if (field.discriminator !== undefined) {
    const chosen = defaultAt(`${field.path}.${field.discriminator}`);
    return chosen === undefined ? "—" : code(`${field.discriminator}: ${String(chosen)}`);
  }
  const children = [...fields.values()].filter((f) => f.path.startsWith(`${field.path}.`) && !f.path.slice(field.path.length + 1).includes("."));
  const whole = field.isList || (children.length > 0 && children.every((c) => c.requiredWhen !== undefined));
  return whole && value !== undefined ? code(value) : "—";
}

/** Every field of the fleet file, in schema order. */
export function fleetReferenceRows(): ReferenceRow[] {
  const fields = new Map<string, Field>();
  collect(z.toJSONSchema(fleetSchema, { io: "input", unrepresentable: "throw" }) as Json, "", "", fields, "");
  fields.delete("");
  return [...fields.values()].map((f) => ({
    path: f.path,
    type: f.types.join(" \\| "),
    default: defaultOf(f, fields),
    description: f.descriptions.join(" "),
    hasFields: f.hasFields,
  }));
}

const cell = (text: string) => text.replace(/\n/g, " ").replace(/(?<!\\)\|/g, "\\|");

function table(rows: readonly ReferenceRow[]): string[] {
  return [
    "| path | type | default | description |",
    "|---|---|---|---|",
    ...rows.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`),
  ];
}

/**
 * The generated part of docs/FLEET.md: the top level, the plain fields of a Sovereign, then one section per
 * Sovereign field that has fields of its own.
 */
export function fleetReference(): string {
  const rows = fleetReferenceRows();
  const sovereign = "sovereigns[].";
  const sectionOf = (row: ReferenceRow): string => {
    if (!row.path.startsWith(sovereign)) return "Top level";
    const head = row.path.slice(sovereign.length).split(/\.|\[\]/)[0];
    const owner = rows.find((r) => r.path === `${sovereign}${head}`);
    return owner?.hasFields ? `\`${sovereign}${head}${owner.type.startsWith("list") ? "[]" : ""}\`` : "`sovereigns[]`";
  };
  const sections = new Map<string, ReferenceRow[]>();
  for (const row of rows) sections.set(sectionOf(row), [...(sections.get(sectionOf(row)) ?? []), row]);
  const lines = ["Generated from the schema (`fleet/schema.ts`) and the defaults (`fleet/defaults.ts`) by `npm run docs:fleet`; edit those, not this section.", ""];
  for (const [title, sectionRows] of sections) lines.push(`### ${title}`, "", ...table(sectionRows), "");
  return lines.join("\n");
}

/** `doc` with the text between the markers replaced by `generated`; throws when the markers are missing. */
export function spliceGenerated(doc: string, generated: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`the markers "${BEGIN_MARKER}" and "${END_MARKER}" are missing or out of order`);
  return `${doc.slice(0, begin + BEGIN_MARKER.length)}\n\n${generated.trimEnd()}\n\n${doc.slice(end)}`;
}
