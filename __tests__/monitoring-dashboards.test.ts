/**
 * The mail dashboards against the real tools: every PromQL and LogQL query parses with the grammars Prometheus and
 * Grafana ship (@prometheus-io/lezer-promql, @grafana/lezer-logql), the dashboard type-checks against Grafana's
 * published schema types (@grafana/schema) with the TypeScript compiler, and the metric names exist in Stalwart
 * v0.16.18 (fixture read from its source). Then what the tools cannot know: one server per dashboard, declared
 * metrics only, data sources, ids and layout.
 */
import { parser as logqlParser } from "@grafana/lezer-logql";
import { defaultDashboard } from "@grafana/schema";
import type { Panel, RowPanel } from "@grafana/schema";
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import type { LRParser } from "@lezer/lr";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { dashboardFileName, dashboardJson, mailDashboard, SCHEMA_VERSION } from "../monitoring/dashboards";
import { EVENT_OUTCOMES, LOKI_UID, MAIL_EVENTS, MAIL_JOB, PROMETHEUS_UID, SERVER_KINDS, eventLine, eventLineFilter, type ServerKind } from "../monitoring/labels";
import { declaredSeriesNames, DELIVERY_TIME_BUCKETS_MS, OTHER_METRICS, SERVER_PVC, STALWART_METRICS, stalwartMetricName } from "../monitoring/metrics";
import { describeWithPromtool, promtoolTest, type PromqlCase } from "./helpers/promtool";
import { synthExample } from "./helpers/synth";

const ROOT = join(__dirname, "..");

/** Where each error node (`⚠`) of a Lezer parse starts; empty when the text parses. */
function parseErrors(parser: LRParser, text: string): number[] {
  const at: number[] = [];
  parser.parse(text).iterate({ enter: (n) => void (n.type.isError && at.push(n.from)) });
  return at;
}

/** What Grafana substitutes before a query reaches the data source; the namespace becomes a value we can find. */
const NAMESPACE_VALUE = "ns-under-test";
function interpolate(expr: string): string {
  const out = expr
    .replace(/\$namespace\b/g, NAMESPACE_VALUE)
    .replace(/\$__rate_interval\b/g, "1m")
    .replace(/\$__range\b/g, "86400s")
    .replace(/\$__auto\b/g, "1m");
  expect(out).not.toMatch(/\$(__)?[a-z]/);
  return out;
}

interface Target {
  readonly kind: ServerKind;
  readonly panel: string;
  readonly uid: string;
  readonly expr: string;
}

const isRow = (p: Panel | RowPanel): p is RowPanel => p.type === "row";
const panelsOf = (kind: ServerKind) => mailDashboard(kind).panels ?? [];
const targetsOf = (kind: ServerKind): Target[] =>
  panelsOf(kind)
    .filter((p): p is Panel => !isRow(p))
    .flatMap((p) => (p.targets ?? []).map((t) => ({ kind, panel: p.title ?? "", uid: (t.datasource as { uid: string }).uid, expr: t.expr as string })));
const ALL = SERVER_KINDS.flatMap(targetsOf);
const PROMQL = ALL.filter((t) => t.uid === PROMETHEUS_UID);
const LOGQL = ALL.filter((t) => t.uid === LOKI_UID);

/** Each vector selector of a PromQL expression: metric name and label matchers, read from the Lezer tree. */
function promSelectors(expr: string): { metric: string; matchers: string[] }[] {
  const out: { metric: string; matchers: string[] }[] = [];
  promqlParser.parse(expr).iterate({
    enter: (n) => {
      if (n.name !== "VectorSelector") return;
      const id = n.node.getChild("Identifier");
      const matchers = n.node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? [];
      out.push({ metric: id ? expr.slice(id.from, id.to) : "", matchers: matchers.map((m) => expr.slice(m.from, m.to)) });
    },
  });
  return out;
}

/** Each stream selector of a LogQL expression, as its list of matchers. */
function logSelectors(expr: string): string[][] {
  const out: string[][] = [];
  logqlParser.parse(expr).iterate({
    enter: (n) => {
      if (n.name === "Selector") out.push(n.node.getChild("Matchers")?.getChildren("Matcher").map((m) => expr.slice(m.from, m.to)) ?? []);
    },
  });
  return out;
}

