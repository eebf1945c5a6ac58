import { anyToTerraform, hashMapper, TerraformResource, type ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";

export interface TerraformDataConfig {
  /** Stored in state and reflected in `output`; a change updates the resource in place. */
  readonly input?: Record<string, unknown>;
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Terraform's built-in `terraform_data`, written exactly as cdktf's `DataResource` writes it, without the check
 * `DataResource` adds: it runs `terraform version` at every synthesis, once per instance (half a second each, two
 * per tenant stack with Terraform-managed PTRs), and fails where only tofu is installed. Every stack already
 * declares `required_version` ≥ 1.5 (terraform_data needs 1.4), which Terraform checks where it runs.
 */
export class TerraformData extends TerraformResource {
  static readonly tfResourceType = "terraform_data";

  constructor(
    scope: Construct,
    id: string,
    private readonly config: TerraformDataConfig = {},
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" }, dependsOn: config.dependsOn });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: hashMapper(anyToTerraform)(this.config.input) };
  }
}
