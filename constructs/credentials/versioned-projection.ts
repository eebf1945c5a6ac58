import { Fn, type ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import { ExternalSecret, FORCE_SYNC_ANNOTATION, type ExternalSecretData } from "../external-secrets/external-secret";
import type { Labels } from "../k8s/labels";
import { addDependsOn } from "../terraform/depends-on";
import { auditMetadata, VERSION_KEY, type AuditRecord } from "./audit";

export interface VersionedProjectionProps {
  /** The Secret to materialize. */
  readonly name: string;
  readonly namespace: string;
  readonly externalSecrets: { readonly clusterSecretStore: string; readonly refreshInterval: string };
  /** The KV v2 path and the properties read from it (the `version` property is always read too). */
  readonly openbaoPath: string;
  readonly properties: readonly string[];
  /** Keys of the Secret as ESO templates of `{{ .<property> }}`; a `version` key is always added. */
  readonly template: Readonly<Record<string, string>>;
  /** The version this apply wrote (a Terraform number). */
  readonly version: number;
  /** Recorded as annotations of the Secret. */
  readonly audit: AuditRecord;
  /** The OpenBao write the Secret must not be read before. */
  readonly seed: ITerraformDependable;
  /** @default {} */
  readonly labels?: Labels;
  /** Annotations of the Secret besides the audit ones. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Further values the template reads, e.g. from another store. @default none */
  readonly extraData?: readonly ExternalSecretData[];
}

/**
 * The ExternalSecret of a Terraform-generated credential: reads its properties and version from OpenBao after the
 * write, refreshes at once when the version changes (`force-sync`), and annotates the Secret with the audit record.
 */
export function versionedProjection(scope: Construct, id: string, p: VersionedProjectionProps): ExternalSecret {
  const es = new ExternalSecret(scope, id, {
    name: p.name,
    namespace: p.namespace,
    ...p.externalSecrets,
    data: [...[...p.properties, VERSION_KEY].map((property) => ({ secretKey: property, key: p.openbaoPath, property })), ...(p.extraData ?? [])],
    template: { ...p.template, [VERSION_KEY]: `{{ .${VERSION_KEY} }}` },
    labels: p.labels,
    // A new version makes ESO fetch now rather than at the next refresh interval.
    annotations: { [FORCE_SYNC_ANNOTATION]: Fn.tostring(p.version) },
    targetMetadata: { labels: p.labels, annotations: { ...(p.annotations ?? {}), ...auditMetadata({ ...p.audit, nextRotation: undefined }) } },
  });
  addDependsOn(es, [p.seed]);
  return es;
}
