import type { TerraformResource } from "cdktf";

/** The configuration inputs cdktf's generated Kubernetes resources expose (`<block>Input` getters). */
interface KubernetesInputs {
  readonly metadataInput?: { readonly namespace?: unknown };
  readonly manifestInput?: { readonly metadata?: { readonly namespace?: unknown } };
}

/**
 * The namespace a Kubernetes resource's configuration names: `metadata.namespace` of a typed `kubernetes_*_v1`
 * resource, or of the manifest of a `kubernetes_manifest`. Undefined for cluster-scoped objects and other providers.
 * Read from the configuration as given (not by rendering the resource, which cost 6 % of synthesis); the
 * `namespace-of` test checks it equals the rendered value for every resource of the test fleets.
 */
export function namespaceOf(resource: TerraformResource): string | undefined {
  if (!resource.terraformResourceType.startsWith("kubernetes_")) return undefined;
  const inputs = resource as unknown as KubernetesInputs;
  const namespace = resource.terraformResourceType === "kubernetes_manifest" ? inputs.manifestInput?.metadata?.namespace : inputs.metadataInput?.namespace;
  return typeof namespace === "string" ? namespace : undefined;
}