describe("the parsers catch what they must", () => {
  it("flags broken PromQL and LogQL, and Grafana variables left in place", () => {
    expect(parseErrors(promqlParser, 'sum(rate(up{job="a"}[5m]))')).toEqual([]);
    expect(parseErrors(promqlParser, 'sum(rate(up{job="a"}[5m])')).not.toEqual([]);
    expect(parseErrors(promqlParser, 'up{job="a",, namespace="b"}')).not.toEqual([]);
    expect(parseErrors(promqlParser, "rate(up[$__rate_interval])")).not.toEqual([]);
    expect(parseErrors(logqlParser, '{namespace="a"} |= "x"')).toEqual([]);
    expect(parseErrors(logqlParser, '{namespace="a" |= "x"')).not.toEqual([]);
    expect(parseErrors(logqlParser, 'count_over_time({namespace="a"} |= "x" [$__range])')).not.toEqual([]);
  });
});

describe.each(SERVER_KINDS)("the %s dashboard", (kind) => {
  const dashboard = mailDashboard(kind);
  const panels = panelsOf(kind);

  it("has every query parse with the real grammar of its data source", () => {
    const targets = targetsOf(kind);
    expect(targets.length).toBeGreaterThan(20);
    const broken = targets.flatMap((t) => {
      const parser = t.uid === PROMETHEUS_UID ? promqlParser : logqlParser;
      const errors = parseErrors(parser, interpolate(t.expr));
      return errors.length === 0 ? [] : [`${t.panel}: ${t.expr} (errors at ${errors.join(", ")})`];
    });
    expect(broken).toEqual([]);
  });

  it("selects one server: every selector of every query matches namespace=\"$namespace\"", () => {
    const own = `namespace="${NAMESPACE_VALUE}"`;
    const prom = targetsOf(kind).filter((t) => t.uid === PROMETHEUS_UID).flatMap((t) => promSelectors(interpolate(t.expr)).map((s) => ({ ...s, panel: t.panel })));
    const logs = targetsOf(kind).filter((t) => t.uid === LOKI_UID).flatMap((t) => logSelectors(interpolate(t.expr)).map((matchers) => ({ matchers, panel: t.panel })));
    expect(prom.length).toBeGreaterThan(30);
    expect(logs.length).toBeGreaterThan(0);
    expect([...prom, ...logs].filter((s) => !s.matchers.includes(own))).toEqual([]);
    // Stalwart's series also carry the scrape job, so another job's series of the same name never mix in.
    const stalwart = new Set(Object.keys(STALWART_METRICS).map(stalwartMetricName));
    const withoutJob = prom.filter((s) => (stalwart.has(s.metric.replace(/_(bucket|sum|count)$/, "")) || s.metric === "up") && !s.matchers.includes(`job="${MAIL_JOB}"`));
    expect(withoutJob).toEqual([]);
  });

  it("uses only metric names declared in monitoring/metrics.ts", () => {
    const declared = declaredSeriesNames();
    const used = new Set(targetsOf(kind).filter((t) => t.uid === PROMETHEUS_UID).flatMap((t) => promSelectors(interpolate(t.expr)).map((s) => s.metric)));
    expect([...used].filter((m) => !declared.has(m))).toEqual([]);
    expect(used.has("")).toBe(false);
  });

  it("points every panel and query at the Prometheus (Mimir) or Loki data source", () => {
    const refs = panels.filter((p): p is Panel => !isRow(p)).flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) as { type: string; uid: string }[];
    const expected = new Map([[PROMETHEUS_UID, "prometheus"], [LOKI_UID, "loki"]]);
    expect(refs.filter((r) => expected.get(r?.uid) !== r?.type)).toEqual([]);
    const variable = dashboard.templating?.list?.[0];
    expect(variable?.datasource).toEqual({ type: "prometheus", uid: PROMETHEUS_UID });
  });

  it("offers the servers of its kind through the namespace variable, with a query that parses", () => {
    const variable = dashboard.templating?.list?.[0];
    expect(variable?.name).toBe("namespace");
    const query = variable?.query as string;
    const inner = /^label_values\((.*), namespace\)$/.exec(query)?.[1] ?? "";
    expect(parseErrors(promqlParser, inner)).toEqual([]);
    expect(promSelectors(inner)).toEqual([{ metric: "up", matchers: [`job="${MAIL_JOB}"`, `kind="${kind}"`] }]);
  });

  it("has unique panel ids and panels that neither overlap nor leave the 24-column grid", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const boxes = panels.map((p) => ({ title: p.title, ...p.gridPos! }));
    expect(boxes.filter((b) => b.x < 0 || b.y < 0 || b.w < 1 || b.h < 1 || b.x + b.w > 24)).toEqual([]);
    const overlaps = boxes.flatMap((a, i) =>
      boxes.slice(i + 1).filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlaps).toEqual([]);
  });

  it("is Grafana 12.3's schema version, with the uid and file name the provisioning expects", () => {
    expect(dashboard.schemaVersion).toBe(defaultDashboard.schemaVersion);
    expect(SCHEMA_VERSION).toBe(defaultDashboard.schemaVersion);
    expect(dashboard.uid).toBe(`sovereign-mail-${kind}`);
    expect(dashboardFileName(kind)).toBe(`sovereign-mail-${kind}.json`);
    expect(dashboard.tags).toContain(kind);
  });

  it("gives the same bytes every time, as 2-space JSON of the dashboard", () => {
    const text = dashboardJson(kind);
    expect(dashboardJson(kind)).toBe(text);
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2));
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(mailDashboard(kind))));
  });
});

