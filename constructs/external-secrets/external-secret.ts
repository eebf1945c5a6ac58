import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import type { Labels } from "../k8s/labels";
import type { SecretKeyRef } from "../k8s/secret-key-ref";
import { escapeTemplateDeep } from "../terraform/escape-deep";
import { SLOT } from "../../kit/slots";
import { requireSlots } from "../kit/required-slots";

export const EXTERNAL_SECRETS_API = "external-secrets.io/v1";

/** A SecretStore or ClusterSecretStore an ExternalSecret entry reads from. */
export interface StoreRef {
  readonly name: string;
  readonly kind: "SecretStore" | "ClusterSecretStore";
}

/** One value of an ExternalSecret: `secretKey` ← `key`/`property` of a store. */
export interface ExternalSecretData {
  readonly secretKey: string;
  readonly key: string;
  readonly property: string;
  /** Read from this store instead of the ExternalSecret's. @default the ExternalSecret's ClusterSecretStore */
  readonly store?: StoreRef;
}

export interface ExternalSecretProps {
  readonly name: string;
  readonly namespace: string;
  /** ClusterSecretStore to read from (OpenBao through the Vault provider). */
  readonly clusterSecretStore: string;
  /** Go duration, e.g. `1h`. */
  readonly refreshInterval: string;
  /** `secretKey` ← OpenBao `key`/`property` (or another store's). */
  readonly data: readonly ExternalSecretData[];
  /** Keys of the target Secret rendered from the fetched values (ESO template v2: `{{ .secretKey }}`). @default the fetched keys as they are */
  readonly template?: Readonly<Record<string, string>>;
  /** @default {} */
  readonly labels?: Labels;
  /** Annotations of the ExternalSecret itself (a changed `force-sync` makes ESO refresh at once). @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Labels and annotations of the materialized Secret (needs a template). @default none */
  readonly targetMetadata?: { readonly labels?: Labels; readonly annotations?: Readonly<Record<string, string>> };
}

/** Changing this annotation's value makes ESO refresh the ExternalSecret now instead of at its next interval. */
export const FORCE_SYNC_ANNOTATION = "force-sync";

/**
 * An ExternalSecret (`external-secrets.io/v1`) that materializes a Kubernetes Secret of the same name, owned by
 * it (creationPolicy Owner). A `kubernetes_manifest`: its stack must be applied after the kit that installs
 * the CRD. Terraform waits until ESO reports it Ready, so pods never start before their Secret exists.
 */
export class ExternalSecret extends Construct {
  readonly manifest: Manifest;
  readonly body: Record<string, unknown>;
  private readonly secretName: string;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    requireSlots(this, SLOT.externalSecretsStores);
    this.secretName = props.name;
    this.body = {
      apiVersion: EXTERNAL_SECRETS_API,
      kind: "ExternalSecret",
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...(props.labels ?? {}) },
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      spec: {
        refreshInterval: props.refreshInterval,
        secretStoreRef: { kind: "ClusterSecretStore", name: props.clusterSecretStore },
        target: {
          name: props.name,
          creationPolicy: "Owner",
          ...(props.template
            ? {
                template: {
                  engineVersion: "v2",
                  type: "Opaque",
                  ...(props.targetMetadata ? { metadata: { labels: { ...(props.targetMetadata.labels ?? {}) }, annotations: { ...(props.targetMetadata.annotations ?? {}) } } } : {}),
                  data: { ...props.template },
                },
              }
            : {}),
        },
        data: props.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key, property: d.property }, ...(d.store ? { sourceRef: { storeRef: { ...d.store } } } : {}) })),
      },
    };
    this.manifest = new Manifest(this, "manifest", {
      manifest: escapeTemplateDeep(this.body),
      wait: { condition: [{ type: "Ready", status: "True" }] },
      timeouts: { create: "5m", update: "5m" },
    });
  }

  keyRef(key: string): SecretKeyRef {
    return { name: this.secretName, key };
  }
}
