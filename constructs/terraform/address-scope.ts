import { TerraformStack } from "cdktf";
import type { Construct, IConstruct } from "constructs";

const KEEPS_ADDRESSES = Symbol.for("sovereign-mail.keeps-addresses");

/**
 * Marks a construct as a grouping only: its id is left out of the Terraform addresses (logical ids) of what it
 * holds, so moving resources from a stack into such a construct (an L3 such as MailServer) keeps every address,
 * and with it the state of deployed stacks. BaseStack honours the mark and refuses two resources whose addresses
 * would then coincide.
 */
export function keepAddresses(construct: IConstruct): void {
  Object.defineProperty(construct, KEEPS_ADDRESSES, { value: true });
}

export const keepsAddresses = (construct: IConstruct): boolean => (construct as unknown as Record<symbol, unknown>)[KEEPS_ADDRESSES] === true;

/** The innermost scope whose children have stack-level addresses: the stack, or a construct that keeps addresses. */
export function addressRoot(scope: IConstruct): IConstruct {
  for (let s: IConstruct | undefined = scope; s; s = s.node.scope) {
    if (keepsAddresses(s) || TerraformStack.isStack(s)) return s;
  }
  throw new Error(`${scope.node.path} is not inside a stack`);
}

/**
 * One construct per stack under `id` (a shared local, the stack's memory, one rotation schedule per class):
 * found among the stack's stack-level children (those of constructs keeping addresses included), else created
 * by `create` in {@link addressRoot} of `scope`, so it has the same address wherever it is first needed.
 */
export function stackSingleton<T extends IConstruct>(scope: IConstruct, id: string, create: (parent: Construct) => T): T {
  const find = (parent: IConstruct): IConstruct | undefined => {
    const here = parent.node.tryFindChild(id);
    if (here) return here;
    for (const child of parent.node.children) {
      const found = keepsAddresses(child) ? find(child) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  return (find(TerraformStack.of(scope)) as T | undefined) ?? create(addressRoot(scope) as Construct);
}
