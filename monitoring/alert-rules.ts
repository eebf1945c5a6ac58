import { DATA_CLAIM, eventLine, EVENTS_JOB, LOGS_JOB, MAIL_JOB, type ServerKind } from "./labels";

/** When the alerts fire: the fleet's `monitoring.thresholds`, resolved. */
export interface AlertThresholds {
  /** Permanent failures (bounces) per message queued over an hour, in percent. */
  readonly bounceRatePercent: number;
  /** Delivery retries scheduled per hour. */
  readonly rescheduledPerHour: number;
  /** Use of the data volume, in percent. */
  readonly volumeUsedPercent: number;
  /** Days left on a certificate of the server's namespace. */
  readonly certificateExpiryDays: number;
  /** Days a credential rotation may be late (no apply since it fell due) before it alerts. */
  readonly rotationGraceDays: number;
}

/** A credential whose rotation Terraform performs at its next apply once `dueAt` has passed. */
export interface RotationDue {
  /** The credential class (`submission`, `dkim`, `metrics`, …). */
  readonly credential: string;
  /** Unix seconds of the due date, as PromQL number text (the construct gives it as a Terraform expression). */
  readonly dueAt: string;
}

export interface ServerAlertsInput {
  readonly kind: ServerKind;
  readonly stack: string;
  readonly namespace: string;
  /** The namespace holds cert-manager Certificates (the server's TLS). */
  readonly certificates: boolean;
  /** The server is backed up. */
  readonly backup: boolean;
  /** The credentials that rotate on a schedule. */
  readonly rotations: readonly RotationDue[];
}

export type AlertName =
  | "MailServerDown"
  | "ConfigApplyFailed"
  | "MailDeliveryRetrying"
  | "MailDeferredTooLong"
  | "BounceRateHigh"
  | "CertificateExpiring"
  | "CertificateNotReady"
  | "CredentialRotationOverdue"
  | "VolumeAlmostFull"
  | "BackupFailed"
  | "BackupMissing";

