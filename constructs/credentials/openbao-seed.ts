import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { escapeTemplate } from "../terraform/escape";
import { auditMetadata, VERSION_KEY, type AuditRecord } from "./audit";

export interface OpenBaoSeedProps {
  /** KV v2 mount and path of the system of record. */
  readonly openbao: { readonly mount: string; readonly path: string };
  /** The secret's properties (sensitive Terraform expressions); a `version` property is added. */
  readonly data: Readonly<Record<string, string>>;
  /** The generation the data carries (Unix seconds of its generation time). */
  readonly version: number;
  readonly audit: AuditRecord;
}

/**
 * A generated credential written to OpenBao KV v2 with the write-only `data_json_wo` (never in the plan, the JSON
 * or the state), with its audit trail as custom metadata.
 *
 * `data_json_wo_version` is a fingerprint of everything the provider writes, not just the generation:
 * hashicorp/vault v5.6.0 (vault/resource_kv_secret_v2.go, kvSecretV2Write) reads `data_json_wo` on update only
 * when `data_json_wo_version` changed, and otherwise fails with `data_json "" syntax error`; so a change of the
 * custom metadata alone (a new audit key after an upgrade) must change the version too. Created in `scope` under
 * `id` itself, so existing state keeps its address.
 */
export function openBaoSeed(scope: Construct, id: string, props: OpenBaoSeedProps): KvSecretV2 {
  const metadata = auditMetadata(props.audit);
  return new KvSecretV2(scope, id, {
    mount: escapeTemplate(props.openbao.mount),
    name: props.openbao.path,
    dataJsonWo: Fn.jsonencode({ ...props.data, [VERSION_KEY]: Fn.tostring(props.version) }),
    dataJsonWoVersion: writeOnlyVersion(props.version, metadata),
    customMetadata: { data: metadata },
  });
}

/** 48 bits of sha256 over the generation and the metadata: changes whenever either does. */
export function writeOnlyVersion(version: number, metadata: Readonly<Record<string, string>>): number {
  return Fn.parseint(Fn.substr(Fn.sha256(Fn.jsonencode([version, metadata])), 0, 12), 16);
}
