import type { IConstruct } from "constructs";
import { addressOf } from "../terraform/replace-triggered-by";
import { GeneratedCredential } from "./generated-credential";

/** What resetting one generated credential replaces and where its new value shows up. */
export interface CredentialReset {
  /** Terraform addresses to replace (every slot of a password, every DKIM key). */
  readonly replace: readonly string[];
  /** The Secrets rendered from it (namespace/name): the server's first, then consumer contracts. */
  readonly externalSecrets: readonly string[];
  /** The OpenBao path it is kept at. */
  readonly openbaoPath: string;
  /** The namespace of the server's Secret. */
  readonly namespace: string;
}

/** Every credential generated under `scope`, in construct order. */
export const generatedCredentialsOf = (scope: IConstruct): GeneratedCredential[] => scope.node.findAll().filter((c): c is GeneratedCredential => c instanceof GeneratedCredential);

/** How to reset the credential named `name` under `scope`, or why there is none (naming those that exist). */
export function credentialReset(scope: IConstruct, name: string): CredentialReset | { readonly known: readonly string[] } {
  const all = generatedCredentialsOf(scope);
  const credential = all.find((c) => c.resetName === name);
  if (!credential) return { known: [...new Set(all.map((c) => c.resetName))] };
  const secret = (i: number) => credential.projections[i].body.metadata as { namespace: string; name: string };
  return {
    replace: credential.resetTargets.map(addressOf),
    externalSecrets: credential.projections.map((_, i) => `${secret(i).namespace}/${secret(i).name}`),
    openbaoPath: credential.openbaoPath,
    namespace: secret(0).namespace,
  };
}
