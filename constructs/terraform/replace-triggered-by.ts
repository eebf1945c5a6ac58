import type { TerraformResource } from "cdktf";

/** A resource's bare address (`random_password.x`), the only form Terraform accepts in lifecycle references. */
export const addressOf = (resource: TerraformResource): string => `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;

/**
 * Sets `lifecycle.replace_triggered_by` to bare resource addresses. cdktf 0.21 renders the `lifecycle` prop as
 * `"${random_password.x}"`, which Terraform's JSON syntax rejects ("Invalid character" / "Invalid expression" at
 * `terraform init`; hashicorp/terraform v1.11.4 `internal/configs/resource.go` decodeReplaceTriggeredBy parses
 * each entry as a static traversal; terraform-cdk issues 3196, 3532, 3645, never fixed before the archive).
 */
export function replaceTriggeredBy(resource: TerraformResource, triggers: readonly TerraformResource[]): void {
  resource.addOverride("lifecycle.replace_triggered_by", triggers.map(addressOf));
}
