import { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import type { Kit } from "../../kit/model";
import { releaseNameOf, upgradesAtomically } from "../../kit/slots";
import { keepAddresses } from "../terraform/address-scope";
import { escapeTemplate } from "../terraform/escape";

/**
 * One `helm_release` per selected bootstrap-kit slot, each `depends_on` exactly its DAG edges among the selected
 * slots, waiting for readiness with an explicit timeout. Keeps the addresses of its releases as stack children.
 */
export class KitReleases extends Construct {
  readonly releases = new Map<string, Release>();

  constructor(scope: Construct, id: string, kit: Kit) {
    super(scope, id);
    keepAddresses(this);
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
  }
}
