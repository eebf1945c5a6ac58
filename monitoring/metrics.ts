/**
 * The metric names the dashboards and alert rules use, each with why it is watched and where it comes from.
 *
 * Stalwart v0.16.18 (stalwartlabs/stalwart, tag v0.16.18):
 * - the exporter names a series after its event or metric id with every character that is not an ASCII letter
 *   or digit replaced by `_`, and adds no `_total` suffix (`crates/common/src/telemetry/metrics/prometheus.rs`
 *   `metric_name`); the ids are `MetricType::as_str` in `crates/trc/src/event/enums_impl.rs`;
 * - event counters live in memory: they reset when the server restarts and are absent until they are above zero
 *   (`crates/trc/src/ipc/metrics.rs` `collect_counters`); histograms are absent until their first observation
 *   (`collect_histograms`, `is_active`);
 * - the community edition exports no queue-size gauge: `queue.count` is only in the enterprise gauge list
 *   (`collect_gauges`);
 * - histogram buckets are NOT cumulative: `AtomicHistogram::observe` adds each value to the one bucket it falls in
 *   (`crates/trc/src/atomics/histogram.rs`) and the exporter writes that count as the bucket's cumulative count, so
 *   `histogram_quantile` over the raw `_bucket` series is wrong; `dashboards.ts` accumulates them first.
 */
import { dataClaimOf, DEFAULT_SERVER_NAME } from "../stalwart/server-objects";

export type MetricKind = "counter" | "gauge" | "histogram";

export interface StalwartMetric {
  readonly kind: MetricKind;
  readonly why: string;
}

/** Stalwart metrics by their v0.16.18 id (the Prometheus name is `stalwartMetricName(id)`). */
export const STALWART_METRICS = {
  "queue.message-queued": { kind: "counter", why: "unauthenticated (inbound) messages accepted into the queue" },
  "queue.authenticated-message-queued": { kind: "counter", why: "submissions from logged-in senders: all of the relay's system mail" },
  "queue.dsn-queued": { kind: "counter", why: "delivery status notifications (bounces, delays) this server generated" },
  "queue.rescheduled": { kind: "counter", why: "delivery attempts that failed temporarily and were retried later" },
  "delivery.attempt-start": { kind: "counter", why: "outbound delivery attempts started (one per message and destination host)" },
  "delivery.completed": { kind: "counter", why: "messages that left the queue (all recipients delivered or failed for good)" },
  "delivery.delivered": { kind: "counter", why: "recipients accepted by the remote server" },
  "delivery.rcpt-to-failed": { kind: "counter", why: "RCPT TO that failed on the connection (no answer, broken session)" },
  "delivery.rcpt-to-rejected": { kind: "counter", why: "RCPT TO the remote server refused (4xx or 5xx)" },
  "delivery.dsn-success": { kind: "counter", why: "recipients whose delivery was reported as successful" },
  "delivery.dsn-temp-fail": { kind: "counter", why: "recipients still deferred when their delay notice fell due" },
  "delivery.dsn-perm-fail": { kind: "counter", why: "recipients that failed for good: bounces" },
  "delivery.total-time": { kind: "histogram", why: "time from queueing to leaving the queue, in milliseconds (whole seconds)" },
  "delivery.active-connections": { kind: "gauge", why: "outbound SMTP sessions open now" },
  "auth.success": { kind: "counter", why: "successful logins (SMTP AUTH, IMAP, JMAP)" },
  "auth.failed": { kind: "counter", why: "failed logins: password guessing or a stale credential" },
  "security.authentication-ban": { kind: "counter", why: "addresses banned after too many failed logins" },
  "security.abuse-ban": { kind: "counter", why: "addresses banned for abusive SMTP behaviour" },
  "tls.handshake-error": { kind: "counter", why: "TLS handshakes that failed: a bad or expired certificate shows here first" },
  "smtp.connection-start": { kind: "counter", why: "SMTP sessions opened to this server (MX, submission)" },
  "smtp.active-connections": { kind: "gauge", why: "SMTP sessions open now" },
  "message-ingest.ham": { kind: "counter", why: "messages delivered to local mailboxes as ham" },
  "message-ingest.spam": { kind: "counter", why: "messages delivered to local mailboxes as spam" },
  "imap.connection-start": { kind: "counter", why: "IMAP sessions opened (mail clients)" },
  "imap.active-connections": { kind: "gauge", why: "IMAP sessions open now" },
  "jmap.method-call": { kind: "counter", why: "JMAP method calls (webmail and JMAP clients)" },
  "http.active-connections": { kind: "gauge", why: "HTTP sessions open now (JMAP, webmail backend, management)" },
  "server.memory": { kind: "gauge", why: "memory the server process uses, in bytes" },
} as const satisfies Record<string, StalwartMetric>;

export type StalwartMetricId = keyof typeof STALWART_METRICS;

/** The exporter's naming rule (`metric_name` in prometheus.rs): every non-alphanumeric character becomes `_`. */
export function stalwartMetricName(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, "_");
}

/**
 * Upper bounds (milliseconds) of the `delivery.total-time` buckets before the catch-all (`+Inf`) one
 * (`AtomicHistogram::new_long_durations`, crates/trc/src/atomics/histogram.rs).
 */
export const DELIVERY_TIME_BUCKETS_MS = [1_000, 30_000, 300_000, 600_000, 1_800_000, 3_600_000, 14_400_000, 28_800_000, 43_200_000, 86_400_000, 604_800_000] as const;

/** The mail servers' data volume claim (every mail server has the default base name). */
export const SERVER_PVC = dataClaimOf(DEFAULT_SERVER_NAME);

export interface OtherMetric {
  readonly kind: MetricKind;
  readonly labels: readonly string[];
  readonly why: string;
  readonly source: string;
}

/** Series from the scrape itself, the kubelet and cert-manager that the dashboards use. */
export const OTHER_METRICS = {
  up: { kind: "gauge", labels: ["job", "namespace"], why: "1 when the last scrape of the server succeeded", source: "Prometheus scrape (every target)" },
  kubelet_volume_stats_used_bytes: { kind: "gauge", labels: ["namespace", "persistentvolumeclaim"], why: "bytes used on the server's data volume", source: "kubelet /metrics (volume stats)" },
  kubelet_volume_stats_capacity_bytes: { kind: "gauge", labels: ["namespace", "persistentvolumeclaim"], why: "size of the server's data volume", source: "kubelet /metrics (volume stats)" },
  certmanager_certificate_expiration_timestamp_seconds: { kind: "gauge", labels: ["name", "namespace"], why: "when the server's certificate expires (unix seconds)", source: "cert-manager controller /metrics" },
} as const satisfies Record<string, OtherMetric>;

/** Every series name a query may use: Stalwart names (histograms as `_bucket`, `_sum`, `_count`) and the others. */
export function declaredSeriesNames(): ReadonlySet<string> {
  const names = Object.entries(STALWART_METRICS).flatMap(([id, m]) => {
    const name = stalwartMetricName(id);
    return m.kind === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
  });
  return new Set([...names, ...Object.keys(OTHER_METRICS)]);
}
