import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import type { Labels } from "../k8s/labels";
import { addDependsOn } from "../terraform/depends-on";
import { escapeTemplateDeep } from "../terraform/escape-deep";
import { EXTERNAL_SECRETS_API, type StoreRef } from "./external-secret";

export interface KubernetesSecretStoreProps {
  /** Name of the SecretStore, of the ServiceAccount it authenticates as, and of its Role and RoleBinding. */
  readonly name: string;
  /** Namespace of the store and its ServiceAccount: the ExternalSecrets that read through it live here. */
  readonly namespace: string;
  /** The one Secret it may read. */
  readonly secret: { readonly namespace: string; readonly name: string };
  /** @default {} */
  readonly labels?: Labels;
}

/**
 * A SecretStore (ESO `kubernetes` provider) that reads one Secret of this cluster, for a value another system owns
 * in a cluster Secret (a Keycloak client secret) that must be rendered into the same Secret as OpenBao values.
 * It authenticates as its own ServiceAccount, allowed `get` on that Secret only (ESO's store check looks for a
 * `get` rule on secrets; every authenticated account may create the SelfSubjectRulesReview it uses).
 */
export class KubernetesSecretStore extends Construct {
  readonly ref: StoreRef;
  readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: KubernetesSecretStoreProps) {
    super(scope, id);
    const labels = { ...(props.labels ?? {}) };
    const account = new ServiceAccountV1(this, "service-account", { metadata: { name: props.name, namespace: props.namespace, labels }, automountServiceAccountToken: false });
    const role = new RoleV1(this, "role", {
      metadata: { name: props.name, namespace: props.secret.namespace, labels },
      rule: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [props.secret.name], verbs: ["get"] }],
    });
    const binding = new RoleBindingV1(this, "role-binding", {
      metadata: { name: props.name, namespace: props.secret.namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: props.name },
      subject: [{ kind: "ServiceAccount", name: props.name, namespace: props.namespace }],
    });
    this.ref = { name: props.name, kind: "SecretStore" };
    this.manifest = new Manifest(this, "manifest", {
      manifest: escapeTemplateDeep({
        apiVersion: EXTERNAL_SECRETS_API,
        kind: "SecretStore",
        metadata: { name: props.name, namespace: props.namespace, labels },
        spec: {
          provider: {
            kubernetes: {
              remoteNamespace: props.secret.namespace,
              // The in-cluster API server (kubernetes.default), verified with the CA every namespace carries.
              server: { caProvider: { type: "ConfigMap", name: "kube-root-ca.crt", key: "ca.crt" } },
              auth: { serviceAccount: { name: props.name } },
            },
          },
        },
      }),
      wait: { condition: [{ type: "Ready", status: "True" }] },
      timeouts: { create: "5m", update: "5m" },
    });
    // ESO validates the store with the account's permissions: they exist first.
    addDependsOn(this.manifest, [account, role, binding]);
  }
}
