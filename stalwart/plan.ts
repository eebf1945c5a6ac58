import { orderedList, type OrderedList } from "./encoding";
import { SINGLETONS, type CollectionName, type ObjectBodies, type SingletonName } from "./objects";

/** One line of a `stalwart-cli apply` plan. Only idempotent operations: the same plan applied twice converges. */
export type PlanOperation =
  | {
      readonly "@type": "upsert";
      readonly object: CollectionName;
      /** Natural key the CLI matches existing objects on. */
      readonly matchOn: readonly string[];
      readonly value: Readonly<Record<string, unknown>>;
    }
  /**
   * Makes the objects of `object` inside `scope` exactly `value`: matched entries are updated, missing ones
   * created, and every other in-scope object is destroyed after all other operations (stalwart-cli apply).
   */
  | {
      readonly "@type": "reconcile";
      readonly object: CollectionName;
      readonly matchOn: readonly string[];
      readonly scope: Readonly<Record<string, unknown>>;
      readonly value: Readonly<Record<string, unknown>>;
    }
  | { readonly "@type": "update"; readonly object: SingletonName; readonly value: Readonly<Record<string, unknown>> }
  /** Creates objects that are never matched (an `Action`: the server runs it, nothing is stored). */
  | { readonly "@type": "create"; readonly object: "Action"; readonly value: Readonly<Record<string, unknown>> }
  /** Removes the objects whose properties equal all of `value` (none: a no-op); the CLI runs destroys first. */
  | { readonly "@type": "destroy"; readonly object: CollectionName; readonly value: Readonly<Record<string, string>> };

const CLIENT_ID = /^[a-z][a-z0-9-]*$/;

/** The placeholders' expressions: plain values, JSON values, and the conditions of conditional list entries. */
export interface TerraformParts {
  readonly values: readonly string[];
  readonly jsonValues: readonly string[];
  readonly conditionalEntries: readonly { readonly condition: unknown; readonly text: string }[];
}

/**
 * An ordered, idempotent Stalwart configuration plan: `upsert` for objects (matched on a natural key),
 * `update` for singletons, parents before the objects that reference them (`#clientId`), and `destroy` for
 * objects an earlier configuration created that this one no longer has.
 * Rendering is deterministic: fixed operation order, `@type` first, other keys sorted.
 */
export class ConfigPlan {
  private readonly ops: PlanOperation[] = [];
  private readonly clientIds = new Set<string>();
  private readonly terraformValues: string[] = [];
  private readonly jsonValues: string[] = [];
  private readonly conditionalEntries: { readonly condition: unknown; readonly text: string }[] = [];
  private readonly choices = new Map<string, readonly string[]>();

  /**
   * A value Terraform knows only at apply time (e.g. a generated password's bcrypt hash). The plan holds a
   * placeholder; `renderForTerraform` puts the expression in its place, so the value reaches the cluster
   * without ever being in synthesized JSON.
   */
  terraformValue(expression: string): string {
    this.terraformValues.push(expression);
    return `{{terraform:${this.terraformValues.length - 1}}}`;
  }

  /**
   * A value Terraform picks among known candidates at plan time (e.g. a DKIM key's rotation stage): a
   * {@link terraformValue} whose possible values {@link variants} shows, so schema validation covers each of them.
   */
  terraformChoice<T extends string>(expression: string, candidates: readonly T[]): T {
    if (candidates.length === 0) throw new Error("a Terraform choice needs at least one candidate");
    const placeholder = this.terraformValue(expression);
    this.choices.set(placeholder, candidates);
    // Typed as the candidates: the placeholder stands for one of them.
    return placeholder as T;
  }

