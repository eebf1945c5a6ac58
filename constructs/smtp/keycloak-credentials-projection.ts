import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Construct } from "constructs";
import { projectionValues, resolveProjection, type SecretData } from "../../relay/smtp-precedence";

export const KC_PROJECTION_SECRET = { namespace: "catalyst-system", name: "catalyst-openova-kc-credentials" } as const;

export interface KeycloakCredentialsProjectionProps {
  /** The contract Secret's values (source). */
  readonly source: SecretData;
  /** Keycloak service-account fields and configured address defaults. */
  readonly defaults: SecretData;
}

/**
 * `catalyst-system/catalyst-openova-kc-credentials`, resolved with the platform's precedence contract. Terraform
 * never reads the existing projection back, so the contract runs with the source and the configured defaults:
 * source wins for SMTP credentials and addresses, the configured Keycloak fields fill `kc-*`.
 */
export class KeycloakCredentialsProjection extends Construct {
  readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: KeycloakCredentialsProjectionProps) {
    super(scope, id);
    // Keycloak fields come from configuration: pass them as the source of the kc-* keys.
    const kc = Object.fromEntries(Object.entries(props.defaults).filter(([k]) => k.startsWith("kc-")));
    const values = projectionValues(resolveProjection({ ...props.source, ...kc }, undefined, props.defaults));
    this.secret = new SecretV1(this, "secret", {
      metadata: {
        ...KC_PROJECTION_SECRET,
        labels: {
          "app.kubernetes.io/managed-by": "terraform",
          "app.kubernetes.io/part-of": "catalyst",
          "catalyst.openova.io/component": "catalyst-api",
        },
      },
      type: "Opaque",
      data: values,
    });
  }
}
