import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import type { Release } from "@cdktf/provider-helm/lib/release";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { KitReleases } from "../constructs/kit/kit-releases";
import type { Kit, SovereignPlatform } from "../fleet/model";
import { BaseStack, kubeconfigOf } from "./base-stack";

/**
 * `<sovereign>-kit`: the Sovereign's bootstrap kit as Helm releases in DAG order. Mail stacks that need a slot
 * depend on this stack (deploy order); nothing here depends on them.
 */
export class KitStack extends BaseStack {
  readonly releases: ReadonlyMap<string, Release>;

  constructor(scope: Construct, platform: SovereignPlatform, kit: Kit) {
    super(scope, kit.stackName, platform.state);
    new HelmProvider(this, "helm", { kubernetes: kubeconfigOf(platform.cluster) });
    this.pinProvider("helm");

    this.releases = new KitReleases(this, "releases", kit).releases;
    new TerraformOutput(this, "slots", { value: kit.releases.map((r) => r.name), description: "Bootstrap-kit slots installed by this stack, in install order" });
  }

  /** Slot names this kit installs. */
  get slotNames(): ReadonlySet<string> {
    return new Set(this.releases.keys());
  }
}
