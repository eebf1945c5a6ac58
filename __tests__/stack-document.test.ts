import { App, DefaultTokenResolver, Fn, Lazy, StringConcat, TerraformLocal, TerraformOutput, TerraformStack, TerraformVariable, Token, Tokenization } from "cdktf";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../app/synth-chunk";
import { isLiteral, resolveStackValue } from "../constructs/terraform/literal-resolve";
import { stackDocument } from "../constructs/terraform/stack-document";
import { loadFleetFile } from "../fleet/load";
import { allStacks } from "./helpers/synth";
import { TEST_FLEETS } from "./helpers/test-fleets";

/** cdktf's own document of a stack (the method BaseStack replaces). */
const cdktfDocument = (stack: TerraformStack): unknown => TerraformStack.prototype.toTerraform.call(stack);
/** Key order is part of the bytes written. */
const bytes = (v: unknown) => JSON.stringify(v, null, 2);

describe("stackDocument: cdktf's stack JSON without cdktf's walk over literals", () => {
  it.each(Object.keys(TEST_FLEETS))("equals cdktf's TerraformStack.toTerraform, key order included, for every stack of the %s fleet", (fleet) => {
    const { stacks } = buildApp(loadFleetFile(TEST_FLEETS[fleet]), mkdtempSync(join(tmpdir(), "sovereign-mail-doc-")));
    const all = allStacks(stacks);
    expect(all.length).toBeGreaterThan(1);
    for (const stack of all) expect(bytes(stackDocument(stack))).toBe(bytes(cdktfDocument(stack)));
  });

  it("equals cdktf's for a stack with outputs, variables, a token-valued stack override and nested constructs", () => {
    const app = new App();
    const stack = new TerraformStack(app, "s");
    const v = new TerraformVariable(stack, "v", { type: "string" });
    const map = new ConfigMapV1(stack, "cm", { metadata: { name: v.stringValue, labels: { "a.b/c": "d" } }, data: { k: Fn.upper(v.stringValue), literal: "$${not}" } });
    new TerraformOutput(stack, "o", { value: map.id });
    stack.addOverride("terraform.required_version", ">= 1.5.0");
    // A token override replaces what it lands on (cdktf merges tokens whole): local x loses "kept".
    new TerraformLocal(stack, "x", { kept: "yes" });
    stack.addOverride("locals.x", Lazy.anyValue({ produce: () => ({ y: v.stringValue }) }));
    map.addOverride("lifecycle.ignore_changes", ["data"]);
    expect(bytes(stackDocument(stack))).toBe(bytes(cdktfDocument(stack)));
  });
});

describe("resolveStackValue", () => {
  const app = new App();
  const stack = new TerraformStack(app, "s");
  const v = new TerraformVariable(stack, "v", { type: "list(string)" });
  const cdktf = (value: unknown) => Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
  // Values cdktf treats specially, mixed into random JSON.
  const special = fc.constantFrom<unknown>(
    v.stringValue,
    `prefix-${v.stringValue}-suffix`,
    v.listValue,
    v.numberValue,
    Token.asString(v.numberValue),
    String(v.numberValue),
    `port ${v.numberValue}`,
    Lazy.stringValue({ produce: () => "lazy" }),
    Lazy.anyValue({ produce: () => ({ nested: [v.stringValue, undefined, 1] }) }),
    Fn.join(",", v.listValue),
    "$${literal}",
    "%{ if x }",
    "1.5e+10",
    "a-e-b",
    undefined,
    null,
    new Date(0),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.boolean(), special, tie("array"), tie("object")),
    array: fc.array(tie("node"), { maxLength: 4 }),
    object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("${x}", "1e5", "__proto__x")), tie("node"), { maxKeys: 4 }),
  })).node;

  it("resolves any value exactly as cdktf does (fast-check)", () => {
    fc.assert(fc.property(value, (x) => expect(bytes(resolveStackValue(stack, x))).toBe(bytes(cdktf(x)))), { numRuns: 500 });
  });

  it("a number below 1e200 is never a token (cdktf's encoded tokens are near 1e289), and resolves to itself", () => {
    for (const token of [v.numberValue, Token.asNumber(v.stringValue), ...Token.asNumberList(v.listValue)]) expect(Math.abs(token)).toBeGreaterThan(1e280);
    fc.assert(fc.property(fc.double({ min: -1e200, max: 1e200, noNaN: true }), (n) => Object.is(cdktf(n), n) && Object.is(resolveStackValue(stack, n), n)));
    expect(() => resolveStackValue(stack, Token.NUMBER_MAP_TOKEN_VALUE)).toThrow();
  });

  it("raises what cdktf raises: a construct, a function, a list token inside a string", () => {
    for (const bad of [{ inner: stack }, { f: () => 1 }, { s: `x${v.listValue}` }]) {
      expect(() => cdktf(bad)).toThrow();
      expect(() => resolveStackValue(stack, bad)).toThrow();
    }
  });

  it("calls plain data literal, and anything holding a token not", () => {
    expect(isLiteral({ terraform: { required_version: ">= 1.5.0" }, a: ["x", { b: true }] })).toBe(true);
    expect(isLiteral({ a: [v.stringValue] })).toBe(false);
    expect(isLiteral({ a: Lazy.anyValue({ produce: () => 1 }) })).toBe(false);
    expect(isLiteral({ a: [3, -1.5e199] })).toBe(true);
    expect(isLiteral({ a: [3, v.numberValue] })).toBe(false);
    expect(isLiteral({ a: Token.NUMBER_MAP_TOKEN_VALUE })).toBe(false);
  });
});
