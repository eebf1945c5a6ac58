import { Aspects, TerraformResource, type ITerraformDependable } from "cdktf";
import { dependable } from "cdktf/lib/tfExpression";
import type { IConstruct } from "constructs";

/** Every Terraform resource defined in `scope` (itself included). */
export function resourcesIn(scope: IConstruct): TerraformResource[] {
  return scope.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource);
}

/**
 * Makes every resource in `scope` depend on `dependencies`. cdktf does not turn construct-level
 * `node.addDependency` into `depends_on`, so ordering that matters (namespace first, policies before a Job)
 * is written out here.
 */
export function addDependsOn(
  scope: IConstruct,
  dependencies: readonly ITerraformDependable[],
  which: (resource: TerraformResource) => boolean = () => true,
): void {
  for (const resource of resourcesIn(scope).filter(which)) {
    // The same token form cdktf uses for `dependsOn` in resource config: it renders as a bare address.
    const added = dependencies.filter((d) => d !== (resource as unknown)).map(dependable);
    if (added.length > 0) resource.dependsOn = [...(resource.dependsOn ?? []), ...added];
  }
}

/**
 * Like {@link addDependsOn}, but for every matching resource in `scope` at synthesis, so resources added after
 * this call (a policy from a later `connections.allowTo`, webmail) are covered too.
 */
export function addDependsOnAtSynth(
  scope: IConstruct,
  dependencies: readonly ITerraformDependable[],
  which: (resource: TerraformResource) => boolean = () => true,
): void {
  // Aspects may run more than once (a test synthesizing a stack twice); each resource gets the edge once.
  const visited = new WeakSet<TerraformResource>();
  Aspects.of(scope).add({
    visit(node) {
      if (!(node instanceof TerraformResource) || visited.has(node) || !which(node)) return;
      visited.add(node);
      addDependsOn(node, dependencies);
    },
  });
}
