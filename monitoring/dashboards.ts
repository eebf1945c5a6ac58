/**
 * One Grafana dashboard per kind of mail server, as Grafana 12.3 dashboard JSON typed by `@grafana/schema`. Every
 * query selects one server through the `namespace` variable; panel ids and positions follow the panel list, so the
 * same kind always gives the same bytes.
 */
import { FieldColorModeId, MappingType, ThresholdsMode, VariableHide, VariableRefresh, VariableSort } from "@grafana/schema";
import type { Dashboard, FieldConfigSource, Panel, RowPanel, VariableModel } from "@grafana/schema";
import { EVENT_OUTCOMES, LOKI_UID, MAIL_EVENTS, MAIL_JOB, PROMETHEUS_UID, eventLineFilter, type ServerKind } from "./labels";
import { DELIVERY_TIME_BUCKETS_MS, SERVER_PVC, stalwartMetricName, type StalwartMetricId } from "./metrics";

/** `schemaVersion` of Grafana 12.3 dashboards (`defaultDashboard.schemaVersion` in @grafana/schema 12.3.3). */
export const SCHEMA_VERSION = 42;

const PROMETHEUS = { type: "prometheus", uid: PROMETHEUS_UID } as const;
const LOKI = { type: "loki", uid: LOKI_UID } as const;

const NS = `namespace="$namespace"`;
/** A Stalwart series of the selected server (`suffix` names a histogram's `_bucket`, `_sum` or `_count`). */
const s = (id: StalwartMetricId, { suffix = "", matchers = "" }: { suffix?: "" | "_bucket" | "_sum" | "_count"; matchers?: string } = {}) =>
  `${stalwartMetricName(id)}${suffix}{job="${MAIL_JOB}", ${NS}${matchers}}`;
const UP = `up{job="${MAIL_JOB}", ${NS}}`;
/** Per-second rate of a counter. */
const rate = (id: StalwartMetricId) => `sum(rate(${s(id)}[$__rate_interval]))`;
/** Events over the dashboard's time range. */
const increase = (id: StalwartMetricId) => `sum(increase(${s(id)}[$__range]))`;
/**
 * 0 instead of nothing while the server is scraped: Stalwart exports a counter only once it is above zero, so an
 * absent counter means "none since the last restart". No data when the server is not scraped.
 */
const orZero = (expr: string) => `${expr} or 0 * max(${UP} == 1)`;

/** `le` as the exporter writes it (`1000`) or as a Prometheus 3 scrape normalises it (`1000.0`). */
const leMatch = (bounds: readonly number[]) => `le=~"${bounds.map((b) => `${b}([.]0)?`).join("|")}"`;

/**
 * Cumulative `delivery_total_time` buckets, in seconds: Stalwart exports each bucket's own count (metrics.ts), so
 * the bucket for bound b is the sum of every exported bucket up to b, and `+Inf` is `_count`.
 */
function deliveryTimeCumulative(): string {
  const parts = DELIVERY_TIME_BUCKETS_MS.map((bound, i) => {
    const upTo = DELIVERY_TIME_BUCKETS_MS.slice(0, i + 1);
    return `label_replace(sum(rate(${s("delivery.total-time", { suffix: "_bucket", matchers: `, ${leMatch(upTo)}` })}[$__rate_interval])), "le", "${bound / 1000}", "", "")`;
  });
  parts.push(`label_replace(sum(rate(${s("delivery.total-time", { suffix: "_count" })}[$__rate_interval])), "le", "+Inf", "", "")`);
  return parts.join(" or ");
}
/** Share of messages that left the queue within `boundMs` over the dashboard's range, in percent. */
const deliveredWithin = (boundMs: (typeof DELIVERY_TIME_BUCKETS_MS)[number]) => {
  const upTo = DELIVERY_TIME_BUCKETS_MS.filter((b) => b <= boundMs);
  const buckets = s("delivery.total-time", { suffix: "_bucket", matchers: `, ${leMatch(upTo)}` });
  // `> 0` drops the sample when nothing was delivered: "no mail" rather than NaN.
  return `100 * sum(increase(${buckets}[$__range])) / (sum(increase(${s("delivery.total-time", { suffix: "_count" })}[$__range])) > 0)`;
};

interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** One value (stat and gauge panels) instead of a time series. */
  readonly instant?: boolean;
}

type Size = { readonly w: number; readonly h: number };
/** A panel before layout: everything but its id and position. */
type PanelDraft = Omit<Panel, "id" | "gridPos"> & { readonly size: Size };

const prom = (queries: readonly Query[]): Pick<Panel, "datasource" | "targets"> => ({
  datasource: PROMETHEUS,
  targets: queries.map((q, i) => ({
    datasource: PROMETHEUS,
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    ...(q.legend ? { legendFormat: q.legend } : {}),
    ...(q.instant ? { instant: true, range: false } : { range: true }),
  })),
});

const loki = (expr: string, queryType: "range" | "instant"): Pick<Panel, "datasource" | "targets"> => ({
  datasource: LOKI,
  targets: [{ datasource: LOKI, refId: "A", expr, queryType, ...(queryType === "instant" ? { instant: true } : {}) }],
});

const thresholds = (steps: readonly [string, number | null][]) => ({ mode: ThresholdsMode.Absolute, steps: steps.map(([color, value]) => ({ color, value })) });

function fields(unit: string, extra: Partial<FieldConfigSource["defaults"]> = {}): FieldConfigSource {
  return { defaults: { unit, ...extra }, overrides: [] };
}

function timeseries(title: string, description: string, unit: string, queries: readonly Query[], size: Size = { w: 12, h: 8 }): PanelDraft {
  return {
    type: "timeseries",
    title,
    description,
    ...prom(queries),
    fieldConfig: fields(unit, { min: 0 }),
    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
    size,
  };
}

function stat(title: string, description: string, query: Query, defaults: FieldConfigSource["defaults"], size: Size = { w: 6, h: 4 }): PanelDraft {
  return {
    type: "stat",
    title,
    description,
    ...prom([{ ...query, instant: true }]),
    fieldConfig: { defaults, overrides: [] },
    options: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "none", textMode: "auto", justifyMode: "auto", orientation: "auto" },
    size,
  };
}

