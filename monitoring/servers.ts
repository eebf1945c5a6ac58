import type { MonitoringPolicy } from "../fleet/model";
import type { MailServerRef } from "../fleet/stack-inputs";
import { DEFAULT_SERVER_NAME, managementEndpointOf } from "../stalwart/server-objects";
import type { ScrapedServer } from "./alloy-config";
import { METRICS_SECRET } from "./labels";
import { METRICS_USERNAME } from "../stalwart/server-plan";

/** The Sovereign's mail servers as the scraper sees them, in the order given (the relay first). */
export const scrapedServersOf = (servers: readonly MailServerRef[]): ScrapedServer[] =>
  servers.map((s) => ({ ...s, managementEndpoint: managementEndpointOf(DEFAULT_SERVER_NAME, s.namespace), metricsSecret: METRICS_SECRET, metricsUsername: METRICS_USERNAME }));

/** Where Alloy sends what it collects, from the policy. */
export const alloyTargetsOf = (sovereign: string, m: MonitoringPolicy, certificates: boolean) => ({
  sovereign,
  remoteWriteUrl: `${m.mimirUrl}/api/v1/push`,
  lokiPushUrl: `${m.lokiUrl}/loki/api/v1/push`,
  tenantId: m.tenantId,
  scrapeInterval: m.scrapeInterval,
  certManagerNamespace: certificates ? m.certManagerNamespace : undefined,
});
