/**
 * Every fact the code holds about a bootstrap-kit slot, in one place. The DAG itself (slot numbers, edges,
 * waves) is `kit/registry.yaml`; chart versions are `kit/chart-versions.yaml`.
 */

/** Slots the code names: what constructs require and what the kit treats specially. */
export const SLOT = {
  /** The CNI: NetworkPolicies are only as good as what enforces them; also the CiliumNetworkPolicy CRD. */
  cni: "bp-cilium",
  /** Gateway API CRDs (HTTPRoute). */
  gatewayApi: "bp-gateway-api",
  /** The Certificate CRD and the controller. */
  certManager: "bp-cert-manager",
  /** The DNS-01 ClusterIssuers a Certificate names. */
  certManagerIssuers: "bp-cert-manager-issuers",
  /** The ExternalSecret CRDs and the ClusterSecretStore that reads OpenBao. */
  externalSecretsStores: "bp-external-secrets-stores",
  /** The Hetzner cloud controller: only it reads `load-balancer.hetzner.cloud/*` annotations (the PTR ones included). */
  hetznerCcm: "bp-hcloud-ccm",
  /** Grafana Alloy (DaemonSet): scrapes the servers, ships events and backup logs. */
  alloy: "bp-alloy",
  /** Mimir: the metrics store the alerts query. */
  mimir: "bp-mimir",
  /** Loki: the log store of events and backup outcomes. */
  loki: "bp-loki",
  /** Grafana: dashboards, datasources and alert rules from labelled ConfigMaps (its sidecars, searchNamespace ALL). */
  grafana: "bp-grafana",
  /** Slot 95: this project's `<sovereign>-mail` stack, never a release of the kit (a failing relay must not wedge the kit). */
  relay: "bp-stalwart-sovereign",
} as const;

/** Where the platform installs slots whose namespace is not simply the release name. */
const USUAL_NAMESPACES: Readonly<Record<string, string>> = {
  [SLOT.cni]: "kube-system",
  [SLOT.gatewayApi]: "kube-system",
  [SLOT.hetznerCcm]: "kube-system",
  "bp-hcloud-csi": "kube-system",
  "bp-catalyst-platform": "catalyst-system",
  [SLOT.relay]: "stalwart-sovereign",
};

/**
 * Slots whose rollback would hurt more than a failed upgrade: the CNI and CRD owners (a rollback can remove
 * CRDs or the pod network under running workloads) and data stores (a rollback can run an old binary on
 * migrated data). Every other release upgrades atomically.
 */
const NOT_ATOMIC: ReadonlySet<string> = new Set([
  SLOT.cni, SLOT.gatewayApi, SLOT.certManager, "bp-external-secrets", "bp-crossplane", "bp-flux", "bp-kyverno",
  "bp-cnpg", "bp-cnpg-pair", "bp-postgres-shared", "bp-postgres-shared-b", "bp-postgres-shared-c", "bp-openbao",
  "bp-seaweedfs", "bp-valkey", "bp-nats-jetstream", "bp-keycloak", "bp-gitea", "bp-harbor", "bp-powerdns",
]);

/** Helm release name of a slot: the slot name without its `bp-` prefix (`bp-cert-manager` → `cert-manager`). */
export const releaseNameOf = (slot: string): string => slot.replace(/^bp-/, "");
export const usualNamespaceOf = (slot: string): string => USUAL_NAMESPACES[slot] ?? releaseNameOf(slot);
export const upgradesAtomically = (slot: string): boolean => !NOT_ATOMIC.has(slot);
