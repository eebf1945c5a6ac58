import type { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { TerraformData } from "../terraform/terraform-data";
import { DataHcloudLoadBalancer } from "./data-load-balancer";
import { HcloudProvider } from "./hcloud-provider";
import { Rdns } from "./rdns";

const ANNOTATION = "load-balancer.hetzner.cloud";

/**
 * hcloud-cloud-controller-manager v1.35.0 (hcloud/load_balancers.go, buildLoadBalancerStatusIngress) lists the
 * load balancer's private-network addresses in the Service status after the public ones unless this is set, and
 * the kit turns networking on: without it the mail host's A record would publish a 10.x address.
 */
export const PRIVATE_INGRESS_OFF: Readonly<Record<string, string>> = { [`${ANNOTATION}/disable-private-ingress`]: "true" };

/**
 * Whether the mail load balancer has an IPv6 address: the cloud controller adds one unless
 * `load-balancer.hetzner.cloud/ipv6-disabled` is "true" (v1.35.0 getIPv6Enabled); a SingleStack Service asks for none.
 */
export function servesIpv6(lb: { readonly annotations: Readonly<Record<string, string>>; readonly ipFamilyPolicy: string }): boolean {
  return lb.annotations[`${ANNOTATION}/ipv6-disabled`] !== "true" && lb.ipFamilyPolicy !== "SingleStack";
}

/** Whether annotations address the Hetzner cloud controller (only it reads them, so it must be installed). */
export const hasHetznerAnnotations = (annotations: Readonly<Record<string, string>>): boolean => Object.keys(annotations).some((k) => k.startsWith(`${ANNOTATION}/`));

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
    ...PRIVATE_INGRESS_OFF,
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
    // Read after the Service (and so the load balancer) exists, but not deferred by every later Service change:
    // Terraform defers a data source whose depends_on has pending changes, and a deferred read makes `id` and the
    // addresses unknown, which replaces every hcloud_rdns (PTR deleted and set again). This marker is created
    // after the Service and changes only with the load balancer's name, so the read waits for apply only then.
    const created = new TerraformData(this, "load-balancer-created", { input: { name: spec.name }, dependsOn: [spec.service] });
    const lb = new DataHcloudLoadBalancer(this, "load-balancer", { name: spec.name, dependsOn: [created] });
    this.records = [
      new Rdns(this, "ipv4", { ipAddress: lb.ipv4, dnsPtr: spec.ptr, loadBalancerId: lb.id }),
      ...(spec.ipv6 ? [new Rdns(this, "ipv6", { ipAddress: lb.ipv6, dnsPtr: spec.ptr, loadBalancerId: lb.id })] : []),
    ];
  }
}