/** One alert of one server: a single query and the threshold that makes it fire. */
export interface MailAlert {
  readonly name: AlertName;
  readonly severity: "critical" | "warning";
  readonly summary: string;
  readonly query: { readonly datasource: "prometheus" | "loki"; readonly expr: string; readonly lookbackSeconds: number };
  readonly fires: { readonly when: "gt" | "lt"; readonly value: number };
  /** How long the condition must hold. */
  readonly for: string;
  /** Extra labels (the credential of a rotation alert). */
  readonly labels?: Readonly<Record<string, string>>;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
/** Job failures as the Job controller reports them (kubernetes pkg/controller/job: JobReasonBackoffLimitExceeded, JobReasonDeadlineExceeded). */
const JOB_FAILED = `|= "kind=Job" |~ "reason=(BackoffLimitExceeded|DeadlineExceeded)"`;

/**
 * The alerts of one mail server. Stalwart counters are absent until they are above zero and reset on restart
 * (stalwart v0.16.18 crates/trc/src/ipc/metrics.rs), so every rate is an `increase` and an absent counter means
 * "nothing happened", never "down"; only `up` (set by the scraper for every target) says whether the server answers.
 */
export function serverAlerts(s: ServerAlertsInput, t: AlertThresholds): MailAlert[] {
  const sel = `job="${MAIL_JOB}", namespace="${s.namespace}"`;
  const at = `namespace="${s.namespace}"`;
  const events = `{job="${EVENTS_JOB}", ${at}}`;
  const backupLogs = `{job="${LOGS_JOB}", ${at}, container="backup"}`;
  const alerts: MailAlert[] = [
    {
      name: "MailServerDown",
      severity: "critical",
      summary: "The mail server does not answer its metrics scrape (or nothing scrapes it).",
      // `or vector(0)`: no series at all (the scraper lost the target) is down too.
      query: { datasource: "prometheus", expr: `max(up{${sel}}) or vector(0)`, lookbackSeconds: 10 * 60 },
      fires: { when: "lt", value: 1 },
      for: "5m",
    },
    {
      name: "ConfigApplyFailed",
      severity: "critical",
      summary: "The configuration apply Job or the daily TLS reload failed: the server runs an older configuration or certificate.",
      query: { datasource: "loki", expr: `sum(count_over_time(${events} ${JOB_FAILED} |~ "name=stalwart-(apply|reload-tls)-" [1h]))`, lookbackSeconds: HOUR },
      fires: { when: "gt", value: 0 },
      for: "0s",
    },
    {
      name: "MailDeliveryRetrying",
      severity: "warning",
      summary: "Many deliveries are being retried: the queue is growing.",
      query: { datasource: "prometheus", expr: `sum(increase(queue_rescheduled{${sel}}[1h]))`, lookbackSeconds: HOUR },
      fires: { when: "gt", value: t.rescheduledPerHour },
      for: "15m",
    },
    {
      name: "MailDeferredTooLong",
      severity: "warning",
      summary: "Messages waited past the queue's notify time: senders got delay notices.",
      query: { datasource: "prometheus", expr: `sum(increase(delivery_dsn_temp_fail{${sel}}[1h]))`, lookbackSeconds: HOUR },
      fires: { when: "gt", value: 0 },
      for: "0s",
    },
    {
      name: "BounceRateHigh",
      severity: "warning",
      summary: "A high share of messages bounced permanently (reputation, DNS or recipient trouble).",
      // At least 10 messages in the denominator, so a single bounce on a quiet server does not page.
      query: {
        datasource: "prometheus",
        expr: `100 * sum(increase(delivery_dsn_perm_fail{${sel}}[1h])) / clamp_min(sum(increase({__name__=~"queue_message_queued|queue_authenticated_message_queued", ${sel}}[1h])), 10)`,
        lookbackSeconds: HOUR,
      },
      fires: { when: "gt", value: t.bounceRatePercent },
      for: "15m",
    },
    {
      name: "VolumeAlmostFull",
      severity: "warning",
      summary: "The mail volume is filling up: a full volume stops the store and with it all mail.",
      query: {
        datasource: "prometheus",
        expr: `100 * max(kubelet_volume_stats_used_bytes{${at}, persistentvolumeclaim="${DATA_CLAIM}"} / kubelet_volume_stats_capacity_bytes{${at}, persistentvolumeclaim="${DATA_CLAIM}"})`,
        lookbackSeconds: 10 * 60,
      },
      fires: { when: "gt", value: t.volumeUsedPercent },
      for: "30m",
    },
  ];
  if (s.certificates) {
    alerts.push(
      {
        name: "CertificateExpiring",
        severity: "warning",
        summary: "A certificate of the server expires soon: cert-manager has not renewed it.",
        query: { datasource: "prometheus", expr: `min(certmanager_certificate_expiration_timestamp_seconds{${at}}) - time()`, lookbackSeconds: 10 * 60 },
        fires: { when: "lt", value: t.certificateExpiryDays * DAY },
        for: "1h",
      },
      {
        name: "CertificateNotReady",
        severity: "critical",
        summary: "A certificate of the server is not ready (issuance or renewal failed).",
        query: { datasource: "prometheus", expr: `max(certmanager_certificate_ready_status{${at}, condition="False"})`, lookbackSeconds: 10 * 60 },
        fires: { when: "gt", value: 0 },
        for: "1h",
      },
    );
  }
  for (const r of s.rotations) {
    alerts.push({
      name: "CredentialRotationOverdue",
      severity: "warning",
      summary: `The ${r.credential} credential fell due for rotation and no apply of this stack has rotated it.`,
      // The due date is written by the last apply: it moves only when an apply rotates the credential.
      query: { datasource: "prometheus", expr: `vector(time() - (${r.dueAt}))`, lookbackSeconds: 10 * 60 },
      fires: { when: "gt", value: t.rotationGraceDays * DAY },
      for: "1h",
      labels: { credential: r.credential },
    });
  }
  if (s.backup) {
    alerts.push(
      {
        name: "BackupFailed",
        severity: "critical",
        summary: "The nightly backup, its restart or the prune check failed.",
        query: {
          datasource: "loki",
          expr: `sum(count_over_time(${backupLogs} |= "${eventLine("backup", "failed")}" [26h])) or sum(count_over_time(${events} ${JOB_FAILED} |~ "name=stalwart-backup-(prune|restart)-" [26h]))`,
          lookbackSeconds: 26 * HOUR,
        },
        fires: { when: "gt", value: 0 },
        for: "0s",
      },
      {
        name: "BackupMissing",
        severity: "critical",
        summary: "No successful backup in 50 hours (two nights and a margin).",
        query: { datasource: "loki", expr: `absent_over_time(${backupLogs} |= "${eventLine("backup", "ok")}" [50h])`, lookbackSeconds: 50 * HOUR },
        fires: { when: "gt", value: 0 },
        for: "0s",
      },
    );
  }
  return alerts;
}
