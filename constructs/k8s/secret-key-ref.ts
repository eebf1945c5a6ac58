/**
 * A key of a Kubernetes Secret that a pod reads. `external` Secrets are created outside the stack
 * (an ExternalSecret, another stack, an operator); the pod template lists them in the
 * {@link EXTERNAL_SECRETS_ANNOTATION} annotation so a reader (and the semantic tests) can tell a dangling
 * reference from a declared one.
 */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
  /** @default false (the Secret is created in the same stack) */
  readonly external?: boolean;
  /** The pod starts without it when the Secret or key is missing. @default false */
  readonly optional?: boolean;
}

export const EXTERNAL_SECRETS_ANNOTATION = "sovereign-mail.openova.io/external-secrets";

/** The annotation value: sorted, de-duplicated Secret names. */
export function externalSecretsAnnotation(refs: readonly SecretKeyRef[]): Record<string, string> {
  const names = [...new Set(refs.filter((r) => r.external).map((r) => r.name))].sort();
  return names.length > 0 ? { [EXTERNAL_SECRETS_ANNOTATION]: names.join(",") } : {};
}
