import { TerraformResource } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../app/synth-chunk";
import { namespaceOf } from "../constructs/k8s/namespace-of";
import { loadFleetFile } from "../fleet/load";
import { allStacks } from "./helpers/synth";
import { TEST_FLEETS } from "./helpers/test-fleets";

/** The namespace as the resource renders it: what Terraform will be given. */
function renderedNamespace(resource: TerraformResource): string | undefined {
  if (!resource.terraformResourceType.startsWith("kubernetes_")) return undefined;
  const body = resource.toTerraform().resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId];
  const metadata = (body?.manifest ?? body)?.metadata;
  const namespace = (Array.isArray(metadata) ? metadata[0] : metadata)?.namespace;
  return typeof namespace === "string" ? namespace : undefined;
}

describe("namespaceOf", () => {
  it.each(Object.keys(TEST_FLEETS))("equals the rendered metadata.namespace of every resource of the %s fleet", (fleet) => {
    const { stacks } = buildApp(loadFleetFile(TEST_FLEETS[fleet]), mkdtempSync(join(tmpdir(), "sovereign-mail-ns-")));
    const resources = allStacks(stacks).flatMap((s) => s.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource));
    const namespaced = resources.filter((r) => renderedNamespace(r) !== undefined);
    // Typed resources and manifests both occur, so both ways of reading are exercised.
    expect(namespaced.some((r) => r.terraformResourceType === "kubernetes_manifest")).toBe(true);
    expect(namespaced.some((r) => r.terraformResourceType !== "kubernetes_manifest")).toBe(true);
    for (const r of resources) expect([r.node.path, namespaceOf(r)]).toEqual([r.node.path, renderedNamespace(r)]);
  });
});