describe("relay and tenant dashboards", () => {
  const titles = (kind: ServerKind) => new Set(panelsOf(kind).map((p) => p.title));
  it("differ where the servers do: the relay's system-mail latency, the tenant's mailboxes and clients", () => {
    expect(titles("relay").has("Delivered within 30 s")).toBe(true);
    expect(titles("tenant").has("IMAP and JMAP")).toBe(true);
    expect(titles("relay").has("IMAP and JMAP")).toBe(false);
    // Only the tenant has a cert-manager certificate; the relay serves in-cluster submission.
    expect(titles("tenant").has("Certificate days left")).toBe(true);
    expect(titles("relay").has("Certificate days left")).toBe(false);
    const tenantMetrics = new Set(targetsOf("tenant").flatMap((t) => (t.uid === PROMETHEUS_UID ? promSelectors(interpolate(t.expr)).map((s) => s.metric) : [])));
    expect(["imap_connection_start", "jmap_method_call", "message_ingest_ham", "queue_message_queued"].filter((m) => !tenantMetrics.has(m))).toEqual([]);
  });

  it("each show the operations' event lines through a Loki logs panel", () => {
    for (const kind of SERVER_KINDS) {
      const logs = panelsOf(kind).filter((p): p is Panel => p.type === "logs");
      expect(logs).toHaveLength(1);
      expect(logs[0].datasource).toEqual({ type: "loki", uid: LOKI_UID });
    }
    expect(LOGQL.length).toBeGreaterThan(0);
    expect(PROMQL.length).toBeGreaterThan(LOGQL.length);
  });
});

describe("the schema types (TypeScript compiler over monitoring/dashboards.ts)", () => {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, types: [] };
  const diagnose = (files: Record<string, string>) => {
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    host.readFile = (f) => files[f] ?? read(f);
    const exists = host.fileExists.bind(host);
    host.fileExists = (f) => f in files || exists(f);
    const program = ts.createProgram([join(ROOT, "monitoring", "dashboards.ts"), ...Object.keys(files)], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  };

  it("accept the dashboards and reject a dashboard that breaks them", () => {
    const probe = join(ROOT, "monitoring", "__schema-probe.ts");
    const diagnostics = diagnose({
      [probe]: [
        'import type { Dashboard, Panel } from "@grafana/schema";',
        'import { mailDashboard } from "./dashboards";',
        'export const relay = mailDashboard("relay") satisfies Dashboard;',
        'export const noType: Panel = { title: "x", gridPos: { x: 0, y: 0, w: 1, h: 1 } };',
        'export const noWidth: Panel = { type: "stat", gridPos: { x: 0, y: 0, h: 1 } };',
        'export const noVersion: Dashboard = { title: "x" };',
      ].join("\n"),
    });
    // Exactly the three broken objects, nothing from the dashboards.
    expect(diagnostics).toHaveLength(3);
    expect(diagnostics.join("\n")).toMatch(/'type' is missing/);
    expect(diagnostics.join("\n")).toMatch(/'w' is missing/);
    expect(diagnostics.join("\n")).toMatch(/'schemaVersion' is missing/);
  });
});

