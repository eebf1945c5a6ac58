import { Construct } from "constructs";
import type { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { DataHcloudLoadBalancer } from "./data-load-balancer";
import { HcloudProvider } from "./hcloud-provider";
import { Rdns } from "./rdns";

const ANNOTATION = "load-balancer.hetzner.cloud";

export interface LoadBalancerPtrSpec {
  /** "ccm": the cloud controller sets the PTR from annotations; "terraform": hcloud_rdns does. */
  readonly mode: "ccm" | "terraform";
  /** Name the cloud controller gives the load balancer (how Terraform finds it). */
  readonly name: string;
  readonly location: string;
  /** The PTR value: the mail host. */
  readonly ptr: string;
  /** Whether the Service asks for IPv6 too. */
  readonly ipv6: boolean;
}

/**
 * The Service annotations that name and place the Hetzner load balancer, plus (mode "ccm") its reverse DNS.
 * Only one owner ever sets a PTR: in mode "terraform" the rdns annotations are left out.
 */
export function loadBalancerAnnotations(spec: LoadBalancerPtrSpec): Record<string, string> {
  return {
    [`${ANNOTATION}/name`]: spec.name,
    [`${ANNOTATION}/location`]: spec.location,
    ...(spec.mode === "ccm" ? { [`${ANNOTATION}/ipv4-rdns`]: spec.ptr, ...(spec.ipv6 ? { [`${ANNOTATION}/ipv6-rdns`]: spec.ptr } : {}) } : {}),
  };
}

/**
 * Mode "terraform": `hcloud_rdns` on the load balancer the cloud controller created for the mail Service, found by
 * name once the Service exists. The token comes from HCLOUD_TOKEN, never from the fleet or the output.
 */
export class LoadBalancerPtr extends Construct {
  readonly records: readonly Rdns[];

  constructor(scope: Construct, id: string, spec: LoadBalancerPtrSpec & { readonly service: ServiceV1 }) {
    super(scope, id);
    new HcloudProvider(this, "hcloud");
    // Read after the Service (and so the load balancer) exists: depends_on defers the read to apply time.
    const lb = new DataHcloudLoadBalancer(this, "load-balancer", { name: spec.name, dependsOn: [spec.service] });
    this.records = [
      new Rdns(this, "ipv4", { ipAddress: lb.ipv4, dnsPtr: spec.ptr, loadBalancerId: lb.id }),
      ...(spec.ipv6 ? [new Rdns(this, "ipv6", { ipAddress: lb.ipv6, dnsPtr: spec.ptr, loadBalancerId: lb.id })] : []),
    ];
  }
}
