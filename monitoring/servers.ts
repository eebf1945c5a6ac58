import type { MonitoringPolicy } from "../fleet/model";
import type { MailServerRef } from "../fleet/stack-inputs";
import { MANAGEMENT_LISTENER } from "../stalwart/listeners";
import type { ScrapedServer } from "./alloy-config";
import { METRICS_SECRET } from "./labels";
import { METRICS_USERNAME } from "../stalwart/server-plan";

/** The management listener's in-cluster address of the server in `namespace` (StatefulSet `stalwart`). */
export const managementEndpointOf = (namespace: string): string => `stalwart-management.${namespace}.svc:${MANAGEMENT_LISTENER.port}`;

/** The Sovereign's mail servers as the scraper sees them, in the order given (the relay first). */
export const scrapedServersOf = (servers: readonly MailServerRef[]): ScrapedServer[] =>
  servers.map((s) => ({ ...s, managementEndpoint: managementEndpointOf(s.namespace), metricsSecret: METRICS_SECRET, metricsUsername: METRICS_USERNAME }));

/** Where Alloy sends what it collects, from the policy. */
export const alloyTargetsOf = (sovereign: string, m: MonitoringPolicy, certificates: boolean) => ({
  sovereign,
  remoteWriteUrl: `${m.mimirUrl}/api/v1/push`,
  lokiPushUrl: `${m.lokiUrl}/loki/api/v1/push`,
  tenantId: m.tenantId,
  scrapeInterval: m.scrapeInterval,
  certManagerNamespace: certificates ? m.certManagerNamespace : undefined,
});
