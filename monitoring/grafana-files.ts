import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { MailAlert, ServerAlertsInput } from "./alert-rules";
import { LABEL, LOKI_UID, PROMETHEUS_UID } from "./labels";

/** Grafana's expression datasource (grafana v12.3.1 pkg/expr: DatasourceUID). */
export const EXPRESSION_UID = "__expr__";
/** Where each alert's runbook is: a heading of docs/OPERATIONS.md named after the alert. */
export const RUNBOOK = "docs/OPERATIONS.md";
export const runbookAnchor = (name: string): string => `${RUNBOOK}#${name.toLowerCase()}`;

/** A rule uid: at most 40 characters of `[A-Za-z0-9_-]` (Grafana's rule uid rules), stable per stack and alert. */
export const ruleUid = (stack: string, alert: MailAlert): string =>
  `sm-${createHash("sha256").update(`${stack}/${alert.name}/${alert.labels?.credential ?? ""}`).digest("hex").slice(0, 24)}`;

const ruleTitle = (stack: string, alert: MailAlert): string => `${stack}: ${alert.name}${alert.labels?.credential ? ` (${alert.labels.credential})` : ""}`;

/**
 * One server's alert rules as a Grafana alerting provisioning file (`apiVersion: 1`, one rule group per server):
 * each rule is query `A` and the threshold expression `C` on it. An absent result is "OK" (the queries themselves
 * turn "nothing scraped" into a value where that matters), a failing query is an error, not an alert.
 */
export function alertRuleFile(server: ServerAlertsInput & { readonly sovereign: string }, alerts: readonly MailAlert[], folder: string): object {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: server.stack,
        folder,
        interval: "1m",
        rules: alerts.map((a) => ({
          uid: ruleUid(server.stack, a),
          title: ruleTitle(server.stack, a),
          condition: "C",
          data: [
            {
              refId: "A",
              relativeTimeRange: { from: a.query.lookbackSeconds, to: 0 },
              datasourceUid: a.query.datasource === "prometheus" ? PROMETHEUS_UID : LOKI_UID,
              model: a.query.datasource === "prometheus" ? { refId: "A", expr: a.query.expr, instant: true, range: false } : { refId: "A", expr: a.query.expr, queryType: "instant" },
            },
            {
              refId: "C",
              datasourceUid: EXPRESSION_UID,
              model: { refId: "C", type: "threshold", expression: "A", conditions: [{ evaluator: { type: a.fires.when, params: [a.fires.value] } }] },
            },
          ],
          noDataState: "OK",
          execErrState: "Error",
          for: a.for,
          annotations: { summary: a.summary, runbook_url: runbookAnchor(a.name) },
          labels: {
            severity: a.severity,
            [LABEL.sovereign]: server.sovereign,
            [LABEL.kind]: server.kind,
            [LABEL.namespace]: server.namespace,
            [LABEL.stack]: server.stack,
            ...a.labels,
          },
          isPaused: false,
        })),
      },
    ],
  };
}

/** The datasources the rules and dashboards name, with fixed uids (the kit's own ones get generated uids). */
export function datasourceFile(to: { readonly mimirUrl: string; readonly lokiUrl: string; readonly tenantId: string; readonly scrapeInterval: string }): object {
  const tenantHeader = { jsonData: { httpHeaderName1: "X-Scope-OrgID" }, secureJsonData: { httpHeaderValue1: to.tenantId } };
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "sovereign-mail Mimir",
        uid: PROMETHEUS_UID,
        type: "prometheus",
        access: "proxy",
        url: `${to.mimirUrl}/prometheus`,
        editable: false,
        ...tenantHeader,
        jsonData: { ...tenantHeader.jsonData, timeInterval: to.scrapeInterval },
      },
      { name: "sovereign-mail Loki", uid: LOKI_UID, type: "loki", access: "proxy", url: to.lokiUrl, editable: false, ...tenantHeader },
    ],
  };
}

/** Provisioning files are YAML; stable key order as built, long lines kept whole. */
export const provisioningYaml = (file: object): string => stringify(file, { lineWidth: 0 });
