import fc from "fast-check";
import { App, DataResource, Fn, Lazy, TerraformStack, Testing, Token } from "cdktf";
import { DefaultTokenResolver, StringConcat } from "cdktf/lib/tokens/resolvable";
import * as cdktfResolve from "cdktf/lib/tokens/private/resolve";
import { resolve as ported } from "../constructs/terraform/token-resolve";
import { TerraformData } from "../constructs/terraform/terraform-data";

// cdktf's own resolver, taken before any stack module installs the port in its place.
const original = cdktfResolve.resolve;

describe("the port of cdktf's token resolver", () => {
  const stack = new TerraformStack(Testing.app(), "s");
  const data = new DataResource(stack, "d", { input: { a: "b" } });
  // Plain text, text that only looks like an encoded number, and real tokens of each kind.
  const leaf = fc.oneof(
    fc.string(),
    fc.constantFrom("1e5", "-2.5e+10", "a|e|b", "TfToken[", "${TfToken[NOPE]}", "String Map Token Value", "$${x}"),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constantFrom(
      () => data.id,
      () => `x-${data.id}-y`,
      () => Token.asNumber(data.getNumberAttribute("n")),
      () => data.getListAttribute("l"),
      () => Fn.join(",", ["a", data.id]),
      () => Lazy.stringValue({ produce: () => "lazy" }),
      () => `${Token.asNumber(Lazy.numberValue({ produce: () => 7 }))}`,
      () => new Date(0),
    ),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.string(), tie("node"), { maxKeys: 4 })),
  })).node;
  // Tokens are made fresh per run (a thunk stands for one), so both resolvers see the same objects.
  const materialize = (v: unknown): unknown =>
    typeof v === "function" ? (v as () => unknown)() : Array.isArray(v) ? v.map(materialize) : v && typeof v === "object" && !(v instanceof Date) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, materialize(x)])) : v;
  const run = (f: typeof original, v: unknown) => {
    try {
      return { value: f(v, { scope: stack, prefix: [], resolver: new DefaultTokenResolver(new StringConcat()), preparing: false }) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  it("resolves any structure of values and tokens exactly as cdktf does, errors included", () => {
    fc.assert(
      fc.property(value, (v) => {
        const input = materialize(v);
        expect(run(ported, input)).toEqual(run(original, input));
      }),
      { numRuns: 400 },
    );
  });

  it("names the same path in the error for a structure nested too deep", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 210; i++) deep = { k: deep };
    expect(run(ported, deep)).toEqual(run(original, deep));
    expect(run(ported, deep).error).toMatch(/\/k\/k\//);
  });
});

describe("TerraformData", () => {
  it("writes terraform_data as cdktf's DataResource does", () => {
    const synth = (make: (stack: TerraformStack) => void) => {
      const app = new App();
      const stack = new TerraformStack(app, "s");
      make(stack);
      const json = JSON.parse(Testing.synth(stack)) as { resource: { terraform_data: Record<string, { "//"?: unknown }> } };
      return Object.values(json.resource.terraform_data).map(({ "//": _, ...body }) => body);
    };
    const withDependency = (stack: TerraformStack, make: (dep: DataResource) => void) => make(new DataResource(stack, "dep", {}));
    const cdktf = synth((s) => withDependency(s, (dep) => new DataResource(s, "marker", { input: { name: "lb-1", n: 2 }, dependsOn: [dep] })));
    const ours = synth((s) => withDependency(s, (dep) => new TerraformData(s, "marker", { input: { name: "lb-1", n: 2 }, dependsOn: [dep] })));
    expect(ours).toEqual(cdktf);
  });
});
