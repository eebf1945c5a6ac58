import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import type { Labels } from "../k8s/labels";
import { SLOT } from "../../kit/slots";
import { requireSlots } from "../kit/required-slots";

export interface CertificateProps {
  readonly name: string;
  readonly namespace: string;
  /** The kubernetes.io/tls Secret cert-manager writes. */
  readonly secretName: string;
  readonly dnsNames: readonly string[];
  /** A ClusterIssuer that solves DNS-01 (the Cilium gateway has no HTTP-01 solver). */
  readonly clusterIssuer: string;
  /** @default {} */
  readonly labels?: Labels;
}

/**
 * A cert-manager Certificate (`cert-manager.io/v1`, a `kubernetes_manifest`): ECDSA P-256, rotated key, renewed 15
 * days before the 90-day expiry. Terraform does not wait for issuance; the pods that mount the Secret do.
 */
export class Certificate extends Construct {
  readonly manifest: Manifest;
  readonly body: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    requireSlots(this, SLOT.certManager, SLOT.certManagerIssuers);
    this.body = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: props.name, namespace: props.namespace, labels: { ...(props.labels ?? {}) } },
      spec: {
        secretName: props.secretName,
        dnsNames: [...props.dnsNames],
        duration: "2160h",
        renewBefore: "360h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: props.clusterIssuer },
      },
    };
    this.manifest = new Manifest(this, "manifest", { manifest: this.body });
  }
}
