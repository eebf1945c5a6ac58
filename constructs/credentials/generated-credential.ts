import type { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import { Fn, type ITerraformDependable, type TerraformResource } from "cdktf";
import { Construct } from "constructs";
import type { ExternalSecret, ExternalSecretData } from "../external-secrets/external-secret";
import type { Labels } from "../k8s/labels";
import type { SecretKeyRef } from "../k8s/secret-key-ref";
import { VERSION_KEY, type AuditRecord } from "./audit";
import { openBaoSeed } from "./openbao-seed";
import { versionedProjection } from "./versioned-projection";

/** A Secret rendered from a generated credential's OpenBao path: the server's own, or a consumer contract elsewhere. */
export interface CredentialProjection {
  readonly name: string;
  readonly namespace: string;
  /** Keys as ESO templates (`{{ .<property> }}`, `{{ .version }}`); a `version` key is always added. */
  readonly template: Readonly<Record<string, string>>;
  /** @default {} */
  readonly labels?: Labels;
  /** Annotations of the Secret, besides the audit ones. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Further values the template reads (`{{ .<secretKey> }}`), e.g. from another store. @default none */
  readonly extraData?: readonly ExternalSecretData[];
}

/** What a generated credential writes to OpenBao and where its server reads it. */
export interface CredentialPublication {
  /** Id of the OpenBao write inside the credential (fixed per kind: deployed state keeps its address). */
  readonly seedId: string;
  /** KV v2 mount and path of the system of record. */
  readonly openbao: { readonly mount: string; readonly path: string };
  /** The properties written (sensitive Terraform expressions); a `version` property is added. */
  readonly data: Readonly<Record<string, string>>;
  /** The generation the data carries (Unix seconds of its generation time, a Terraform number). */
  readonly version: number;
  readonly audit: AuditRecord;
  readonly externalSecrets: { readonly clusterSecretStore: string; readonly refreshInterval: string };
  /** The Secret next to the server. */
  readonly secret: CredentialProjection;
}

interface Published {
  readonly publication: CredentialPublication;
  readonly seed: KvSecretV2;
  readonly projections: ExternalSecret[];
}

/**
 * The lifecycle every credential Terraform generates shares, passwords and DKIM keys alike: the value is written
 * write-only to OpenBao (the system of record, with its audit trail), reaches the cluster only through
 * ExternalSecrets that refresh as soon as the version moves, carries a version key the server's start gate
 * compares, and is reset by replacing {@link resetTargets}. What the value means to a server is not its concern.
 */
export abstract class GeneratedCredential extends Construct {
  /** What `credentials:reset` calls it (`admin`, `automation`, `submission`, `metrics`, `oidc`, `dkim`). */
  abstract readonly resetName: string;
  /** Every resource a reset replaces, so that no earlier value survives. */
  abstract get resetTargets(): readonly TerraformResource[];
  private published?: Published;

  /** Writes the value to OpenBao and projects it as the server's Secret; subclasses call it once, after generating. */
  protected publish(publication: CredentialPublication): void {
    if (this.published) throw new Error(`${this.node.path}: a credential is published once`);
    const seed = openBaoSeed(this, publication.seedId, { openbao: publication.openbao, data: publication.data, version: publication.version, audit: publication.audit });
    this.published = { publication, seed, projections: [] };
    this.project("external-secret", publication.secret);
  }

  private get publishedState(): Published {
    if (!this.published) throw new Error(`${this.node.path}: not published yet`);
    return this.published;
  }

  /** The OpenBao write. */
  get seed(): KvSecretV2 {
    return this.publishedState.seed;
  }

  /** Where OpenBao keeps it. */
  get openbaoPath(): string {
    return this.publishedState.publication.openbao.path;
  }

  /** The generation this apply writes (Unix seconds, a Terraform number). */
  get version(): number {
    return this.publishedState.publication.version;
  }

  /** The server's Secret. */
  get externalSecret(): ExternalSecret {
    return this.publishedState.projections[0];
  }

  /** Every Secret rendered from it: the server's first, then consumer contracts. */
  get projections(): readonly ExternalSecret[] {
    return this.publishedState.projections;
  }

  /** Another Secret from the same OpenBao path (a consumer contract); it refreshes when the value changes. */
  project(id: string, projection: CredentialProjection): ExternalSecret {
    const { publication, seed, projections } = this.publishedState;
    const es = versionedProjection(this, id, {
      ...projection,
      externalSecrets: publication.externalSecrets,
      openbaoPath: publication.openbao.path,
      // Every property written (and the version, which the projection always reads).
      properties: Object.keys(publication.data),
      version: publication.version,
      audit: publication.audit,
      seed,
    });
    projections.push(es);
    return es;
  }

  /** Keys the server and the apply Job read; OpenBao writes and the ExternalSecret come first. */
  get ready(): ITerraformDependable {
    return this.externalSecret.manifest;
  }

  keyRef(key: string): SecretKeyRef {
    return this.externalSecret.keyRef(key);
  }

  /** The Secret key holding the generation the Secret carries, and the value it must have after this apply. */
  get versionCheck(): { readonly ref: SecretKeyRef; readonly expected: string } {
    return { ref: this.keyRef(VERSION_KEY), expected: Fn.tostring(this.version) };
  }
}
