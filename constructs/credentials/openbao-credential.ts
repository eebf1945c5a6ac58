import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ExternalSecret } from "../external-secrets/external-secret";
import type { Labels } from "../k8s/labels";
import type { SecretKeyRef } from "../k8s/secret-key-ref";
import type { ServerCredential } from "./server-credential";

export interface OpenBaoCredentialProps {
  /** The Kubernetes Secret the ExternalSecret materializes. */
  readonly secretName: string;
  readonly namespace: string;
  /** KV v2 path below the store's mount, e.g. `sovereign/<fqdn>/stalwart/<id>/admin`. */
  readonly path: string;
  /** Property holding the value, e.g. `ADMIN_PASSWORD`. */
  readonly property: string;
  readonly clusterSecretStore: string;
  readonly refreshInterval: string;
  /** Keys of the Secret rendered from the value (`{{ .<property> }}`). @default the property alone */
  readonly template?: Readonly<Record<string, string>>;
  /** @default {} */
  readonly labels?: Labels;
}

/**
 * A credential another system writes to OpenBao (a tenant seeded elsewhere, a smart host's password), projected
 * into the namespace by an ExternalSecret. Pods read it by Secret key only. Credentials Terraform generates are
 * RotatingPasswords.
 */
export class OpenBaoCredential extends Construct implements ServerCredential {
  readonly externalSecret: ExternalSecret;
  readonly source: { readonly path: string; readonly property: string };

  constructor(scope: Construct, id: string, props: OpenBaoCredentialProps) {
    super(scope, id);
    this.source = { path: props.path, property: props.property };
    this.externalSecret = new ExternalSecret(this, "external-secret", {
      name: props.secretName,
      namespace: props.namespace,
      clusterSecretStore: props.clusterSecretStore,
      refreshInterval: props.refreshInterval,
      data: [{ secretKey: props.property, key: props.path, property: props.property }],
      template: props.template,
      labels: props.labels,
    });
  }

  get ready(): ITerraformDependable {
    return this.externalSecret.manifest;
  }

  keyRef(key: string): SecretKeyRef {
    return this.externalSecret.keyRef(key);
  }
}
