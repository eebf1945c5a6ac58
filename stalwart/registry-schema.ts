import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../project/root";
import { gunzipSync } from "node:zlib";
import type { PlanOperation } from "./plan";

/**
 * Validates rendered Stalwart objects against the upstream registry schema (`schema.json.gz` published by
 * stalwartlabs/stalwart): known objects and variants, known properties, no server-set or enterprise
 * properties, value types, enum names, set/list/map encodings and number formats.
 */

interface TypeSpec {
  readonly type: string;
  readonly format?: string;
  readonly min?: number;
  readonly max?: number;
  readonly nullable?: boolean;
  readonly enumName?: string;
  readonly objectName?: string;
  readonly class?: TypeSpec;
  readonly keyClass?: TypeSpec;
  readonly valueClass?: TypeSpec;
}

interface PropertySpec {
  readonly type: TypeSpec;
  readonly update?: "mutable" | "immutable" | "serverSet";
  readonly enterprise?: boolean;
}

export interface RegistrySchema {
  readonly objects: Record<string, { type: string }>;
  readonly schemas: Record<string, { type: "single"; schemaName: string } | { type: "multiple"; variants: { name: string; schemaName?: string }[] }>;
  readonly fields: Record<string, { properties: Record<string, PropertySpec> }>;
  readonly enums: Record<string, { name: string }[]>;
  /** WebUI list metadata: `labelProperty` (the CLI's default match key) and `filters` (the server's query indexes). */
  readonly lists?: Record<string, { labelProperty?: string; filters?: { field: string }[] }>;
}

/** Where CI and developers find the schema: the shared reference folder beside the repository. */
export const defaultSchemaPath = (): string => join(projectRoot(), "..", "shared", "reference", "stalwart-registry-schema.json.gz");

/** Reads the schema from `STALWART_REGISTRY_SCHEMA` or the default path; undefined when the file is absent. */
export function findRegistrySchema(path = process.env.STALWART_REGISTRY_SCHEMA || defaultSchemaPath()): RegistrySchema | undefined {
  if (!existsSync(path)) return undefined;
  const raw = readFileSync(path);
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
  return JSON.parse(text) as RegistrySchema;
}

const INTEGER_FORMATS = new Set(["unsignedInteger", "integer", "duration", "size"]);
const NON_NEGATIVE_FORMATS = new Set(["unsignedInteger", "duration", "size"]);

export class RegistryValidator {
  constructor(private readonly schema: RegistrySchema) {}

  /** Problems of one plan operation (empty = conforms). */
  validateOperation(op: PlanOperation): string[] {
    const objectKey = `x:${op.object}`;
    const kind = this.schema.objects[objectKey]?.type;
    if (kind === undefined) return [`${op.object}: unknown object`];
    if (op["@type"] === "update") {
      if (kind !== "singleton") return [`${op.object}: "update" without an id needs a singleton, but it is a ${kind}`];
      return this.validateBody(objectKey, op.value, op.object);
    }
    if (kind === "singleton") return [`${op.object}: singletons take "update", not "${op["@type"]}"`];
    if (op["@type"] === "destroy") return this.validateFilter(objectKey, op.value, op.object);
    // stalwart v0.16.18 crates/jmap/src/registry/mapping/action.rs: an Action is only ever created (the server runs
    // it); everything else is matched by upsert/reconcile so that the plan converges.
    if (op["@type"] === "create") {
      const object: string = op.object;
      if (object !== "Action") return [`${object}: "create" is for Action only (other objects take upsert or reconcile)`];
      return Object.entries(op.value).flatMap(([clientId, body]) => this.validateBody(objectKey, body, `${op.object}[${clientId}]`));
    }
    if (op.object === ("Action" as string)) return [`Action: "${op["@type"]}" queries first, and Actions cannot be queried`];
    const problems = op["@type"] === "reconcile" ? this.validateScope(objectKey, op.scope, op.object) : [];
    return problems.concat(
      Object.entries(op.value).flatMap(([clientId, body]) => {
        const where = `${op.object}[${clientId}]`;
        const found = this.validateBody(objectKey, body, where);
        for (const key of op.matchOn) {
          if ((body as Record<string, unknown>)?.[key] === undefined) found.push(`${where}: matchOn "${key}" is not set`);
        }
        return found;
      }),
    );
  }

