import { App, conditional, DefaultTokenResolver, Fn, Lazy, Op, StringConcat, TerraformLocal, TerraformStack, TerraformVariable, Token, Tokenization, type IResolvable, type IResolveContext } from "cdktf";
import fc from "fast-check";
import { resolveStackValue } from "../constructs/terraform/literal-resolve";
import { MemoizingTokenResolver } from "../constructs/terraform/memoizing-resolver";

const app = new App();
const stack = new TerraformStack(app, "s");
const v = new TerraformVariable(stack, "v", { type: "string" });
const slots = new TerraformLocal(stack, "slots", { active: "a", pending: "b" });
const cdktf = (value: unknown) => Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
const text = (value: unknown) => JSON.stringify(value);

/** A token that counts how often it is resolved, and resolves to a reference. */
class Counted implements IResolvable {
  readonly creationStack: string[] = [];
  calls = 0;
  resolve(context: IResolveContext): string {
    this.calls++;
    return context.suppressBraces ? "var.counted" : "${var.counted}";
  }
}

describe("MemoizingTokenResolver", () => {
  it("resolves a token nested in cdktf expressions once per set of context flags, where cdktf resolves it many times", () => {
    const build = (leaf: IResolvable) => Fn.nonsensitive(Fn.sha256(Fn.join("|", [Token.asString(conditional(Op.eq(leaf, "a"), "x", conditional(Op.eq(leaf, "b"), "y", "z"))), Token.asString(leaf)])));
    const [plain, memo] = [new Counted(), new Counted()];
    const expected = cdktf({ annotation: build(plain), again: build(plain) });
    expect(resolveStackValue(stack, { annotation: build(memo), again: build(memo) })).toEqual(expected);
    expect(plain.calls).toBeGreaterThan(20);
    // One text inside the expressions (braces suppressed), and that is all.
    expect(memo.calls).toBe(1);
  });

  it("keeps a token's text apart by the context flags cdktf passes down: braces at the top, none inside an expression", () => {
    const ref = Token.asString(Fn.lookup(slots.asAnyMap, "active"));
    const value = { top: ref, inside: Fn.upper(ref), mixed: `x-${ref}`, again: ref };
    expect(resolveStackValue(stack, value)).toEqual(cdktf(value));
    expect(resolveStackValue(stack, value)).toEqual({ top: "${local.slots.active}", inside: "${upper(local.slots.active)}", mixed: "x-${local.slots.active}", again: "${local.slots.active}" });
  });

  it("gives cdktf's text for random nests of functions, conditionals, operators and references (fast-check)", () => {
    const leaf = fc.constantFrom<unknown>(v.stringValue, Token.asString(Fn.lookup(slots.asAnyMap, "active")), Token.asString(Fn.lookup(slots.asAnyMap, "pending")), "lit$${x}", Fn.rawString('q"uote'), "two\nlines", 3, true);
    const expr = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.tuple(tie("node"), tie("node"), tie("node")).map(([c, a, b]) => Token.asString(conditional(c, a, b))),
        fc.tuple(tie("node"), tie("node")).map(([a, b]) => Token.asString(Op.eq(a, b))),
        fc.array(tie("node"), { maxLength: 3 }).map((xs) => Fn.join(",", xs as string[])),
        tie("node").map((x) => Fn.sha256(Token.asString(x))),
        tie("node").map((x) => Fn.jsonencode(x)),
      ),
    })).node;
    fc.assert(
      fc.property(fc.array(expr, { minLength: 1, maxLength: 4 }), (values) => {
        // Each value twice: the second resolution of every token is remembered text.
        const doc = { first: values, second: values };
        expect(text(resolveStackValue(stack, doc))).toBe(text(cdktf(doc)));
      }),
      { numRuns: 300 },
    );
  });

  it("remembers no object: a Lazy value producing an object gives each place its own copy", () => {
    const lazy = Lazy.anyValue({ produce: () => ({ nested: [v.stringValue] }) });
    const resolver = new MemoizingTokenResolver(stack);
    const [a, b] = [resolveStackValue(stack, lazy, resolver), resolveStackValue(stack, lazy, resolver)] as { nested: string[] }[];
    expect(a).toEqual({ nested: ["${var.v}"] });
    a.nested.push("changed");
    expect(b).toEqual({ nested: ["${var.v}"] });
  });

  it("remembers no failure: a token that throws raises cdktf's error on every resolution", () => {
    let calls = 0;
    const failing: IResolvable = { creationStack: [], resolve: () => (calls++, (() => { throw new Error("boom"); })()) };
    const resolver = new MemoizingTokenResolver(stack);
    for (let i = 0; i < 2; i++) expect(() => resolveStackValue(stack, { x: Fn.upper(Token.asString(failing)) }, resolver)).toThrow(/Resolution error: boom/);
    expect(calls).toBe(2);
  });

  it("does not remember for another scope, nor in cdktf's preparing pass", () => {
    const other = new TerraformStack(app, "other");
    const counted = new Counted();
    const resolver = new MemoizingTokenResolver(stack);
    for (const scope of [other, other]) Tokenization.resolve(Fn.upper(Token.asString(counted)), { scope, preparing: false, resolver });
    for (let i = 0; i < 2; i++) Tokenization.resolve(Fn.upper(Token.asString(counted)), { scope: stack, preparing: true, resolver });
    expect(counted.calls).toBe(4);
  });
});
