import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Lazy, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { MonitoringPolicy } from "../../fleet/model";
import { SLOT } from "../../kit/slots";
import { serverAlerts, type RotationDue } from "../../monitoring/alert-rules";
import { alertRuleFile, provisioningYaml } from "../../monitoring/grafana-files";
import { GRAFANA_SIDECAR, type ServerKind } from "../../monitoring/labels";
import { CredentialRotation } from "../credentials/rotation";
import { OWNERSHIP_LABELS } from "../k8s/labels";
import { requireSlots } from "../kit/required-slots";
import { escapeTemplate } from "../terraform/escape";

export interface ServerAlertsProps {
  readonly kind: ServerKind;
  readonly sovereign: string;
  /** The server's stack: the rule group's name. */
  readonly stack: string;
  readonly namespace: string;
  readonly policy: MonitoringPolicy;
  /** The namespace holds cert-manager Certificates. @default false */
  readonly certificates?: boolean;
  /** The server is backed up. @default false */
  readonly backup?: boolean;
}

const DUE = (credential: string) => `__sovereign_mail_due_${credential.replace(/[^a-z0-9]/g, "_")}__`;

/**
 * The Grafana alert rules of one mail server (one rule group, `monitoring/alert-rules.ts`), as a ConfigMap that
 * bp-grafana's alerts sidecar loads from any namespace. A credential rotation's due date is a Terraform expression
 * of the stack's rotation period, so it moves only when an apply rotates: if nobody applies, the rule fires.
 * The rotations are read when the stack synthesizes, so those a stack adds after this construct count too.
 */
export class ServerAlerts extends Construct {
  readonly configMap: ConfigMapV1;

  constructor(scope: Construct, id: string, props: ServerAlertsProps) {
    super(scope, id);
    requireSlots(this, SLOT.alloy, SLOT.mimir, SLOT.loki, SLOT.grafana);
    const stack = TerraformStack.of(this);
    const render = (): string => {
      const rotations = stack.node
        .findAll()
        .filter((c): c is CredentialRotation => c instanceof CredentialRotation && c.period !== undefined)
        .map((r) => ({ credential: r.node.id.replace(/^rotation-/, ""), r }))
        .sort((a, b) => a.credential.localeCompare(b.credential));
      const due: RotationDue[] = rotations.map(({ credential }) => ({ credential, dueAt: DUE(credential) }));
      const input = { kind: props.kind, stack: props.stack, namespace: props.namespace, certificates: props.certificates ?? false, backup: props.backup ?? false, rotations: due };
      let text = escapeTemplate(provisioningYaml(alertRuleFile({ ...input, sovereign: props.sovereign }, serverAlerts(input, props.policy.thresholds), props.policy.alertFolder)));
      // The start of the period after the current one, in Unix seconds (see CredentialRotation).
      for (const { credential, r } of rotations) text = text.replaceAll(DUE(credential), `\${(${r.generationExpression} + 1) * ${r.rotationDays * 86400}}`);
      return text;
    };
    this.configMap = new ConfigMapV1(this, "rules", {
      metadata: { name: "stalwart-alerts", namespace: props.namespace, labels: { ...OWNERSHIP_LABELS, [GRAFANA_SIDECAR.alert]: GRAFANA_SIDECAR.value } },
      // The sidecar writes every key of every labelled ConfigMap into one folder: the key names the stack.
      data: { [`sovereign-mail-${props.stack}.yaml`]: Lazy.stringValue({ produce: render }) },
    });
  }
}
