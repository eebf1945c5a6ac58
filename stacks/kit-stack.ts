import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { Release } from "@cdktf/provider-helm/lib/release";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { escapeTemplate } from "../constructs/terraform/escape";
import { releaseNameOf, upgradesAtomically } from "../kit/slots";
import type { Kit, SovereignPlatform } from "../fleet/model";
import { BaseStack, kubeconfigOf } from "./base-stack";

/**
 * `<sovereign>-kit`: one `helm_release` per selected bootstrap-kit slot, each `depends_on` exactly its DAG edges
 * among the selected slots, waiting for readiness with an explicit timeout. Mail stacks that need a slot depend
 * on this stack (deploy order); nothing here depends on them.
 */
export class KitStack extends BaseStack {
  readonly releases = new Map<string, Release>();

  constructor(scope: Construct, platform: SovereignPlatform, kit: Kit) {
    super(scope, kit.stackName, platform.state);
    new HelmProvider(this, "helm", { kubernetes: kubeconfigOf(platform.cluster) });
    this.pinProvider("helm");

    for (const r of kit.releases) {
      // Releases are created in install order, so every dependency already exists.
      const dependsOn = r.dependsOn.map((d) => this.releases.get(d)!);
      this.releases.set(
        r.name,
        new Release(this, r.name, {
          name: releaseNameOf(r.name),
          chart: r.name,
          repository: kit.repository,
          // Exact (checked when the fleet loads): hashicorp/helm 3.1.1 fails the plan when the configured version
          // differs from the chart's ("Planned version is different from configured version"), so no ranges.
          version: r.version,
          namespace: r.namespace,
          createNamespace: true,
          wait: true,
          timeout: kit.timeoutSeconds,
          atomic: upgradesAtomically(r.name),
          cleanupOnFail: true,
          maxHistory: 5,
          // Values are literal text: Flux-style ${VARS} must reach the chart unexpanded.
          values: Object.keys(r.values).length > 0 ? [escapeTemplate(JSON.stringify(r.values))] : undefined,
          dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
        }),
      );
    }
    new TerraformOutput(this, "slots", { value: kit.releases.map((r) => r.name), description: "Bootstrap-kit slots installed by this stack, in install order" });
  }

  /** Slot names this kit installs. */
  get slotNames(): ReadonlySet<string> {
    return new Set(this.releases.keys());
  }
}
