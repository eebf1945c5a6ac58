import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Construct } from "constructs";
import type { MonitoringPolicy } from "../../fleet/model";
import { SLOT } from "../../kit/slots";
import { datasourceFile, provisioningYaml } from "../../monitoring/grafana-files";
import { GRAFANA_SIDECAR } from "../../monitoring/labels";
import { OWNERSHIP_LABELS } from "../k8s/labels";
import { requireSlots } from "../kit/required-slots";
import { escapeTemplate } from "../terraform/escape";

export interface MailGrafanaProps {
  /** Where the ConfigMaps live (bp-grafana's sidecars search every namespace). */
  readonly namespace: string;
  readonly policy: MonitoringPolicy;
}

/**
 * What a Sovereign's Grafana needs once for all its mail servers: the datasources the mail alert rules and
 * dashboards name by uid (the kit's own datasources get generated uids, so rules could not name them). Lives in
 * the relay's stack, the one mail stack every Sovereign has.
 */
export class MailGrafana extends Construct {
  readonly datasources: ConfigMapV1;

  constructor(scope: Construct, id: string, props: MailGrafanaProps) {
    super(scope, id);
    requireSlots(this, SLOT.grafana, SLOT.mimir, SLOT.loki);
    this.datasources = new ConfigMapV1(this, "datasources", {
      metadata: { name: "sovereign-mail-datasources", namespace: props.namespace, labels: { ...OWNERSHIP_LABELS, [GRAFANA_SIDECAR.datasource]: GRAFANA_SIDECAR.value } },
      data: { "sovereign-mail-datasources.yaml": escapeTemplate(provisioningYaml(datasourceFile(props.policy))) },
    });
  }
}
