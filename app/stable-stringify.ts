/**
 * json-stable-stringify 1.3.0's output, written faster: the bundled app command uses it in place of that package
 * (an esbuild alias in `npm run bundle`), which cdktf's synthesizer writes every stack file and the manifest with
 * (`stringify(value, { space: 2 })`, cdktf 0.21.0 lib/synthesize/synthesizer.js and lib/manifest.js). The library
 * builds each line's indent again per value and looks a value up among its ancestors with a linear search: a tenth
 * of a large fleet's synthesis.
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
  return write(value, space ? "\n" : "", space, space ? ": " : ":", new Set());
};

/** `value` as the library writes it at the line prefix `indent` (a newline and the depth's spaces, or nothing). */
function write(value: unknown, indent: string, space: string, colon: string, ancestors: Set<object>): string | undefined {
  if (value && typeof (value as { toJSON?: unknown }).toJSON === "function") value = (value as { toJSON: () => unknown }).toJSON();
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const inner = indent + space;
  let text: string;
  if (Array.isArray(value)) {
    text = "[";
    for (let i = 0; i < value.length; i++) {
      text += `${i === 0 ? "" : ","}${inner}${write(value[i], inner, space, colon, ancestors) || "null"}`;
    }
    return `${text}${indent}]`;
  }
  if (ancestors.has(value)) throw new TypeError("Converting circular structure to JSON");
  ancestors.add(value);
  text = "{";
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const written = write((value as Record<string, unknown>)[key], inner, space, colon, ancestors);
    if (!written) continue;
    text += `${first ? "" : ","}${inner}${JSON.stringify(key)}${colon}${written}`;
    first = false;
  }
  ancestors.delete(value);
  return `${text}${indent}}`;
}
