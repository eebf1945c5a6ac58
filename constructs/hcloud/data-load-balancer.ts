import { TerraformDataSource, type TerraformMetaArguments } from "cdktf";
import type { Construct } from "constructs";
import { HCLOUD_GENERATOR_METADATA } from "./hcloud-provider";
import { metaArguments } from "./meta-arguments";

export interface DataHcloudLoadBalancerConfig extends TerraformMetaArguments {
  /** Look the load balancer up by name (e.g. the name the cloud controller gave it). */
  readonly name: string;
}

/** Data source `hcloud_load_balancer`, by name: exposes `id`, `ipv4` and `ipv6`. */
export class DataHcloudLoadBalancer extends TerraformDataSource {
  static readonly tfResourceType = "hcloud_load_balancer";

  constructor(
    scope: Construct,
    id: string,
    private readonly config: DataHcloudLoadBalancerConfig,
  ) {
    super(scope, id, {
      terraformResourceType: "hcloud_load_balancer",
      terraformGeneratorMetadata: HCLOUD_GENERATOR_METADATA,
      ...metaArguments(config),
    });
  }

  get id(): number {
    return this.getNumberAttribute("id");
  }
  get ipv4(): string {
    return this.getStringAttribute("ipv4");
  }
  get ipv6(): string {
    return this.getStringAttribute("ipv6");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { name: this.config.name };
  }
}