function health(kind: ServerKind): PanelDraft[] {
  return [
    stat("Server up", "1 when the last scrape of this server's metrics succeeded.", { expr: UP }, {
      mappings: [{ type: MappingType.ValueToText, options: { "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } } }],
      thresholds: thresholds([["red", null], ["green", 1]]),
      color: { mode: FieldColorModeId.Thresholds },
      noValue: "no scrape",
    }),
    stat("Memory", "Memory the Stalwart process uses.", { expr: s("server.memory") }, { unit: "bytes", thresholds: thresholds([["green", null]]) }),
    {
      type: "gauge",
      title: "Data volume used",
      description: `Share of the server's volume (${SERVER_PVC}) in use, from the kubelet. Grow the volume before it fills: RocksDB stops writing when full.`,
      ...prom([{ expr: `100 * sum(kubelet_volume_stats_used_bytes{${NS}, persistentvolumeclaim="${SERVER_PVC}"}) / sum(kubelet_volume_stats_capacity_bytes{${NS}, persistentvolumeclaim="${SERVER_PVC}"})`, instant: true }]),
      fieldConfig: fields("percent", { min: 0, max: 100, thresholds: thresholds([["green", null], ["orange", 80], ["red", 90]]) }),
      options: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, showThresholdMarkers: true, showThresholdLabels: false },
      size: { w: 6, h: 4 },
    },
    // The tenant's public certificate comes from cert-manager; the relay serves in-cluster submission only.
    kind === "tenant"
      ? stat(
          "Certificate days left",
          "Days until the server's cert-manager certificate expires (the soonest one in the namespace). cert-manager renews well before; a value that keeps falling means renewal fails.",
          { expr: `min((certmanager_certificate_expiration_timestamp_seconds{${NS}} - time()) / 86400)` },
          { unit: "none", decimals: 1, thresholds: thresholds([["red", null], ["orange", 7], ["green", 21]]), noValue: "no certificate" },
        )
      : stat(
          "System mail submitted",
          "Messages the Sovereign's services submitted over the dashboard's time range.",
          { expr: orZero(increase("queue.authenticated-message-queued")) },
          { unit: "none", decimals: 0, thresholds: thresholds([["green", null]]) },
        ),
  ];
}

function mailFlow(kind: ServerKind): PanelDraft[] {
  const queued: Query[] =
    kind === "relay"
      ? [
          { expr: orZero(rate("queue.authenticated-message-queued")), legend: "system mail submitted" },
          { expr: orZero(rate("queue.dsn-queued")), legend: "notifications generated" },
        ]
      : [
          { expr: orZero(rate("queue.message-queued")), legend: "received (inbound)" },
          { expr: orZero(rate("queue.authenticated-message-queued")), legend: "submitted by users" },
          { expr: orZero(rate("queue.dsn-queued")), legend: "notifications generated" },
        ];
  const bounced = orZero(increase("delivery.dsn-perm-fail"));
  const delivered = orZero(increase("delivery.delivered"));
  const panels: PanelDraft[] = [
    timeseries(
      kind === "relay" ? "System mail queued" : "Messages queued",
      kind === "relay"
        ? "Messages the Sovereign's services (login PINs, magic links, notifications) submitted, and the delivery notifications the relay generated."
        : "Messages accepted into the queue: from the internet, from logged-in users, and notifications this server generated.",
      "cps",
      queued,
    ),
    timeseries("Delivered and retried", "Recipients accepted by the remote server, messages that left the queue, and delivery attempts put off for a retry.", "cps", [
      { expr: orZero(rate("delivery.delivered")), legend: "recipients delivered" },
      { expr: orZero(rate("delivery.completed")), legend: "messages completed" },
      { expr: orZero(rate("queue.rescheduled")), legend: "retries scheduled" },
    ]),
    timeseries("Deferred and bounced", "Recipients still failing when their delay notice fell due (deferred), and recipients that failed for good (bounces).", "cps", [
      { expr: orZero(rate("delivery.dsn-temp-fail")), legend: "deferred" },
      { expr: orZero(rate("delivery.dsn-perm-fail")), legend: "bounced" },
    ]),
    stat(
      "Bounce rate",
      "Bounced recipients as a share of recipients delivered or bounced, over the dashboard's time range.",
      { expr: `100 * (${bounced}) / clamp_min((${delivered}) + (${bounced}), 1)` },
      { unit: "percent", decimals: 1, thresholds: thresholds([["green", null], ["orange", 2], ["red", 5]]) },
      { w: 6, h: 8 },
    ),
    kind === "relay"
      ? stat(
          "Delivered within 30 s",
          "Share of system mail that left the queue within 30 seconds of submission, over the dashboard's range: a login PIN or magic link that takes longer is likely useless. Stalwart measures whole seconds.",
          { expr: deliveredWithin(30_000) },
          { unit: "percent", decimals: 1, thresholds: thresholds([["red", null], ["orange", 95], ["green", 99]]), noValue: "no mail" },
          { w: 6, h: 8 },
        )
      : stat(
          "Delivered within 5 min",
          "Share of messages that left the queue within five minutes of being queued, over the dashboard's range. Stalwart measures whole seconds.",
          { expr: deliveredWithin(300_000) },
          { unit: "percent", decimals: 1, thresholds: thresholds([["red", null], ["orange", 90], ["green", 98]]), noValue: "no mail" },
          { w: 6, h: 8 },
        ),
    timeseries(
      "Time in queue",
      "Time from queueing to leaving the queue: mean, and median and 95th percentile estimated from Stalwart's buckets (1 s, 30 s, 5 min, 10 min, 30 min, 1 h, …), so coarse.",
      "s",
      [
        { expr: `sum(rate(${s("delivery.total-time", { suffix: "_sum" })}[$__rate_interval])) / (sum(rate(${s("delivery.total-time", { suffix: "_count" })}[$__rate_interval])) > 0) / 1000`, legend: "mean" },
        { expr: `histogram_quantile(0.5, ${deliveryTimeCumulative()})`, legend: "p50" },
        { expr: `histogram_quantile(0.95, ${deliveryTimeCumulative()})`, legend: "p95" },
      ],
    ),
    timeseries("Delivery attempts and failures", "Outbound delivery attempts, and recipients the remote server refused or that failed on the connection.", "cps", [
      { expr: orZero(rate("delivery.attempt-start")), legend: "attempts" },
      { expr: orZero(rate("delivery.rcpt-to-rejected")), legend: "recipient refused" },
      { expr: orZero(rate("delivery.rcpt-to-failed")), legend: "recipient failed" },
    ]),
  ];
  return panels;
}

const security = (): PanelDraft[] => [
  timeseries("Logins", "Successful and failed logins (SMTP AUTH, IMAP, JMAP). Failures without successes after a credential rotation point at a client with the old secret.", "cps", [
    { expr: orZero(rate("auth.success")), legend: "succeeded" },
    { expr: orZero(rate("auth.failed")), legend: "failed" },
  ], { w: 8, h: 8 }),
  timeseries("Bans", "Addresses Stalwart banned: after repeated failed logins, or for abusive SMTP behaviour.", "cps", [
    { expr: orZero(rate("security.authentication-ban")), legend: "failed logins" },
    { expr: orZero(rate("security.abuse-ban")), legend: "abuse" },
  ], { w: 8, h: 8 }),
  timeseries("TLS handshake errors", "Failed TLS handshakes: a broken or expired certificate shows here first, scanners add a steady trickle.", "cps", [
    { expr: orZero(rate("tls.handshake-error")), legend: "handshake errors" },
  ], { w: 8, h: 8 }),
];

function sessions(kind: ServerKind): PanelDraft[] {
  if (kind === "relay") {
    return [
      timeseries("SMTP sessions", "Submission sessions opened by the Sovereign's services, and SMTP sessions open now (inbound and outbound).", "short", [
        { expr: orZero(rate("smtp.connection-start")), legend: "sessions opened /s" },
        { expr: s("smtp.active-connections"), legend: "inbound open" },
        { expr: s("delivery.active-connections"), legend: "outbound open" },
      ], { w: 24, h: 8 }),
    ];
  }
  return [
    timeseries("Mail received into mailboxes", "Messages filed into local mailboxes, as ham or spam, and SMTP sessions opened to this server.", "cps", [
      { expr: orZero(rate("message-ingest.ham")), legend: "ham" },
      { expr: orZero(rate("message-ingest.spam")), legend: "spam" },
      { expr: orZero(rate("smtp.connection-start")), legend: "SMTP sessions opened" },
    ], { w: 8, h: 8 }),
    timeseries("IMAP and JMAP", "IMAP sessions opened by mail clients and JMAP method calls (webmail, JMAP clients).", "cps", [
      { expr: orZero(rate("imap.connection-start")), legend: "IMAP sessions opened" },
      { expr: orZero(rate("jmap.method-call")), legend: "JMAP calls" },
    ], { w: 8, h: 8 }),
    timeseries("Open sessions", "Sessions open now, by protocol (HTTP carries JMAP, webmail and management).", "short", [
      { expr: s("smtp.active-connections"), legend: "SMTP in" },
      { expr: s("delivery.active-connections"), legend: "SMTP out" },
      { expr: s("imap.active-connections"), legend: "IMAP" },
      { expr: s("http.active-connections"), legend: "HTTP" },
    ], { w: 8, h: 8 }),
  ];
}

const operations = (): PanelDraft[] => [
  {
    type: "stat",
    title: "Failed operations",
    description: "Backups, restores, backup prunes and configuration applies that reported failure in the dashboard's time range.",
    ...loki(`sum(count_over_time({${NS}} ${eventLineFilter(MAIL_EVENTS, ["failed"])} [$__range]))`, "instant"),
    fieldConfig: fields("none", { noValue: "0", thresholds: thresholds([["green", null], ["red", 1]]) }),
    options: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "background", graphMode: "none", textMode: "auto", justifyMode: "auto", orientation: "auto" },
    size: { w: 6, h: 8 },
  },
  {
    type: "logs",
    title: "Operation outcomes",
    description: "The line each backup, restore, backup prune and configuration apply prints when it ends, with its outcome.",
    ...loki(`{${NS}} ${eventLineFilter(MAIL_EVENTS, EVENT_OUTCOMES)}`, "range"),
    options: { showTime: true, showLabels: false, showCommonLabels: false, wrapLogMessage: true, prettifyLogMessage: false, enableLogDetails: true, dedupStrategy: "none", sortOrder: "Descending" },
    size: { w: 18, h: 8 },
  },
];

/** Sections in order: a row header, then its panels left to right, wrapping at Grafana's 24 columns. */
function sectionsOf(kind: ServerKind): [string, PanelDraft[]][] {
  return [
    ["Health", health(kind)],
    [kind === "relay" ? "System mail delivery (login PINs, magic links)" : "Mail flow", mailFlow(kind)],
    ["Logins and TLS", security()],
    [kind === "relay" ? "Sessions" : "Mailboxes and clients", sessions(kind)],
    ["Backups, restores and configuration", operations()],
  ];
}

const GRID_COLUMNS = 24;

function layout(sections: [string, PanelDraft[]][]): (Panel | RowPanel)[] {
  const out: (Panel | RowPanel)[] = [];
  let id = 0;
  let y = 0;
  for (const [title, drafts] of sections) {
    out.push({ type: "row", id: ++id, title, collapsed: false, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const { size, ...panel } of drafts) {
      if (size.w > GRID_COLUMNS) throw new Error(`panel "${panel.title}" is wider than the grid`);
      if (x + size.w > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      out.push({ ...panel, id: ++id, gridPos: { x, y, w: size.w, h: size.h } });
      x += size.w;
      rowHeight = Math.max(rowHeight, size.h);
    }
    y += rowHeight;
  }
  return out;
}

function namespaceVariable(kind: ServerKind): VariableModel {
  return {
    name: "namespace",
    label: "Server",
    description: `The ${kind} mail server to show, by its namespace.`,
    type: "query",
    datasource: PROMETHEUS,
    query: `label_values(up{job="${MAIL_JOB}", kind="${kind}"}, namespace)`,
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.alphabeticalAsc,
    hide: VariableHide.dontHide,
    includeAll: false,
    multi: false,
    options: [],
  };
}

const TITLES: Record<ServerKind, string> = {
  relay: "Sovereign mail: system-mail relay",
  tenant: "Sovereign mail: tenant mail server",
};

/** The dashboard of one kind of mail server. */
export function mailDashboard(kind: ServerKind): Dashboard {
  return {
    uid: `sovereign-mail-${kind}`,
    title: TITLES[kind],
    description:
      kind === "relay"
        ? "The Sovereign's system-mail relay: is system mail (login PINs, magic links) delivered, and fast?"
        : "A tenant's mail server: mail in and out, clients, logins, storage and operations.",
    tags: ["sovereign-mail", kind],
    editable: false,
    graphTooltip: 1,
    timezone: "utc",
    time: { from: "now-24h", to: "now" },
    refresh: "1m",
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    links: [],
    annotations: { list: [] },
    templating: { list: [namespaceVariable(kind)] },
    panels: layout(sectionsOf(kind)),
  };
}

/** File name of a kind's dashboard (the key in the ConfigMap a dashboard provisioner reads). */
export const dashboardFileName = (kind: ServerKind) => `sovereign-mail-${kind}.json`;

/** The dashboard as stable text: the same kind always gives the same bytes. */
export function dashboardJson(kind: ServerKind): string {
  return JSON.stringify(mailDashboard(kind), null, 2);
}
