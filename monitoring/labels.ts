/**
 * The monitoring contract shared by the scrape configuration, the alert rules and the dashboards: which labels every
 * series and log stream of a mail server carries, the Grafana datasources they are queried through, and the event
 * lines the project's own scripts print. One home, so a query can never name a label the scraper does not set.
 */

/** `job` of every Stalwart series Alloy scrapes. */
export const MAIL_JOB = "sovereign-mail";
/** `job` of the Kubernetes events of the mail namespaces (Job failures). */
export const EVENTS_JOB = "sovereign-mail/events";
/** `job` of the log lines shipped from the servers' `backup` init containers. */
export const LOGS_JOB = "sovereign-mail/logs";

export type ServerKind = "relay" | "tenant";

/** Labels Alloy adds to every series of a server (`namespace` is also on kubelet and cert-manager series). */
export const LABEL = { sovereign: "sovereign", kind: "kind", namespace: "namespace", stack: "stack" } as const;

/** Datasources the monitoring provisions with fixed uids, so rules and dashboards can name them. */
export const PROMETHEUS_UID = "sovereign-mail-mimir";
export const LOKI_UID = "sovereign-mail-loki";

/** The server's data volume claim (StatefulSet `stalwart`, claim template `data`). */
export const DATA_CLAIM = "data-stalwart-0";

/** Outcomes the project's scripts report. */
export type EventName = "backup" | "restore";
export type Outcome = "ok" | "failed";

/** The exact line a script prints for an outcome; alerts match it literally. */
export const eventLine = (event: EventName, outcome: Outcome): string => `sovereign-mail-event=${event} outcome=${outcome}`;

/** The Secret with each server's metrics login (`username`, `password`), in the server's namespace. */
export const METRICS_SECRET = "stalwart-metrics";
/** Label and value the Grafana sidecars look for (bp-grafana: dashboards and datasources; alerts as the kit values set it). */
export const GRAFANA_SIDECAR = { dashboard: "grafana_dashboard", datasource: "grafana_datasource", alert: "grafana_alert", value: "1" } as const;
