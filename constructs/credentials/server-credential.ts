import type { ITerraformDependable } from "cdktf";
import type { SecretKeyRef } from "../k8s/secret-key-ref";

/** A credential a server reads by Secret key, whatever system produces the Secret. */
export interface ServerCredential {
  keyRef(key: string): SecretKeyRef;
  /** What must exist before a pod reads the Secret. */
  readonly ready: ITerraformDependable;
  /** Where the value is kept: the KV v2 path and the property holding it. */
  readonly source: { readonly path: string; readonly property: string };
}
