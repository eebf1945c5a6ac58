import { DefaultTokenResolver, StringConcat, type IPostProcessor, type IResolvable, type IResolveContext } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * cdktf's token resolver for one stack's final resolution, remembering the text each token became.
 *
 * Why: cdktf's expressions (function calls, conditionals, operators, property access) resolve each argument two or
 * three times (cdktf 0.21.0 `lib/tfExpression.js`: `resolveArg` resolves the argument, then `resolveExpressionPart`
 * resolves it again, and a list once more element by element), so a token n expressions deep is resolved up to
 * 3^n times: a server's plan-values hash (DKIM slot states inside `sha256(join(…))`) took 2 to 5 ms.
 *
 * A token's text depends only on the token, the resolving stack and the context flags cdktf passes down
 * (`suppressBraces`, `ignoreEscapes`, `warnEscapes`), so the remembered text is keyed by those. Only strings are
 * remembered (an object result may be merged into, and so changed, by the caller); nothing is remembered in the
 * preparing pass (it registers cross-stack references), under an iterator (`iteratorContext`), for another scope, or
 * when resolution throws: those go to cdktf every time, as does every token's first resolution.
 */
export class MemoizingTokenResolver extends DefaultTokenResolver {
  private readonly texts = new Map<IResolvable, Map<string, string>>();

  /** @param scope the stack whose resolution this resolver serves; other scopes are not remembered. */
  constructor(private readonly scope: IConstruct) {
    super(new StringConcat());
  }

  resolveToken(token: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (context.preparing || context.iteratorContext !== undefined || context.scope !== this.scope) return super.resolveToken(token, context, postProcessor);
    const key = `${context.suppressBraces}|${context.ignoreEscapes}|${context.warnEscapes}`;
    const known = this.texts.get(token)?.get(key);
    if (known !== undefined) return known;
    const resolved = super.resolveToken(token, context, postProcessor);
    if (typeof resolved === "string") {
      const byFlags = this.texts.get(token) ?? new Map<string, string>();
      this.texts.set(token, byFlags.set(key, resolved));
    }
    return resolved;
  }
}
