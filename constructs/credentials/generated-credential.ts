import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Password } from "@cdktf/provider-random/lib/password";
import { Construct } from "constructs";
import type { Labels } from "../kubernetes/labels";
import type { SecretKeyRef } from "../kubernetes/secret-key-ref";
import type { ServerCredential } from "./server-credential";

export interface GeneratedCredentialProps {
  /** Name of the Kubernetes Secret that carries the credential. */
  readonly secretName: string;
  readonly namespace: string;
  /**
   * The Secret's keys, derived from the generated password (a Terraform expression); e.g.
   * `(pw) => ({ username: "admin", password: pw })`.
   */
  readonly keys: (password: string) => Record<string, string>;
  /** @default 32 */
  readonly length?: number;
  /** @default {} */
  readonly labels?: Labels;
}

/**
 * A password generated once by Terraform (stable across applies: it lives in state and never appears in the
 * synthesized JSON), published as a Kubernetes Secret. The single place that decides where a server credential
 * comes from, so moving credentials to another system of record changes this construct only.
 */
export class GeneratedCredential extends Construct implements ServerCredential {
  readonly password: Password;
  readonly secret: SecretV1;
  private readonly secretName: string;

  constructor(scope: Construct, id: string, props: GeneratedCredentialProps) {
    super(scope, id);
    this.secretName = props.secretName;
    // Alphanumeric only: the value is embedded in `user:password` and in URLs without escaping.
    this.password = new Password(this, "password", { length: props.length ?? 32, special: false });
    this.secret = new SecretV1(this, "secret", {
      metadata: { name: props.secretName, namespace: props.namespace, labels: { ...(props.labels ?? {}) } },
      type: "Opaque",
      data: props.keys(this.password.result),
    });
  }

  get ready(): SecretV1 {
    return this.secret;
  }

  /** A key of the Secret, for env vars and volumes of pods in the same namespace. */
  keyRef(key: string): SecretKeyRef {
    return { name: this.secretName, key };
  }
}