  /**
   * A JSON value (any type, `null` included) Terraform picks at plan time among `candidates`: rendered as
   * `${jsonencode(expression)}` in place of the quoted placeholder, so it can be a string or JSON null.
   */
  terraformJsonChoice<T>(expression: string, candidates: readonly T[]): T {
    if (candidates.length === 0) throw new Error("a Terraform choice needs at least one candidate");
    this.jsonValues.push(expression);
    const placeholder = `{{terraform-json:${this.jsonValues.length - 1}}}`;
    this.choices.set(placeholder, candidates as readonly unknown[] as readonly string[]);
    return placeholder as T;
  }

  /**
   * The operations once for each candidate position: variant `j` resolves every {@link terraformChoice} to its
   * `j`-th candidate (or its last), so together the variants hold every value each choice can take.
   */
  get variants(): readonly (readonly PlanOperation[])[] {
    const count = Math.max(1, ...[...this.choices.values()].map((c) => c.length));
    const candidate = (j: number) => (placeholder: string) => {
      const candidates = this.choices.get(placeholder);
      return candidates?.[Math.min(j, candidates.length - 1)];
    };
    return Array.from({ length: count }, (_, j) => this.ops.map((op) => resolveChoices(op, candidate(j))));
  }

  /**
   * An ordered list whose last entry exists only while `condition` (a Terraform boolean, evaluated at plan time)
   * holds, e.g. a previous password during its overlap window. {@link render} shows the list with the entry
   * (that shape is what is validated); `renderForTerraform` wraps the entry in a Terraform conditional.
   */
  orderedListWhile<T>(items: readonly T[], conditionalEntry: T, condition: unknown): OrderedList<T> {
    this.conditionalEntries.push({ condition, text: `,"${items.length}":${JSON.stringify(canonical(conditionalEntry))}` });
    return orderedList([...items, conditionalEntry]);
  }

  /** Creates or updates the object whose `matchOn` properties equal those of `body`. */
  upsert<K extends CollectionName>(object: K, clientId: string, matchOn: readonly (keyof ObjectBodies[K] & string)[], body: ObjectBodies[K]): this {
    if (!CLIENT_ID.test(clientId)) throw new Error(`client id "${clientId}" must be lower-case kebab-case`);
    if (this.clientIds.has(clientId)) throw new Error(`client id "${clientId}" is used twice in the plan`);
    for (const key of matchOn) {
      if ((body as unknown as Record<string, unknown>)[key] === undefined) throw new Error(`${object} "${clientId}": matchOn key "${key}" has no value`);
    }
    this.assertRefsResolve(body, `${object} "${clientId}"`);
    this.clientIds.add(clientId);
    this.ops.push({ "@type": "upsert", object, matchOn: [...matchOn], value: { [clientId]: body } });
    return this;
  }

  /**
   * Makes the set of `object`s inside `scope` exactly `entries` (client id → body): what the server created at
   * first boot, or an earlier configuration, and this one no longer has is destroyed. The CLI matches on
   * `matchOn` client-side; `scope` properties may reference earlier client ids (`#domain`).
   */
  reconcile<K extends CollectionName>(object: K, matchOn: readonly string[], scope: Readonly<Record<string, unknown>>, entries: Readonly<Record<string, ObjectBodies[K]>>): this {
    if (matchOn.length === 0) throw new Error(`reconcile ${object}: needs a matchOn`);
    for (const [clientId, body] of Object.entries(entries)) {
      if (!CLIENT_ID.test(clientId)) throw new Error(`client id "${clientId}" must be lower-case kebab-case`);
      if (this.clientIds.has(clientId)) throw new Error(`client id "${clientId}" is used twice in the plan`);
      for (const key of matchOn) {
        if ((body as unknown as Record<string, unknown>)[key] === undefined) throw new Error(`${object} "${clientId}": matchOn key "${key}" has no value`);
      }
      this.assertRefsResolve(body, `${object} "${clientId}"`);
    }
    this.assertRefsResolve(scope, `${object} scope`);
    for (const clientId of Object.keys(entries)) this.clientIds.add(clientId);
    this.ops.push({ "@type": "reconcile", object, matchOn: [...matchOn], scope: { ...scope }, value: { ...entries } });
    return this;
  }

