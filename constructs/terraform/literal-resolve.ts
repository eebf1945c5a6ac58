import { Token, Tokenization, type ITokenResolver } from "cdktf";
import type { IConstruct } from "constructs";
import { MemoizingTokenResolver } from "./memoizing-resolver";

/**
 * cdktf's resolution of a stack's JSON, with the literal parts skipped.
 *
 * cdktf resolves a stack by walking every value of it twice (each element, then the whole document), building a
 * resolution context per value: about a third of synthesis time, although nearly every value is a plain literal.
 * This walk copies literal strings, plain numbers, arrays and plain objects itself, and hands every value that is
 * or may hold a token to cdktf's public `Tokenization.resolve` with cdktf's resolver, one that remembers each
 * token's text (give all values of one stack the same {@link MemoizingTokenResolver}), so what a token becomes (and
 * every error cdktf raises) is cdktf's own. `stack-document.test.ts` compares the result with cdktf's resolution on
 * random values and with `TerraformStack.toTerraform` for every stack of every test fleet.
 */
export function resolveStackValue(scope: IConstruct, value: unknown, resolver: ITokenResolver = new MemoizingTokenResolver(scope)): unknown {
  return walk(value, (v) => Tokenization.resolve(v, { scope, preparing: false, resolver }), 0);
}

/** cdktf's path-length limit for circular values: deeper ones go to cdktf, which reports them its way. */
const MAX_DEPTH = 200;

/**
 * Whether cdktf could read a string as anything but itself: the string, list and map token markers
 * (`${TfToken[`, `#{TfToken[`, `&{TfToken[`; cdktf looks at template escapes only in a string holding one); an
 * encoded number token, which prints like `-1.888e+289` (cdktf's number pattern: a digit, sign, dot or bar, then
 * `e`, then more); and the two map-token placeholders.
 */
const mayHoldToken = (s: string): boolean =>
  s.includes("TfToken[") || NUMBER_LIKE.test(s) || s === Token.STRING_MAP_TOKEN_VALUE || s === Token.ANY_MAP_TOKEN_VALUE;
const NUMBER_LIKE = /[-|\d.+]e[-|\d.eE+]/;

/**
 * Whether a number is plainly itself. cdktf encodes a number token (and a number-list token) as a double whose top
 * bits are a marker (0xFBFF / 0xFBFE): a magnitude near 1e289. A finite number below 1e200 cannot be one; only the
 * map-token placeholder, which cdktf refuses in a number's place, needs cdktf among them.
 */
const isPlainNumber = (n: number): boolean => Number.isFinite(n) && Math.abs(n) < 1e200 && n !== Token.NUMBER_MAP_TOKEN_VALUE;

/** Whether `value` is plain data that resolves to itself (no token, and nothing cdktf would treat specially). */
export function isLiteral(value: unknown): boolean {
  let literal = true;
  walk(value, (v) => ((literal = false), v), 0);
  return literal;
}

function walk(value: unknown, cdktf: (v: unknown) => unknown, depth: number): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === "string") return mayHoldToken(value) ? cdktf(value) : value;
  if (typeof value === "number") return isPlainNumber(value) ? value : cdktf(value);
  // Functions are refused by cdktf.
  if (typeof value === "function") return cdktf(value);
  if (typeof value !== "object" || value instanceof Date) return value;
  if (depth > MAX_DEPTH) return cdktf(value);
  if (Array.isArray(value)) {
    // cdktf treats an array holding a list token (or an encoded number) as a whole.
    if (value.some((x) => (typeof x === "number" && !isPlainNumber(x)) || (typeof x === "string" && mayHoldToken(x)))) return cdktf(value);
    const out: unknown[] = [];
    for (const x of value) {
      const resolved = walk(x, cdktf, depth + 1);
      if (resolved !== undefined) out.push(resolved);
    }
    return out;
  }
  // Tokens, constructs (refused), and maps whose keys may be tokens.
  if (Tokenization.isResolvable(value) || isConstruct(value)) return cdktf(value);
  const keys = Object.keys(value);
  if (keys.some(mayHoldToken)) return cdktf(value);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const resolved = walk((value as Record<string, unknown>)[key], cdktf, depth + 1);
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

const isConstruct = (x: object): boolean => "_children" in x || "node" in x;
