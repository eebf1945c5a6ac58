import { DataKubernetesSecretV1 } from "@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { KeycloakProjection } from "../../fleet/model";
import { projectionValues, resolveProjection, type SecretData } from "../../relay/smtp-precedence";
import { KubernetesSecretStore } from "../external-secrets/kubernetes-secret-store";
import { addDependsOn } from "../terraform/depends-on";
import type { ContractWriter } from "./smtp-credentials-secret";

export const KC_PROJECTION_SECRET = { namespace: "catalyst-system", name: "catalyst-openova-kc-credentials" } as const;
/** The template key of the Keycloak client secret read from its cluster Secret. */
const CLIENT_SECRET_KEY = "kc_sa_client_secret";

export interface KeycloakCredentialsProjectionProps {
  /** The contract Secret's values (source): ESO templates with an ExternalSecret writer, Terraform values otherwise. */
  readonly source: SecretData;
  /** Keycloak address, realm, service-account client and where its secret is kept. */
  readonly keycloak: KeycloakProjection;
  /** How the contract is written; the projection is written the same way. */
  readonly via: ContractWriter;
}

/**
 * `catalyst-system/catalyst-openova-kc-credentials`, resolved with the platform's precedence contract. Terraform
 * never reads the existing projection back, so the contract runs with the source and the configured Keycloak
 * fields: source wins for SMTP credentials and addresses, the configuration fills `kc-*`. When the contract is an
 * ExternalSecret this is one too, rendered from the same OpenBao path (a rotated password reaches Keycloak like
 * every other consumer), the client secret read from its cluster Secret through a store allowed that one Secret.
 */
export class KeycloakCredentialsProjection extends Construct {
  /** What materializes the Secret: an ExternalSecret's manifest or a Terraform Secret. */
  readonly resource: ITerraformDependable;

  constructor(scope: Construct, id: string, props: KeycloakCredentialsProjectionProps) {
    super(scope, id);
    const kc = props.keycloak;
    const viaEso = props.via.kind === "external-secret";
    const store =
      viaEso && kc.clientSecret
        ? new KubernetesSecretStore(this, "client-secret-store", { name: "keycloak-client-secret-reader", namespace: KC_PROJECTION_SECRET.namespace, secret: kc.clientSecret, labels: LABELS })
        : undefined;
    const clientSecret = !kc.clientSecret
      ? undefined
      : store
        ? `{{ .${CLIENT_SECRET_KEY} }}`
        : new DataKubernetesSecretV1(this, "client-secret", { metadata: { namespace: kc.clientSecret.namespace, name: kc.clientSecret.name } }).data.lookup(kc.clientSecret.key);
    const configured: SecretData = { "kc-addr": kc.addr, "kc-realm": kc.realm, "kc-sa-client-id": kc.clientId, "kc-audience": kc.audience, "kc-sa-client-secret": clientSecret };
    // The configured Keycloak fields are the source of the kc-* keys.
    const values = projectionValues(resolveProjection({ ...props.source, ...configured }, undefined, configured));
    if (props.via.kind === "external-secret") {
      const extraData = store && kc.clientSecret ? [{ secretKey: CLIENT_SECRET_KEY, key: kc.clientSecret.name, property: kc.clientSecret.key, store: store.ref }] : undefined;
      const es = props.via.project("keycloak-projection", { ...KC_PROJECTION_SECRET, template: values, labels: LABELS, annotations: {}, extraData });
      // The store must be Ready before ESO reads through it.
      if (store) addDependsOn(es, [store.manifest]);
      this.resource = es.manifest;
    } else {
      this.resource = new SecretV1(this, "secret", { metadata: { ...KC_PROJECTION_SECRET, labels: LABELS }, type: "Opaque", data: values });
    }
  }
}

const LABELS = { "app.kubernetes.io/managed-by": "terraform", "app.kubernetes.io/part-of": "catalyst", "catalyst.openova.io/component": "catalyst-api" };
