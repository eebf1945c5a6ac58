import fc from "fast-check";
import jsonStableStringify from "json-stable-stringify";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import stableStringify = require("../app/stable-stringify");
import { buildApp } from "../app/synth-chunk";
import { loadFleetFile } from "../fleet/load";
import { allStacks } from "./helpers/synth";
import { TEST_FLEETS } from "./helpers/test-fleets";

describe("stableStringify: json-stable-stringify's text, which the bundle writes stacks with", () => {
  it.each(Object.keys(TEST_FLEETS))("writes every stack of the %s fleet as json-stable-stringify does", (fleet) => {
    const { stacks } = buildApp(loadFleetFile(TEST_FLEETS[fleet]), mkdtempSync(join(tmpdir(), "sovereign-mail-stable-")));
    for (const stack of allStacks(stacks)) {
      const document = stack.toTerraform();
      expect(stableStringify(document, { space: 2 })).toBe(jsonStableStringify(document, { space: 2 }));
    }
  });

  it("equals json-stable-stringify on random values, with every space the library accepts", () => {
    // Keys that sort differently as numbers and as text, an empty key, and one outside the BMP.
    const key = fc.oneof(fc.string(), fc.constantFrom("10", "9", "1", "", "\u{1F600}", "a b", "__proto_"));
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.constant(Symbol("s")),
      fc.date({ noInvalidDate: true }),
      fc.constant({ toJSON: () => ({ b: 1, a: [undefined] }) }),
      fc.constant({ toJSON: () => undefined }),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
      array: fc.array(tie("node"), { maxLength: 4 }),
      object: fc.dictionary(key, tie("node"), { maxKeys: 4 }),
    })).node;
    fc.assert(
      fc.property(value, fc.constantFrom<string | number | undefined>(undefined, 0, 2, 4, "\t", ""), (v, space) => {
        const options = space === undefined ? undefined : { space };
        expect(stableStringify(v, options)).toBe(jsonStableStringify(v, options));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes empty containers over two lines, as the library does unless collapseEmpty", () => {
    expect(stableStringify({ a: [], b: {} }, { space: 2 })).toBe('{\n  "a": [\n  ],\n  "b": {\n  }\n}');
  });

  it("refuses a circular object and any option but space", () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = { back: circular };
    expect(() => stableStringify(circular, { space: 2 })).toThrow("Converting circular structure to JSON");
    // The same object twice, side by side, is not a cycle.
    const shared = { x: 1 };
    expect(stableStringify({ a: shared, b: shared })).toBe(jsonStableStringify({ a: shared, b: shared }));
    expect(() => stableStringify({}, { space: 2, cycles: true } as never)).toThrow("unsupported option cycles");
    expect(() => stableStringify({}, (() => 0) as never)).toThrow("unsupported option cmp");
  });
});
