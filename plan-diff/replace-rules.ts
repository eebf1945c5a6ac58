/**
 * Attribute paths whose change makes Terraform destroy and re-create the resource rather than update it, for the
 * resource types this project writes (ForceNew / RequiresReplace in the providers). A path matches when the
 * changed path starts with it; `*` matches any one element.
 */
const COMMON = ["metadata.name", "metadata.namespace"];

export const REPLACE_PATHS: Readonly<Record<string, readonly string[]>> = {
  kubernetes_stateful_set_v1: [...COMMON, "spec.selector", "spec.volume_claim_template", "spec.service_name", "spec.pod_management_policy"],
  kubernetes_deployment_v1: [...COMMON, "spec.selector"],
  kubernetes_job_v1: [...COMMON, "spec.template", "spec.selector", "spec.completions"],
  kubernetes_service_v1: [...COMMON, "spec.cluster_ip"],
  kubernetes_config_map_v1: COMMON,
  kubernetes_secret_v1: [...COMMON, "type"],
  kubernetes_service_account_v1: COMMON,
  kubernetes_network_policy_v1: COMMON,
  kubernetes_namespace_v1: ["metadata.name"],
  kubernetes_manifest: ["manifest.apiVersion", "manifest.kind", "manifest.metadata.name", "manifest.metadata.namespace"],
  helm_release: ["name", "namespace"],
  random_password: ["length", "special", "keepers", "upper", "lower", "numeric", "override_special"],
  tls_private_key: ["algorithm", "rsa_bits", "ecdsa_curve"],
  vault_kv_secret_v2: ["mount", "name"],
  hcloud_rdns: ["ip_address", "server_id", "primary_ip_id", "floating_ip_id", "load_balancer_id"],
  dns_a_record_set: ["zone", "name"],
  dns_aaaa_record_set: ["zone", "name"],
  dns_mx_record_set: ["zone", "name"],
  dns_txt_record_set: ["zone", "name"],
  dns_cname_record: ["zone", "name"],
};

/** Normalizes a diff path: list indices of single-item blocks (`spec.0.template`) are left out. */
export const pathText = (path: readonly (string | number)[]): string => path.filter((p) => typeof p === "string").join(".");

export function forcesReplacement(type: string, path: readonly (string | number)[]): boolean {
  const text = pathText(path);
  return (REPLACE_PATHS[type] ?? []).some((prefix) => text === prefix || text.startsWith(`${prefix}.`));
}
