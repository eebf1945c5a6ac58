import type { PlanOperation } from "./plan";

/**
 * The permissions `stalwart-cli apply` needs to run `ops`: upsert and reconcile load every object of a type
 * (query, get) and then create, update or destroy; singletons are read and updated; an Action is created with
 * its own permission as well (stalwart v0.16.18 crates/jmap/src/api/auth.rs and
 * crates/registry/src/schema/properties_impl.rs: `sys<Type><Operation>`; crates/registry/src/utils/task.rs:
 * `action<Variant>`). Sorted, without duplicates.
 */
export function applyPermissions(ops: readonly PlanOperation[]): string[] {
  const out = new Set<string>();
  const sys = (object: string, ...operations: string[]) => operations.forEach((o) => out.add(`sys${object}${o}`));
  for (const op of ops) {
    switch (op["@type"]) {
      case "upsert":
        sys(op.object, "Get", "Query", "Create", "Update");
        break;
      case "reconcile":
        sys(op.object, "Get", "Query", "Create", "Update", "Destroy");
        break;
      case "update":
        sys(op.object, "Get", "Update");
        break;
      case "destroy":
        sys(op.object, "Query", "Destroy");
        break;
      case "create":
        sys(op.object, "Create");
        for (const body of Object.values(op.value) as { "@type": string }[]) out.add(`action${body["@type"]}`);
        break;
    }
  }
  return [...out].sort();
}
