import type { MonitoringPolicy, Sovereign } from "../fleet/model";
import { MANAGEMENT_LISTENER } from "../stalwart/listeners";
import type { ScrapedServer } from "./alloy-config";
import { METRICS_SECRET } from "./labels";
import { METRICS_USERNAME } from "../stalwart/server-plan";

/** The management listener's in-cluster address of the server in `namespace` (StatefulSet `stalwart`). */
export const managementEndpointOf = (namespace: string): string => `stalwart-management.${namespace}.svc:${MANAGEMENT_LISTENER.port}`;

/** Every mail server of a Sovereign as the scraper sees it: the relay first, then the tenants in fleet order. */
export function scrapedServersOf(sovereign: Sovereign): ScrapedServer[] {
  const server = (kind: ScrapedServer["kind"], stack: string, namespace: string): ScrapedServer => ({
    kind,
    stack,
    namespace,
    managementEndpoint: managementEndpointOf(namespace),
    metricsSecret: METRICS_SECRET,
    metricsUsername: METRICS_USERNAME,
  });
  return [server("relay", sovereign.relay.stackName, sovereign.relay.namespace), ...sovereign.tenants.map((t) => server("tenant", t.stackName, t.namespace))];
}

/** Where Alloy sends what it collects, from the policy. */
export const alloyTargetsOf = (sovereign: Sovereign, m: MonitoringPolicy, certificates: boolean) => ({
  sovereign: sovereign.name,
  remoteWriteUrl: `${m.mimirUrl}/api/v1/push`,
  lokiPushUrl: `${m.lokiUrl}/loki/api/v1/push`,
  tenantId: m.tenantId,
  scrapeInterval: m.scrapeInterval,
  certManagerNamespace: certificates ? m.certManagerNamespace : undefined,
});
