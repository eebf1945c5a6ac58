import type { Capacity } from "./model";

/** Defaults the fleet reference documents; the schema's `@default` notes point here. */
export const DEFAULT_KUBECONFIG_PATH = "~/.kube/config";
export const DEFAULT_TENANT_NAMESPACE_PREFIX = "org-";
export const RELAY_NAMESPACE = "stalwart-sovereign";

export const DEFAULT_TENANT_CAPACITY: Capacity = { cpu: "500m", memory: "1Gi", storage: "20Gi" };
export const DEFAULT_RELAY_CAPACITY: Capacity = { cpu: "250m", memory: "512Mi", storage: "10Gi" };

export const DEFAULT_CLUSTER_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } } as const;
