import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DataKubernetesConfigMapV1 } from "@cdktf/provider-kubernetes/lib/data-kubernetes-config-map-v1";
import { TerraformLocal, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { addDependsOn } from "./depends-on";
import { stackSingleton } from "./address-scope";

const ID = "memory";
/** The ConfigMap that holds a stack's memory, next to its mail server. */
export const MEMORY_CONFIGMAP = "sovereign-mail-memory";

/**
 * What earlier applies of this stack decided, kept in a ConfigMap next to the server and read back at plan time.
 * Terraform gives a resource no access to its own earlier configuration, and a rotation that must know which slot
 * consumers hold, whatever time passed since the last apply, needs exactly that.
 *
 * The data source depends on nothing in the stack, so it is read at plan time and every decision made from it is
 * known at plan. hashicorp/kubernetes v2.38.0 (kubernetes/data_source_kubernetes_config_map_v1.go) returns no data
 * and no error for a ConfigMap (or namespace) that does not exist, so the first apply starts from the defaults.
 * (The built-in `terraform_remote_state` on the stack's own backend cannot: it fails with "Unable to find remote
 * state" before the first apply has written any state, defaults or not; hashicorp/terraform v1.11.4
 * internal/builtin/providers/terraform/data_source_state.go.) An apply that fails before the ConfigMap is written
 * is decided the same way again by the next one.
 */
export class StackMemory extends Construct {
  private readonly read: DataKubernetesConfigMapV1;
  private readonly write: ConfigMapV1;
  private readonly keys = new Set<string>();

  /** The stack's memory, in `namespace` (created on first use). */
  static of(scope: Construct, namespace: string): StackMemory {
    const memory = stackSingleton(scope, ID, (parent) => new StackMemory(parent, namespace));
    if (memory.namespace !== namespace) throw new Error(`stack memory: one namespace per stack (${memory.namespace}, not ${namespace})`);
    return memory;
  }

  private constructor(
    parent: Construct,
    readonly namespace: string,
  ) {
    super(parent, ID);
    const metadata = { name: MEMORY_CONFIGMAP, namespace };
    this.read = new DataKubernetesConfigMapV1(this, "read", { metadata });
    this.write = new ConfigMapV1(this, "write", {
      metadata: { ...metadata, annotations: { "sovereign-mail.openova.io/note": "Rotation state of this stack, read back by its next terraform apply: do not edit or delete" } },
      data: {},
    });
  }

  /**
   * What the last apply remembered under `key` (an HCL expression), or `first` (an HCL expression known at plan
   * time) when nothing was: the first apply, or a stack from before the key existed.
   */
  recall(key: string, first: string): string {
    if (this.keys.has(key)) throw new Error(`stack memory: ${key} is recalled twice`);
    this.keys.add(key);
    const last = new TerraformLocal(this, `${key}_last`, `\${try(jsondecode(data.kubernetes_config_map_v1.${this.read.friendlyUniqueId}.data["${key}"]), ${first})}`);
    return `local.${last.friendlyUniqueId}`;
  }

  /** Writes the memory only after `dependencies` (what an apply must achieve before it counts as done). */
  after(dependencies: readonly ITerraformDependable[]): void {
    addDependsOn(this.write, dependencies);
  }

  /** Remembers `value` (an HCL expression) under `key` for the next apply. */
  remember(key: string, value: string): void {
    this.write.addOverride(`data.${key}`, `\${jsonencode(${value})}`);
  }
}
