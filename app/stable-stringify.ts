/**
 * json-stable-stringify 1.3.0's output, written faster: the bundled app command uses it in place of that package
 * (an esbuild alias in `npm run bundle`), which cdktf's synthesizer writes every stack file and the manifest with
 * (`stringify(value, { space: 2 })`, cdktf 0.21.0 lib/synthesize/synthesizer.js and lib/manifest.js). The library
 * builds each line's indent again per value and looks a value up among its ancestors with a linear search: a tenth
 * of a large fleet's synthesis, and its text is a rope of concatenations that writing it must flatten first.
 *
 * The text is the library's to the byte (`stable-stringify.test.ts` compares the two on every stack of the test
 * fleets and on random values): keys in code-unit order; values that write as nothing (`undefined`, functions,
 * symbols) left out of objects and written `null` in arrays; `toJSON` called with no argument; an empty array or
 * object still broken over two lines (`[` newline indent `]`), as the library does unless `collapseEmpty`; a
 * circular object refused. Only the `space` option exists here: cdktf passes no other, and any other is refused
 * rather than ignored.
 */
export = function stableStringify(value: unknown, options?: { readonly space?: string | number }): string | undefined {
  const unsupported = typeof options === "function" ? ["cmp"] : Object.keys(options ?? {}).filter((k) => k !== "space");
  if (unsupported.length > 0) throw new TypeError(`stable-stringify: unsupported option ${unsupported.join(", ")}`);
  const space = typeof options?.space === "number" ? " ".repeat(options.space) : (options?.space ?? "");
  const pieces: string[] = [];
  // One join at the end makes one flat string; concatenating as we go builds a rope that writing must flatten.
  return write(value, space ? "\n" : "", { space, colon: space ? ": " : ":", ancestors: new Set(), pieces }) ? pieces.join("") : undefined;
};

interface Writer {
  readonly space: string;
  readonly colon: string;
  readonly ancestors: Set<object>;
  readonly pieces: string[];
}

/**
 * Appends `value` as the library writes it at the line prefix `indent` (a newline and the depth's spaces, or
 * nothing); false when it writes as nothing.
 */
function write(value: unknown, indent: string, w: Writer): boolean {
  if (value && typeof (value as { toJSON?: unknown }).toJSON === "function") value = (value as { toJSON: () => unknown }).toJSON();
  if (typeof value !== "object" || value === null) {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return false;
    w.pieces.push(text);
    return true;
  }
  const inner = indent + w.space;
  if (Array.isArray(value)) {
    w.pieces.push("[");
    for (let i = 0; i < value.length; i++) {
      w.pieces.push(i === 0 ? inner : `,${inner}`);
      if (!write(value[i], inner, w)) w.pieces.push("null");
    }
    w.pieces.push(`${indent}]`);
    return true;
  }
  if (w.ancestors.has(value)) throw new TypeError("Converting circular structure to JSON");
  w.ancestors.add(value);
  w.pieces.push("{");
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const mark = w.pieces.length;
    w.pieces.push(`${first ? "" : ","}${inner}${JSON.stringify(key)}${w.colon}`);
    // A value that writes as nothing takes its key with it.
    if (write((value as Record<string, unknown>)[key], inner, w)) first = false;
    else w.pieces.length = mark;
  }
  w.ancestors.delete(value);
  w.pieces.push(`${indent}}`);
  return true;
}
