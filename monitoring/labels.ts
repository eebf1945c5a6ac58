/**
 * The monitoring contract shared by the scrape and log pipelines, the alert rules and the dashboards: the job every
 * mail server's series carry, the labels that tell servers apart, the Grafana datasources they are queried through,
 * and the event lines the project's own scripts print so Loki can find their outcome. One home, so a query can
 * never name a label the scraper does not set.
 */

/** The `job` label of every Stalwart scrape target. */
export const MAIL_JOB = "sovereign-mail";
/** `job` of the Kubernetes events of the mail namespaces (Job failures). */
export const EVENTS_JOB = "sovereign-mail/events";
/** `job` of the log lines shipped from the servers' `backup` init containers. */
export const LOGS_JOB = "sovereign-mail/logs";

/** The two kinds of mail server: the Sovereign's system-mail relay and a tenant's mail server. */
export const SERVER_KINDS = ["relay", "tenant"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Label names the pipelines attach to every series and log stream of a mail server. */
export const LABELS = {
  sovereign: "sovereign",
  kind: "kind",
  /** The server's namespace: one server per namespace, so it alone selects one server. */
  namespace: "namespace",
  stack: "stack",
} as const;

/** Grafana data source uids the provisioning creates and the dashboards and rules reference. */
export const PROMETHEUS_UID = "sovereign-mail-mimir";
export const LOKI_UID = "sovereign-mail-loki";

/** The Secret with each server's metrics login (`username`, `password`), in the server's namespace. */
export const METRICS_SECRET = "stalwart-metrics";
/** Label and value the Grafana sidecars look for (bp-grafana: dashboards and datasources; alerts as the kit values set it). */
export const GRAFANA_SIDECAR = { dashboard: "grafana_dashboard", datasource: "grafana_datasource", alert: "grafana_alert", value: "1" } as const;

/** Operations that print an event line: the backup init container (backup, restore) and the prune job. */
export const MAIL_EVENTS = ["backup", "restore", "backup-prune"] as const;
export type MailEvent = (typeof MAIL_EVENTS)[number];
export const EVENT_OUTCOMES = ["ok", "failed"] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

const EVENT_KEY = "sovereign-mail-event";

/** The exact line an operation prints when it ends, e.g. `sovereign-mail-event=backup outcome=failed`. */
export function eventLine(event: MailEvent, outcome: EventOutcome): string {
  return `${EVENT_KEY}=${event} outcome=${outcome}`;
}

/** Characters RE2 treats specially; event names have none today, escaped so a future one cannot widen a filter. */
const reEscape = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
/** A LogQL double-quoted string literal. */
const logqlString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/**
 * A LogQL line filter that keeps the event lines of the given operations and outcomes (all when omitted):
 * `|= "…"` for one exact line, `|~ "…"` otherwise.
 */
export function eventLineFilter(events: readonly MailEvent[] = MAIL_EVENTS, outcomes: readonly EventOutcome[] = EVENT_OUTCOMES): string {
  if (events.length === 0 || outcomes.length === 0) throw new Error("eventLineFilter: at least one event and one outcome");
  if (events.length === 1 && outcomes.length === 1) return `|= ${logqlString(eventLine(events[0], outcomes[0]))}`;
  const alt = (xs: readonly string[]) => (xs.length === 1 ? reEscape(xs[0]) : `(${xs.map(reEscape).join("|")})`);
  // The outcome ends at a space or the line's end, so a longer word after `outcome=` is not taken for it.
  return `|~ ${logqlString(`${EVENT_KEY}=${alt(events)} outcome=${alt(outcomes)}(\\s|$)`)}`;
}
