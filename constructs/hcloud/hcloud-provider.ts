import { TerraformProvider } from "cdktf";
import type { Construct } from "constructs";

/**
 * Local bindings for the Hetzner Cloud provider (`hetznercloud/hcloud`): no prebuilt cdktf package exists.
 * Written from the provider's schema; only what this project uses.
 */
export const HCLOUD_PROVIDER_SOURCE = "hetznercloud/hcloud";
/** Exact, like every provider here: the bindings follow this version's schema (terraform-provider-hcloud v1.68.0). */
export const HCLOUD_VERSION_CONSTRAINT = "1.68.0";
export const HCLOUD_GENERATOR_METADATA = { providerName: "hcloud", providerVersionConstraint: HCLOUD_VERSION_CONSTRAINT };

export interface HcloudProviderConfig {
  /** API token. Leave unset: the provider reads HCLOUD_TOKEN, so no token reaches the output. @default from HCLOUD_TOKEN */
  readonly token?: string;
  /** @default "https://api.hetzner.cloud/v1" */
  readonly endpoint?: string;
  /** How often to poll running actions, e.g. "1s". @default "500ms" */
  readonly pollInterval?: string;
  /** @default "exponential" */
  readonly pollFunction?: "constant" | "exponential";
  readonly alias?: string;
}

export class HcloudProvider extends TerraformProvider {
  static readonly tfResourceType = "hcloud";

  constructor(
    scope: Construct,
    id: string,
    private readonly config: HcloudProviderConfig = {},
  ) {
    super(scope, id, { terraformResourceType: "hcloud", terraformGeneratorMetadata: HCLOUD_GENERATOR_METADATA, terraformProviderSource: HCLOUD_PROVIDER_SOURCE });
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { token: this.config.token, endpoint: this.config.endpoint, poll_interval: this.config.pollInterval, poll_function: this.config.pollFunction, alias: this.alias };
  }
}