  /** Runs a server action (`ReloadSettings`, `ReloadTlsCertificates`, …): `create` is the only operation an Action takes. */
  action(clientId: string, type: string): this {
    if (!CLIENT_ID.test(clientId)) throw new Error(`client id "${clientId}" must be lower-case kebab-case`);
    this.ops.push({ "@type": "create", object: "Action", value: { [clientId]: { "@type": type } } });
    return this;
  }

  /**
   * Removes the objects whose properties equal `filter` (an AND of equalities, what the CLI supports), e.g. what an
   * earlier version of the configuration created under another natural key. Matching nothing is not an error.
   */
  destroy<K extends CollectionName>(object: K, filter: Partial<Record<keyof ObjectBodies[K] & string, string>>): this {
    if (Object.keys(filter).length === 0) throw new Error(`destroy ${object}: an empty filter would remove every object`);
    this.ops.push({ "@type": "destroy", object, value: filter as Record<string, string> });
    return this;
  }

  /** Patches a singleton; only the given properties change. */
  update<K extends SingletonName>(object: K, body: ObjectBodies[K]): this {
    if (!(SINGLETONS as readonly string[]).includes(object)) throw new Error(`${object} is not a singleton`);
    this.assertRefsResolve(body, object);
    this.ops.push({ "@type": "update", object, value: body as unknown as Record<string, unknown> });
    return this;
  }

  /** What stands behind the placeholders, for the Terraform rendering (constructs/stalwart/plan-terraform.ts). */
  get terraformParts(): TerraformParts {
    return { values: this.terraformValues, jsonValues: this.jsonValues, conditionalEntries: this.conditionalEntries };
  }

  /** What the plan sets on a singleton: its updates merged in order. @default undefined when the plan never updates it */
  settingOf<K extends SingletonName>(object: K): Partial<ObjectBodies[K]> | undefined {
    const updates = this.ops.filter((op): op is Extract<PlanOperation, { "@type": "update" }> => op["@type"] === "update" && op.object === object);
    return updates.length === 0 ? undefined : (Object.assign({}, ...updates.map((op) => op.value)) as Partial<ObjectBodies[K]>);
  }

  get operations(): readonly PlanOperation[] {
    return this.ops;
  }

  /** NDJSON, one operation per line, with a trailing newline; Terraform values appear as placeholders. */
  render(): string {
    return this.ops.map((op) => JSON.stringify(canonical(op))).join("\n") + "\n";
  }

  private assertRefsResolve(body: unknown, where: string): void {
    for (const r of collectRefs(body)) {
      if (!this.clientIds.has(r)) throw new Error(`${where} references #${r}, which no earlier operation creates`);
    }
  }
}

/** Every `#clientId` in string values and object keys (sets of ids are keyed by the reference). */
export function collectRefs(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") {
    if (value.startsWith("#") && value.length > 1) out.add(value.slice(1));
  } else if (Array.isArray(value)) {
    value.forEach((v) => collectRefs(v, out));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("#") && k.length > 1) out.add(k.slice(1));
      collectRefs(v, out);
    }
  }
  return out;
}

/** `value` with every string `pick` has a candidate for replaced by it. */
function resolveChoices<T>(value: T, pick: (placeholder: string) => unknown): T {
  if (typeof value === "string") {
    const picked = pick(value);
    return (picked === undefined ? value : picked) as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveChoices(v, pick)) as T;
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveChoices(v, pick)])) as T;
}

/** Deterministic key order: `@type` first, then the rest sorted; list indices ("0", "1", …) sort numerically. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a === "@type" ? -1 : b === "@type" ? 1 : compareKeys(a, b)));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
}

const compareKeys = (a: string, b: string) => {
  const [na, nb] = [Number(a), Number(b)];
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
};

/** Parses a rendered plan back into operations (for tools and tests). */
export function parsePlan(ndjson: string): PlanOperation[] {
  return ndjson
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as PlanOperation);
}
