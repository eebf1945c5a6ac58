import { TerraformElement, TerraformOutput, TerraformStack } from "cdktf";
// cdktf's merge of JSON fragments (the one its stacks use); cdktf is archived at 0.21.0, so this module is fixed.
import { deepMerge } from "cdktf/lib/util";
import type { IConstruct } from "constructs";
import { isLiteral, resolveStackValue } from "./literal-resolve";
import { MemoizingTokenResolver } from "./memoizing-resolver";

/**
 * A stack's Terraform JSON as cdktf 0.21's `TerraformStack.toTerraform` assembles it (the `//` metadata and output
 * map, each element's fragment, the stack's own overrides, in that order), with every resolution done by
 * {@link resolveStackValue} through one {@link MemoizingTokenResolver} (a token's text is the same wherever it occurs
 * in the stack). `stack-document.test.ts` checks the result equals cdktf's, key order included, for every stack of
 * every test fleet.
 */
export function stackDocument(stack: TerraformStack): Record<string, unknown> {
  const elements = elementsOf(stack);
  const resolver = new MemoizingTokenResolver(stack);
  const resolve = (value: unknown) => resolveStackValue(stack, value, resolver);
  const overrides = (stack as unknown as { readonly rawOverrides: Record<string, unknown> }).rawOverrides;
  const metadata: Record<string, unknown> = {
    version: stack.node.tryGetContext("cdktfVersion"),
    stackName: stack.node.id,
    backend: "local",
    cloud: undefined,
    ...(Object.keys(overrides).length > 0 ? { overrides: { stack: Object.keys(overrides) } } : {}),
  };
  for (const element of elements) deepMerge(metadata, resolve(element.toMetadata()));
  const outputs: Record<string, unknown> = {};
  for (const output of elements.filter(TerraformOutput.isTerraformOutput)) {
    // Nested by construct path, the innermost naming the output's JSON key.
    const nested = output.node.path.split("/").reduceRight<unknown>((inner, part) => ({ [part]: inner }), output.friendlyUniqueId);
    deepMerge(outputs, nested);
  }
  const document: Record<string, unknown> = { "//": { metadata, outputs } };
  for (const element of elements) deepMerge(document, resolve(element.toTerraform()));
  // cdktf resolves the merged document once more, for the overrides' sake: what is merged above is resolved
  // already, and resolving it again changes nothing. Overrides without tokens are merged resolved; with a token
  // (which the merge would place whole, not merge into), the document takes cdktf's last pass as well.
  if (isLiteral(overrides)) return deepMerge(document, resolve(overrides));
  return resolve(deepMerge(document, overrides)) as Record<string, unknown>;
}

/** The stack's elements in construct-tree order, not descending into nested stacks. */
function elementsOf(scope: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(scope)) into.push(scope);
  for (const child of scope.node.children) if (!TerraformStack.isStack(child)) elementsOf(child, into);
  return into;
}
