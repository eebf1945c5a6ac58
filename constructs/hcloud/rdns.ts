import { TerraformResource, type TerraformMetaArguments } from "cdktf";
import type { Construct } from "constructs";
import { HCLOUD_GENERATOR_METADATA } from "./hcloud-provider";
import { metaArguments } from "./meta-arguments";

/** The owner of the IP whose reverse DNS is set: exactly one of these. */
const OWNER_KEYS = ["serverId", "primaryIpId", "floatingIpId", "loadBalancerId"] as const;

export interface RdnsConfig extends TerraformMetaArguments {
  /** The PTR value. Updatable in place. */
  readonly dnsPtr: string;
  /** The IPv4 or IPv6 address. Changing it replaces the resource. */
  readonly ipAddress: string;
  readonly serverId?: number;
  readonly primaryIpId?: number;
  readonly floatingIpId?: number;
  readonly loadBalancerId?: number;
}

/** `hcloud_rdns`: the PTR record of one IP of a server, primary IP, floating IP or load balancer. */
export class Rdns extends TerraformResource {
  static readonly tfResourceType = "hcloud_rdns";

  constructor(
    scope: Construct,
    id: string,
    private readonly config: RdnsConfig,
  ) {
    super(scope, id, {
      terraformResourceType: "hcloud_rdns",
      terraformGeneratorMetadata: HCLOUD_GENERATOR_METADATA,
      ...metaArguments(config),
    });
    const owners = OWNER_KEYS.filter((k) => config[k] !== undefined);
    if (owners.length !== 1) {
      throw new Error(`hcloud_rdns ${id}: exactly one of server_id, primary_ip_id, floating_ip_id, load_balancer_id is required (got ${owners.length})`);
    }
  }

  get id(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {
      dns_ptr: this.config.dnsPtr,
      ip_address: this.config.ipAddress,
      server_id: this.config.serverId,
      primary_ip_id: this.config.primaryIpId,
      floating_ip_id: this.config.floatingIpId,
      load_balancer_id: this.config.loadBalancerId,
    };
  }
}
