import type { Construct } from "constructs";
import type { CredentialClass, CredentialPolicy, OpenBao, SovereignPlatform } from "../../fleet/model";
import { OWNERSHIP_LABELS } from "../k8s/labels";
import { StackMemory } from "../terraform/stack-memory";
import { OpenBaoCredential } from "./openbao-credential";
import { RotatingPassword, type RotatingPasswordProps } from "./rotating-password";
import { CredentialRotation } from "./rotation";

/** Where a stack's credentials are kept and how they rotate: the same for every credential of the stack. */
export interface CredentialSettings {
  /** The stack that generates them, recorded in the audit metadata. */
  readonly stackName: string;
  /** KV v2 mount of the Sovereign's OpenBao. */
  readonly mount: string;
  /** Rotation days per credential class and the submission overlap. */
  readonly policy: CredentialPolicy;
  /** How ExternalSecrets read OpenBao. */
  readonly externalSecrets: { readonly clusterSecretStore: string; readonly refreshInterval: string };
}

/** The credential settings of a stack on a Sovereign's platform. */
export function credentialSettings(stackName: string, platform: SovereignPlatform, openbao: OpenBao): CredentialSettings {
  return { stackName, mount: openbao.mount, policy: platform.credentials, externalSecrets: platform.externalSecrets };
}

/** Where a generated password lands and how the server's Secret renders it. */
export interface PasswordTarget {
  /** OpenBao folder; the password goes to `<basePath>/<credential>` unless {@link path} says otherwise. */
  readonly basePath: string;
  /** @default `<basePath>/<credential>` */
  readonly path?: string;
  readonly secretName: string;
  readonly namespace: string;
  /** Keys of the Secret as ESO templates of `{{ .<property> }}`. */
  readonly template: Readonly<Record<string, string>>;
  /** @default "password" */
  readonly property?: string;
  /** Keep the previous password valid for the policy's overlap (two slots taking turns). @default false */
  readonly overlap?: boolean;
  /** With an overlap, the login name of each slot. @default none */
  readonly slotAccounts?: RotatingPasswordProps["slotAccounts"];
}

/** A password of `credential`'s class, generated into OpenBao on the class's schedule and projected as `target.secretName`. */
export function generatedPassword(scope: Construct, id: string, settings: CredentialSettings, credential: CredentialClass, target: PasswordTarget): RotatingPassword {
  const rotation = CredentialRotation.of(scope, credential, settings.policy.rotationDays[credential]);
  const memory = target.overlap ? StackMemory.of(scope, target.namespace) : undefined;
  return new RotatingPassword(scope, id, {
    credential,
    stackName: settings.stackName,
    openbao: { mount: settings.mount, path: target.path ?? `${target.basePath}/${credential}` },
    rotation,
    property: target.property,
    overlapDays: target.overlap ? settings.policy.overlapDays : undefined,
    memory,
    slotAccounts: target.slotAccounts,
    secretName: target.secretName,
    namespace: target.namespace,
    template: target.template,
    externalSecrets: settings.externalSecrets,
    labels: OWNERSHIP_LABELS,
  });
}

/** A credential another system writes to OpenBao, projected into `namespace` as `secretName`. */
export function existingCredential(
  scope: Construct,
  id: string,
  settings: CredentialSettings,
  target: { readonly secretName: string; readonly namespace: string; readonly path: string; readonly property: string; readonly template?: Readonly<Record<string, string>> },
): OpenBaoCredential {
  return new OpenBaoCredential(scope, id, { ...target, ...settings.externalSecrets, labels: OWNERSHIP_LABELS });
}
