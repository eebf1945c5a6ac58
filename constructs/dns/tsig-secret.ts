import { TerraformVariable } from "cdktf";
import { stackSingleton } from "../terraform/address-scope";
import type { Construct } from "constructs";

/** The variable that carries the TSIG secret of RFC 2136 updates; set it as `TF_VAR_dns_update_key_secret`. */
export const TSIG_SECRET_VARIABLE = "dns_update_key_secret";

/**
 * The stack's TSIG secret: a sensitive, ephemeral input variable (Terraform ≥ 1.10), so the value is never written
 * to the synthesized JSON, a saved plan or the state. One per stack, however many constructs publish records.
 */
export function tsigSecret(scope: Construct): string {
  return stackSingleton(scope, TSIG_SECRET_VARIABLE, (parent) => {
    const variable = new TerraformVariable(parent, TSIG_SECRET_VARIABLE, {
      type: "string",
      sensitive: true,
      nullable: false,
      description: "TSIG secret (base64) of the RFC 2136 key named in the fleet; set TF_VAR_dns_update_key_secret",
    });
    variable.overrideLogicalId(TSIG_SECRET_VARIABLE);
    variable.addOverride("ephemeral", true);
    return variable;
  }).stringValue;
}
