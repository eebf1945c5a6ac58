import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

/** A pinned provider: the exact build the prebuilt bindings were generated from. */
export interface ProviderPin {
  readonly source: string;
  readonly version: string;
}

/**
 * Every provider this project uses, pinned exactly (the bindings follow one schema version; a range would let
 * `terraform init` pick another). hcloud's pin travels in its local bindings (constructs/hcloud/hcloud-provider.ts).
 */
export const PROVIDERS = {
  kubernetes: { source: "hashicorp/kubernetes", version: "2.38.0" },
  helm: { source: "hashicorp/helm", version: "3.1.1" },
  random: { source: "hashicorp/random", version: "3.7.2" },
  tls: { source: "hashicorp/tls", version: "4.1.0" },
  time: { source: "hashicorp/time", version: "0.13.1" },
  vault: { source: "hashicorp/vault", version: "5.6.0" },
  dns: { source: "hashicorp/dns", version: "3.4.3" },
} as const satisfies Record<string, ProviderPin>;

/** Writes the exact pin of a provider into the stack of `scope` (`terraform.required_providers.<name>`). */
export function pinProvider(scope: Construct, name: keyof typeof PROVIDERS): void {
  TerraformStack.of(scope).addOverride(`terraform.required_providers.${name}`, { ...PROVIDERS[name] });
}
