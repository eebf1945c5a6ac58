import type { TerraformResource } from "cdktf";

/**
 * The namespace a Kubernetes resource's configuration names: `metadata.namespace` of a typed `kubernetes_*_v1`
 * resource, or of the manifest of a `kubernetes_manifest`. Undefined for cluster-scoped objects and other providers.
 */
export function namespaceOf(resource: TerraformResource): string | undefined {
  if (!resource.terraformResourceType.startsWith("kubernetes_")) return undefined;
  const body = resource.toTerraform().resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId];
  const metadata = (body?.manifest ?? body)?.metadata;
  // Typed resources render blocks as one-element lists, manifests as plain objects.
  const namespace = (Array.isArray(metadata) ? metadata[0] : metadata)?.namespace;
  return typeof namespace === "string" ? namespace : undefined;
}