  /**
   * Properties the server can filter on: its query indexes, which the schema's `lists["x:T"].filters` name
   * (stalwart v0.16.18 crates/jmap/src/registry/query.rs rejects any other with `unsupportedFilter`).
   */
  queryableFields(objectKey: string): ReadonlySet<string> {
    const list = this.schema.lists?.[objectKey] ?? this.schema.lists?.[`${objectKey}/User`];
    const fields = new Set((list?.filters ?? []).map((f) => f.field));
    // x:Account is listed per variant; the server also filters accounts on @type.
    if (objectKey === "x:Account") for (const variant of ["User", "Group"]) for (const f of this.schema.lists?.[`x:Account/${variant}`]?.filters ?? []) fields.add(f.field).add("@type");
    return fields;
  }

  /** A reconcile scope (evaluated by the CLI on the fetched objects): known, non-null properties, or `@type`. */
  private validateScope(objectKey: string, scope: Readonly<Record<string, unknown>>, path: string): string[] {
    const known = this.propertiesOf(objectKey);
    return Object.entries(scope).flatMap(([k, v]) => [
      ...(k !== "@type" && !known.has(k) ? [`${path} scope: unknown property ${k}`] : []),
      ...(v === null || v === undefined ? [`${path} scope: ${k} is null`] : []),
    ]);
  }

  private propertiesOf(objectKey: string): Set<string> {
    const schema = this.schema.schemas[objectKey];
    const fieldSets = schema?.type === "multiple" ? schema.variants.map((v) => v.schemaName) : [schema?.schemaName ?? objectKey];
    return new Set(fieldSets.flatMap((f) => Object.keys(this.schema.fields[f ?? ""]?.properties ?? {})));
  }

  /** A destroy filter: the CLI sends it to the server as a query, which filters only on queryable fields. */
  private validateFilter(objectKey: string, filter: Readonly<Record<string, unknown>>, path: string): string[] {
    const known = this.propertiesOf(objectKey);
    const queryable = this.queryableFields(objectKey);
    return Object.keys(filter).flatMap((k) =>
      !known.has(k) && k !== "@type"
        ? [`${path} destroy filter: unknown property ${k}`]
        : !queryable.has(k)
          ? [`${path} destroy filter: the server cannot filter on ${k} (queryable: ${[...queryable].join(", ") || "nothing"})`]
          : [],
    );
  }

  /** Validates a body of schema `name` (an `x:` object or embedded type); absent properties keep server defaults. */
  validateBody(name: string, body: unknown, path: string): string[] {
    if (!isPlainObject(body)) return [`${path}: expected an object`];
    const schema = this.schema.schemas[name] ?? (this.schema.fields[name] ? { type: "single" as const, schemaName: name } : undefined);
    if (!schema) return [`${path}: unknown type ${name}`];
    let fieldsName: string | undefined;
    const rest: Record<string, unknown> = { ...body };
    if (schema.type === "multiple") {
      const variantName = rest["@type"];
      delete rest["@type"];
      const variant = schema.variants.find((v) => v.name === variantName);
      if (!variant) return [`${path}: "@type" must be one of ${schema.variants.map((v) => v.name).join(", ")} (got ${JSON.stringify(variantName)})`];
      fieldsName = variant.schemaName;
      if (!fieldsName) {
        return Object.keys(rest).map((k) => `${path}.${k}: variant ${variant.name} has no properties`);
      }
    } else {
      if ("@type" in rest) return [`${path}: "@type" given for single-variant ${name}`];
      fieldsName = schema.schemaName;
    }
    const properties = this.schema.fields[fieldsName]?.properties ?? {};
    const problems: string[] = [];
    for (const [key, value] of Object.entries(rest)) {
      const spec = properties[key];
      const at = `${path}.${key}`;
      if (!spec) {
        problems.push(`${at}: unknown property of ${fieldsName}`);
        continue;
      }
      if (spec.update === "serverSet") problems.push(`${at}: set by the server, must not be in a plan`);
      if (spec.enterprise) problems.push(`${at}: enterprise-only property`);
      problems.push(...this.validateValue(spec.type, value, at));
    }
    return problems;
  }

