/**
 * One text per value, for hashing (never parsed back): object keys sorted, `undefined` (also as a property or an
 * array hole), `-0`, `NaN` and the infinities written as themselves instead of collapsing as in JSON. Anything
 * but plain data (a class instance, Map, Date, function, symbol, accessor) is refused rather than written as
 * something that could stand for two different values.
 */
export function canonicalJson(value: unknown, memo: WeakMap<object, string> = new WeakMap()): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : Number.isFinite(value) ? JSON.stringify(value) : String(value);
    case "boolean":
      return String(value);
    case "undefined":
      return "undefined";
    case "bigint":
      return `${value}n`;
    case "object":
      if (value === null) return "null";
      return memo.get(value) ?? memoized(value, memo);
    default:
      throw new TypeError(`cannot hash a ${typeof value}`);
  }
}

function memoized(value: object, memo: WeakMap<object, string>): string {
  if (Object.getOwnPropertySymbols(value).length > 0) throw new TypeError("cannot hash an object with symbol keys");
  const descriptors = Object.getOwnPropertyDescriptors(value);
  if (Object.values(descriptors).some((d) => d.get !== undefined || d.set !== undefined)) throw new TypeError("cannot hash an accessor property");
  let text: string;
  if (Array.isArray(value)) {
    if (Object.keys(descriptors).length !== value.length + 1) throw new TypeError("cannot hash an array with holes or extra properties");
    text = `[${value.map((v) => canonicalJson(v, memo)).join(",")}]`;
  } else {
    // A plain object's prototype is null or some realm's Object.prototype (structuredClone in a test's vm context
    // makes the other realm's); a class instance's has a prototype of its own.
    const proto = Object.getPrototypeOf(value);
    if (proto !== null && (Object.getPrototypeOf(proto) !== null || Object.prototype.toString.call(value) !== "[object Object]")) {
      throw new TypeError(`cannot hash a ${proto?.constructor?.name ?? "non-plain"} object`);
    }
    const keys = Object.keys(descriptors);
    if (keys.some((k) => !descriptors[k].enumerable)) throw new TypeError("cannot hash a non-enumerable property");
    text = `{${keys
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], memo)}`)
      .join(",")}}`;
  }
  // Only deeply frozen objects are remembered: one that can still change could hash differently next time.
  const children = Object.values(value) as unknown[];
  if (Object.isFrozen(value) && children.every((c) => c === null || typeof c !== "object" || memo.has(c))) memo.set(value, text);
  return text;
}
