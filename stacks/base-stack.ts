import { TerraformElement, TerraformStack } from "cdktf";
// cdktf's own id scheme (HashedAddressingScheme); cdktf is archived at 0.21.0, so this private module is fixed.
import { makeUniqueId } from "cdktf/lib/private/unique";
import type { Construct, Node } from "constructs";
import { keepsAddresses } from "../constructs/terraform/address-scope";
import { pinProvider, type PROVIDERS } from "../constructs/terraform/provider-pins";
import { configureStateBackend } from "../constructs/terraform/state-backend";
import { escapeTemplate } from "../constructs/terraform/escape";
import { stackDocument } from "../constructs/terraform/stack-document";
import type { ClusterAccess, StateBackend } from "../fleet/model";

export const REQUIRED_TERRAFORM = "1.5.0";

/**
 * Base of every stack: an explicit backend from the fleet (the default local backend writes an absolute path,
 * which would break byte-identical output) and explicit provider pins, so the JSON stays valid for terraform and tofu.
 */
/** How a provider reaches the Sovereign's cluster: the kubeconfig path and context only, never credentials. */
export const kubeconfigOf = (cluster: ClusterAccess): { configPath: string; configContext: string } => ({
  configPath: escapeTemplate(cluster.configPath),
  configContext: escapeTemplate(cluster.context),
});

export abstract class BaseStack extends TerraformStack {
  protected constructor(
    scope: Construct,
    readonly stackName: string,
    state: StateBackend,
  ) {
    super(scope, stackName);
    this.requireTerraform(REQUIRED_TERRAFORM);
    const backend = configureStateBackend(this, stackName, state);
    if (backend.requiredTerraform) this.requireTerraform(backend.requiredTerraform);
  }

  private minimumTerraform = "0.0.0";

  /** Raises `required_version` to at least this release (features such as write-only arguments need newer ones). */
  protected requireTerraform(version: string): void {
    const parts = (v: string) => v.split(".").map(Number);
    const [a, b] = [parts(version), parts(this.minimumTerraform)];
    const newer = a.findIndex((n, i) => n !== b[i]);
    if (newer < 0 || a[newer] < b[newer]) return;
    this.minimumTerraform = version;
    this.addOverride("terraform.required_version", `>= ${version}`);
  }

  /**
   * cdktf resolves every element of every stack once more before synthesis, only to discover cross-stack
   * references. These stacks never reference each other (order comes from stack dependencies alone, so no plan
   * needs another stack's state), so the pass is skipped: it was a third of synthesis time. The backend it would
   * default is always set explicitly above; the tests check that no stack refers to anything outside itself.
   */
  prepareStack(): void {}

  /**
   * The stack's JSON as cdktf assembles it, without cdktf's walk over its literal values (a third of synthesis
   * time): see `stackDocument`.
   */
  toTerraform(): Record<string, unknown> {
    return stackDocument(this);
  }

  protected pinProvider(name: keyof typeof PROVIDERS): void {
    pinProvider(this, name);
  }

  private readonly addresses = new Map<string, string>();
  /** Each element's id, computed once: cdktf asks again at every reference, and a construct's path never changes. */
  private readonly logicalIds = new WeakMap<Node, string>();

  /**
   * cdktf's logical ids, except that constructs marked with `keepAddresses` (L3 groupings) add no component, so
   * what they hold keeps the address it had as a child of the stack. Two elements whose ids would coincide are
   * refused rather than merged into one JSON key.
   */
  allocateLogicalId(tfElement: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(tfElement) ? tfElement.node : tfElement;
    const known = this.logicalIds.get(node);
    if (known !== undefined) return known;
    const stack = TerraformElement.isTerraformElement(tfElement) ? tfElement.cdktfStack : this;
    const scopes = node.scopes.slice(node.scopes.indexOf(stack) + 1);
    const components = scopes.filter((s, i) => i === scopes.length - 1 || !keepsAddresses(s)).map((c) => c.node.id);
    const id = components.length > 0 ? makeUniqueId(components) : "";
    const holder = this.addresses.get(id);
    if (holder !== undefined) throw new Error(`${node.path} and ${holder} would both have the Terraform address ${id}`);
    this.addresses.set(id, node.path);
    this.logicalIds.set(node, id);
    return id;
  }
}
