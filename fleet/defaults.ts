import type { Capacity } from "./model";

/** Defaults the fleet reference documents; the schema's `@default` notes point here. */
export const DEFAULT_KUBECONFIG_PATH = "~/.kube/config";
export const DEFAULT_TENANT_NAMESPACE_PREFIX = "org-";
export const RELAY_NAMESPACE = "stalwart-sovereign";

export const DEFAULT_TENANT_CAPACITY: Capacity = { cpu: "500m", memory: "1Gi", storage: "20Gi" };
export const DEFAULT_RELAY_CAPACITY: Capacity = { cpu: "250m", memory: "512Mi", storage: "10Gi" };

export const DEFAULT_CLUSTER_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } } as const;

/** stalwart-cli for the configuration apply Job, pinned by digest (a release whose `apply` knows `upsert`). */
export const DEFAULT_CLI_IMAGE =
  "ghcr.io/stalwartlabs/cli:1.0.13@sha256:9a1e07307d6f890a193322c4b737fc0868405f0f8486a19922cbf362f43884fd";

/** The relay's submission account (local part) and the in-cluster clients allowed to submit by default. */
export const RELAY_SENDER_LOCAL_PART = "noreply";
export const DEFAULT_RELAY_CLIENTS = [{ namespace: "catalyst-system", podLabels: {} }] as const;
export const DEFAULT_MOTHERSHIP_PORT = 587;
export const DEFAULT_OPENBAO_MOUNT = "secret";

/** Tenant integration defaults (the platform's conventions). */
export const DEFAULT_ISSUER_PATTERN = "https://keycloak.{domain}/realms/{prefix}-{id}";
export const DEFAULT_REALM_PREFIX = "org";
export const DEFAULT_OIDC_CLIENT_ID = "stalwart";
export const DEFAULT_CLUSTER_SECRET_STORE = "vault-region1";
export const DEFAULT_REFRESH_INTERVAL = "1h";
export const DEFAULT_CLUSTER_ISSUER = "letsencrypt-dns01-prod-powerdns";
export const DEFAULT_WEBMAIL_IMAGE = "djmaze/snappymail:v2.38.2";
export const DEFAULT_GATEWAY = { name: "cilium-gateway-console", namespace: "kube-system" } as const;
export const WEBMAIL_HOST_PREFIX = "webmail";
/** Object key prefix of the S3 state backend: `<prefix>/<stack>.tfstate`. */
export const DEFAULT_STATE_KEY_PREFIX = "sovereign-mail";
/** Schema prefix of the pg state backend: `<prefix>_<stack>`. */
export const DEFAULT_STATE_SCHEMA_PREFIX = "sovereign_mail";
/** Automatic rotation of every generated credential, and how long the previous submission password stays valid. */
export const DEFAULT_ROTATION_DAYS = 180;
export const DEFAULT_OVERLAP_DAYS = 7;
/** ExternalSecrets must pick up a rotation within this many seconds (one hour). */
export const MAX_REFRESH_SECONDS = 3600;
