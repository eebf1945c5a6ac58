/* eslint-disable @typescript-eslint/no-explicit-any -- a line-for-line port of cdktf's untyped resolver */
import * as errors from "cdktf/lib/errors";
import { StringConcat, type IPostProcessor, type IResolveContext } from "cdktf/lib/tokens/resolvable";
import * as encoding from "cdktf/lib/tokens/private/encoding";
import * as cdktfResolve from "cdktf/lib/tokens/private/resolve";
import { TokenMap } from "cdktf/lib/tokens/private/token-map";
import { Token } from "cdktf/lib/tokens/token";

type Options = cdktfResolve.IResolveOptions;
const tokenMap = TokenMap.instance();
/** cdktf's NUMBER_TOKEN_REGEX (encoding.js), without the global flag. */
const NUMBER_TOKEN = /[-|\d|.\+]+(e[-|\d|.|e|E|\+]+)/;

/** A string `resolve` returns unchanged: no token marker, nothing that looks like an encoded number, no map token. */
const isPlain = (s: string) => !s.includes("TfToken[") && !NUMBER_TOKEN.test(s) && s !== Token.STRING_MAP_TOKEN_VALUE && s !== Token.ANY_MAP_TOKEN_VALUE;

/**
 * cdktf's `resolve` (cdktf/lib/tokens/private/resolve.js, 0.21.0, final), step for step, except that the path
 * named in error messages is joined only when an error is thrown (cdktf joins it for every value it visits), and
 * that a plain string (most of what a stack holds) is returned as it is without building a resolution context and
 * three tokenizers for it. Same results, same errors.
 */
export function resolve(obj: any, options: Options): any {
  const prefix = options.prefix || [];
  const pathName = () => "/" + prefix.join("/");
  function makeContext(appendPath?: string): [IResolveContext, IPostProcessor] {
    const newPrefix = appendPath !== undefined ? prefix.concat([appendPath]) : options.prefix;
    let postProcessor: IPostProcessor | undefined;
    const context: IResolveContext = {
      preparing: options.preparing,
      scope: options.scope,
      suppressBraces: options.previousContext?.suppressBraces,
      ignoreEscapes: options.previousContext?.ignoreEscapes,
      warnEscapes: options.previousContext?.warnEscapes,
      iteratorContext: options.previousContext?.iteratorContext,
      registerPostProcessor(pp) {
        postProcessor = pp;
      },
      resolve(x) {
        return resolve(x, { ...options, prefix: newPrefix, previousContext: context });
      },
    };
    return [context, { postProcess: (x) => (postProcessor ? postProcessor.postProcess(x, context) : x) }];
  }
  if (prefix.length > 200) throw errors.unableToResolveCircularReference(pathName());
  // A child one level down is still within the depth limit: its plain strings may skip the call.
  const shortcut = prefix.length < 200;
  if (typeof obj === "undefined") return undefined;
  if (obj === null) return null;
  if (typeof obj === "function") throw errors.cannotResolveFunction(pathName(), obj);
  if (typeof obj === "string") {
    if (isPlain(obj)) return obj;
    if (encoding.TokenString.forListToken(obj).test()) throw errors.encodedListTokenInScalarStringContext();
    if (obj === Token.STRING_MAP_TOKEN_VALUE || obj === Token.ANY_MAP_TOKEN_VALUE) throw errors.encodedMapTokenInScalarStringContext();
    let str = obj;
    const context = makeContext()[0];
    const tokenStr = encoding.TokenString.forString(str, !context.ignoreEscapes, context.warnEscapes);
    if (tokenStr.test()) {
      const fragments = tokenStr.split(tokenMap.lookupToken.bind(tokenMap));
      str = options.resolver.resolveString(fragments, makeContext()[0]);
    }
    const tokenNumberStr = encoding.TokenString.forNumbers(str);
    if (tokenNumberStr.test()) {
      const fragments = tokenNumberStr.split((id) => TokenMap.instance().lookupNumberToken(parseFloat(id)));
      str = fragments.mapTokens(makeContext()[0]).join(new StringConcat());
    }
    return str;
  }
  if (typeof obj === "number") {
    if (obj === Token.NUMBER_MAP_TOKEN_VALUE) throw errors.encodedMapTokenInScalarNumberContext();
    const token = TokenMap.instance().lookupNumberToken(obj);
    return token === undefined ? obj : makeContext()[0].resolve(token);
  }
  if (typeof obj !== "object" || obj instanceof Date) return obj;
  if (Array.isArray(obj)) {
    if (encoding.containsStringListTokenElement(obj)) return options.resolver.resolveList(obj, makeContext()[0]);
    if (encoding.containsNumberListTokenElement(obj)) return options.resolver.resolveNumberList(obj, makeContext()[0]);
    return obj.map((x, i) => (shortcut && typeof x === "string" && isPlain(x) ? x : makeContext(`${i}`)[0].resolve(x))).filter((x) => typeof x !== "undefined");
  }
  if (encoding.containsMapToken(obj)) return options.resolver.resolveMap(obj, makeContext()[0]);
  if (encoding.unresolved(obj)) {
    const [context, postProcessor] = makeContext();
    return options.resolver.resolveToken(obj, context, postProcessor);
  }
  if (obj._children !== undefined && obj._metadata !== undefined) throw errors.constructsCannotBeResolved(pathName());
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const resolvedKey = shortcut && isPlain(key) ? key : makeContext()[0].resolve(key);
    if (typeof resolvedKey !== "string") throw errors.mapKeyMustResolveToString(pathName(), key, resolvedKey);
    const child = obj[key];
    const value = shortcut && typeof child === "string" && isPlain(child) ? child : makeContext(key)[0].resolve(child);
    if (typeof value === "undefined") continue;
    result[resolvedKey] = value;
  }
  return result;
}

/** Installs the resolver in place of cdktf's (which every `Tokenization.resolve` calls through its module). */
export function installTokenResolve(): void {
  (cdktfResolve as { resolve: typeof resolve }).resolve = resolve;
}