  private validateValue(t: TypeSpec, value: unknown, path: string): string[] {
    if (value === null) return t.nullable ? [] : [`${path}: null is not allowed`];
    switch (t.type) {
      case "string":
        return typeof value === "string" ? checkStringFormat(t.format, value, path) : [`${path}: expected a string`];
      case "boolean":
        return typeof value === "boolean" ? [] : [`${path}: expected a boolean`];
      case "number":
        return this.checkNumber(t, value, path);
      case "enum": {
        const names = (this.schema.enums[t.enumName ?? ""] ?? []).map((e) => e.name);
        return typeof value === "string" && names.includes(value) ? [] : [`${path}: ${JSON.stringify(value)} is not one of enum ${t.enumName}`];
      }
      case "objectId":
        return typeof value === "string" && value.length > 0 ? [] : [`${path}: expected an id or #reference`];
      case "utcDateTime":
        // A Terraform placeholder (e.g. the end of an overlap window) is a timestamp known only at apply.
        return typeof value === "string" && (!Number.isNaN(Date.parse(value)) || /^\{\{terraform(-json)?:\d+\}\}$/.test(value)) ? [] : [`${path}: expected an RFC 3339 date-time`];
      case "blobId":
        return typeof value === "string" ? [] : [`${path}: expected a blob id`];
      case "object":
        return this.validateBody(t.objectName ?? "", value, path);
      case "set":
        return this.checkSet(t, value, path);
      case "objectList":
        return this.checkObjectList(t, value, path);
      case "map":
        return this.checkMap(t, value, path);
      default:
        return [`${path}: unsupported schema type ${t.type}`];
    }
  }

  private checkNumber(t: TypeSpec, value: unknown, path: string): string[] {
    if (typeof value !== "number" || !Number.isFinite(value)) return [`${path}: expected a number`];
    const problems: string[] = [];
    if (INTEGER_FORMATS.has(t.format ?? "") && !Number.isInteger(value)) problems.push(`${path}: ${t.format} must be a whole number (durations in ms, sizes in bytes)`);
    if (NON_NEGATIVE_FORMATS.has(t.format ?? "") && value < 0) problems.push(`${path}: ${t.format} must not be negative`);
    if (t.min !== undefined && value < t.min) problems.push(`${path}: ${value} < minimum ${t.min}`);
    if (t.max !== undefined && value > t.max) problems.push(`${path}: ${value} > maximum ${t.max}`);
    return problems;
  }

  private checkSet(t: TypeSpec, value: unknown, path: string): string[] {
    if (!isPlainObject(value)) return [`${path}: a set is encoded as {"member": true}`];
    return Object.entries(value).flatMap(([member, flag]) => [
      ...(flag === true ? [] : [`${path}.${member}: set members map to true`]),
      ...(t.class ? this.validateValue(t.class, member, `${path}[${member}]`) : []),
    ]);
  }

  private checkObjectList(t: TypeSpec, value: unknown, path: string): string[] {
    if (!isPlainObject(value)) return [`${path}: a list is encoded as {"0": …, "1": …}`];
    const keys = Object.keys(value);
    const problems = keys.every((k, i) => k === String(i)) ? [] : [`${path}: list keys must be "0", "1", … in order (got ${keys.join(", ")})`];
    return problems.concat(keys.flatMap((k) => this.validateBody(t.objectName ?? "", value[k], `${path}[${k}]`)));
  }

  private checkMap(t: TypeSpec, value: unknown, path: string): string[] {
    if (!isPlainObject(value)) return [`${path}: expected a map`];
    return Object.entries(value).flatMap(([k, v]) => [
      ...(t.keyClass ? this.validateValue(t.keyClass, k, `${path} key ${k}`) : []),
      ...(t.valueClass ? this.validateValue(t.valueClass, v, `${path}[${k}]`) : []),
    ]);
  }
}

function checkStringFormat(format: string | undefined, value: string, path: string): string[] {
  const bad = (what: string) => [`${path}: ${JSON.stringify(value)} is not ${what}`];
  switch (format) {
    case "emailAddress":
      return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) ? [] : bad("an email address");
    case "uri":
      return URL.canParse(value) ? [] : bad("a URI");
    case "socketAddress":
      return /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/.test(value) ? [] : bad("a socket address such as [::]:25");
    case "ipNetwork":
      return /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(value) ? [] : bad("an IP network");
    case "ipAddress":
      return /^[0-9a-fA-F:.]+$/.test(value) ? [] : bad("an IP address");
    default:
      return [];
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
