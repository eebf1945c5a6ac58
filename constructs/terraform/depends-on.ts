import { TerraformResource, type ITerraformDependable } from "cdktf";
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