describe("the metric names", () => {
  /** `<id> <kind>` lines read from Stalwart v0.16.18's source (see the fixture's header). */
  const upstream = new Map(
    readFileSync(join(__dirname, "fixtures", "stalwart", "metric-types-v0.16.18.txt"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"))
      .map((l) => l.split(" ") as [string, string]),
  );

  it("are Stalwart v0.16.18 metrics of the kind we query them as, all in the community edition", () => {
    expect(upstream.size).toBeGreaterThan(300);
    const wrong = Object.entries(STALWART_METRICS).filter(([id, m]) => upstream.get(id) !== m.kind).map(([id, m]) => `${id}: ours ${m.kind}, upstream ${upstream.get(id)}`);
    expect(wrong).toEqual([]);
  });

  it("follow the exporter's rule: non-alphanumerics become _, no _total suffix", () => {
    expect(stalwartMetricName("delivery.dsn-perm-fail")).toBe("delivery_dsn_perm_fail");
    expect(stalwartMetricName("queue.authenticated-message-queued")).toBe("queue_authenticated_message_queued");
    for (const name of declaredSeriesNames()) expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
    expect([...declaredSeriesNames()].filter((n) => n.endsWith("_total"))).toEqual([]);
  });

  it("do not include the enterprise-only queue gauge", () => {
    expect(upstream.get("queue.count")).toBe("enterprise");
    expect(Object.keys(STALWART_METRICS)).not.toContain("queue.count");
  });

  it("name the server's volume claim as the synthesized StatefulSet does", () => {
    const { json } = synthExample();
    const claims = Object.values(json).flatMap((stack) =>
      Object.values((stack.resource?.kubernetes_stateful_set_v1 ?? {}) as Record<string, any>).flatMap((sts) =>
        sts.spec.volume_claim_template.map((t: any) => `${t.metadata.name}-${sts.metadata.name}-0`),
      ),
    );
    expect(claims.length).toBeGreaterThan(1);
    expect(new Set(claims)).toEqual(new Set([SERVER_PVC]));
    expect(OTHER_METRICS.kubelet_volume_stats_used_bytes.labels).toContain("persistentvolumeclaim");
  });
});

describe("the event line", () => {
  /** The regular expression or text a LogQL line filter keeps (LogQL strings unescape like JSON's here). */
  const keeps = (filter: string) => {
    const [, op, literal] = /^(\|=|\|~) (".*")$/.exec(filter)!;
    const value = JSON.parse(literal) as string;
    return (line: string) => (op === "|=" ? line.includes(value) : new RegExp(value).test(line));
  };
  const lines = MAIL_EVENTS.flatMap((e) => EVENT_OUTCOMES.map((o) => ({ e, o, line: `ts=2026-12-01T00:00:00Z ${eventLine(e, o)}` })));

  it("is the exact marker text", () => {
    expect(eventLine("backup-prune", "failed")).toBe("sovereign-mail-event=backup-prune outcome=failed");
  });

  it.each([
    [["backup"], ["failed"]],
    [["backup", "restore"], ["ok", "failed"]],
    [[...MAIL_EVENTS], ["failed"]],
    [["backup-prune"], ["ok"]],
  ] as const)("filters %j with outcome %j and nothing else, in valid LogQL", (events, outcomes) => {
    const filter = eventLineFilter(events, outcomes);
    expect(parseErrors(logqlParser, `{namespace="a"} ${filter}`)).toEqual([]);
    const keep = keeps(filter);
    const kept = lines.filter((l) => keep(l.line)).map((l) => `${l.e} ${l.o}`);
    const wanted = lines.filter((l) => (events as readonly string[]).includes(l.e) && (outcomes as readonly string[]).includes(l.o)).map((l) => `${l.e} ${l.o}`);
    expect(kept).toEqual(wanted);
    expect(keep("sovereign-mail-event=backup outcome=okay")).toBe(false);
  });
});

describeWithPromtool("the relay's delivery panels evaluated by Prometheus's engine", () => {
  /** The query of a panel's series (by legend), as Grafana sends it for a 5m rate interval and a 30m range. */
  const query = (title: string, legend?: string) => {
    const panel = panelsOf("relay").find((p): p is Panel => p.title === title && !isRow(p));
    const target = (panel?.targets ?? []).find((t) => legend === undefined || t.legendFormat === legend);
    if (!target) throw new Error(`no query "${legend}" in panel "${title}"`);
    return interpolate(target.expr as string).replace(/\b1m\b/g, "5m").replace(/\b86400s\b/g, "30m");
  };
  const server = (extra = "") => `{job="${MAIL_JOB}", namespace="${NAMESPACE_VALUE}"${extra}}`;
  /**
   * One minute of a relay's mail, as Stalwart v0.16.18 exports it: each bucket counts only the values that fall in
   * it (not cumulative). 3 messages under 1 s (1.5 s in all), 6 between 1 s and 30 s (60 s), 1 between 5 and
   * 10 min (450 s); 9 recipients delivered, 1 bounced.
   */
  const PER_MINUTE: Record<number, number> = { 1_000: 3, 30_000: 6, 600_000: 1 };
  const relaySeries = (le: (bound: number) => string, inf: string): Record<string, string> => ({
    [`up${server()}`]: "1+0x60",
    ...Object.fromEntries(DELIVERY_TIME_BUCKETS_MS.map((b) => [`delivery_total_time_bucket${server(`, le="${le(b)}"`)}`, `0+${PER_MINUTE[b] ?? 0}x60`])),
    [`delivery_total_time_bucket${server(`, le="${inf}"`)}`]: "0+0x60",
    [`delivery_total_time_count${server()}`]: "0+10x60",
    [`delivery_total_time_sum${server()}`]: "0+511500x60",
    [`delivery_delivered${server()}`]: "0+9x60",
    [`delivery_dsn_perm_fail${server()}`]: "0+1x60",
    // Another relay whose mail is all slow: a query that mixed servers would see it.
    'delivery_total_time_bucket{job="sovereign-mail", namespace="other", le="604800000"}': "0+50x60",
    'delivery_total_time_count{job="sovereign-mail", namespace="other"}': "0+50x60",
    'delivery_dsn_perm_fail{job="sovereign-mail", namespace="other"}': "0+50x60",
  });
  /**
   * Cumulative per-second rates at 1 s, 30 s, 300 s, 600 s: 3, 9, 9, 10 (of 10) in sixtieths. Median: rank 5 in
   * (1 s, 30 s] → 1 + 29·(5−3)/(9−3) s. 95th percentile: rank 9.5 in (300 s, 600 s] → 300 + 300·(9.5−9)/(10−9) s.
   */
  const cases = (): PromqlCase[] => [
    { expr: query("Time in queue", "p50"), evalMinute: 60, samples: [{ labels: "{}", value: 1 + (29 * 2) / 6 }] },
    { expr: query("Time in queue", "p95"), evalMinute: 60, samples: [{ labels: "{}", value: 450 }] },
    // 511.5 s over 10 messages; in milliseconds, rounded, as promtool compares floats exactly.
    { expr: `round((${query("Time in queue", "mean")}) * 1000)`, evalMinute: 60, samples: [{ labels: "{}", value: 51150 }] },
    { expr: query("Delivered within 30 s"), evalMinute: 60, samples: [{ labels: "{}", value: 90 }] },
    { expr: query("Bounce rate"), evalMinute: 60, samples: [{ labels: "{}", value: 10 }] },
    // Stalwart has not exported this counter yet: 0 while the server is scraped.
    { expr: query("Deferred and bounced", "deferred"), evalMinute: 60, samples: [{ labels: "{}", value: 0 }] },
  ];

  it("compute delivery-time percentiles, the 30-second share and the bounce rate from le as Stalwart writes it", () => {
    const r = promtoolTest(relaySeries(String, "inf"), cases());
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });

  it("give the same results from le as a Prometheus 3 scrape normalises it (1000.0, +Inf)", () => {
    const r = promtoolTest(relaySeries((b) => `${b}.0`, "+Inf"), cases());
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });

  it("show nothing, not 0, for a server that is not scraped", () => {
    const series = { 'up{job="sovereign-mail", namespace="other"}': "1+0x60" };
    const r = promtoolTest(series, [{ expr: query("Deferred and bounced", "deferred"), evalMinute: 10, samples: [] }]);
    expect(r.ok).toBe(true);
  });

  it("show no share and no mean, not NaN, while no mail leaves the queue", () => {
    const series = { [`up${server()}`]: "1+0x60", [`delivery_total_time_count${server()}`]: "5+0x60", [`delivery_total_time_sum${server()}`]: "5000+0x60", [`delivery_total_time_bucket${server(', le="1000"')}`]: "5+0x60" };
    const r = promtoolTest(series, [
      { expr: query("Delivered within 30 s"), evalMinute: 60, samples: [] },
      { expr: query("Time in queue", "mean"), evalMinute: 60, samples: [] },
    ]);
    expect(r.output).toMatch(/SUCCESS/);
  });

  it("fail when a result differs (the harness can fail)", () => {
    const [p50] = cases();
    const r = promtoolTest(relaySeries(String, "inf"), [{ ...p50, samples: [{ labels: "{}", value: 11 }] }]);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/FAILED/);
  });
});
