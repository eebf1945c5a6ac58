/**
 * Grafana's rules for provisioned alert rules and datasources, as Grafana v12.3 applies them at start (a file that
 * breaks one fails provisioning; an over-long rule uid makes Grafana crash-loop). Sources, grafana/grafana:
 * - pkg/services/provisioning/alerting/rules_types.go (AlertRuleGroupV1, AlertRuleV1, QueryV1): group name, folder,
 *   interval and rule uid, title, condition, data are required;
 * - pkg/services/ngalert/models/alert_rule.go: noDataState ∈ {Alerting, NoData, OK, KeepLast}, execErrState ∈
 *   {Alerting, Error, OK, KeepLast}; the group interval a positive multiple of the 10 s base interval;
 * - pkg/util/shortid_generator.go ValidateUID: at most 40 characters of [a-zA-Z0-9-_];
 * - pkg/services/ngalert/store: titles and group names at most 190 characters;
 * - pkg/expr/threshold.go: a threshold node has `expression` and exactly one condition;
 * - pkg/services/provisioning/datasources/types.go: a datasource's `uid` is kept as given.
 */
import { z } from "zod";

const uid = z.string().max(40).regex(/^[a-zA-Z0-9_-]+$/);
const duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/);
const tenSecondMultiple = duration.refine((d) => {
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  const m = /^(\d+)([smhd])$/.exec(d);
  return m !== null && (Number(m[1]) * unit[m[2]]) % 10 === 0 && Number(m[1]) > 0;
}, "must be a positive multiple of 10s");

const threshold = z.strictObject({
  refId: z.string().optional(),
  type: z.literal("threshold"),
  expression: z.string().min(1),
  conditions: z.array(z.strictObject({ evaluator: z.strictObject({ type: z.enum(["gt", "lt", "within_range", "outside_range"]), params: z.array(z.number()).min(1) }) })).length(1),
});

const query = z.strictObject({
  refId: z.string().min(1),
  queryType: z.string().optional(),
  relativeTimeRange: z.strictObject({ from: z.int().min(0), to: z.int().min(0) }).optional(),
  datasourceUid: z.string().min(1),
  model: z.record(z.string(), z.unknown()),
});

const rule = z
  .strictObject({
    uid,
    title: z.string().min(1).max(190),
    condition: z.string().min(1),
    data: z.array(query).min(1),
    noDataState: z.enum(["Alerting", "NoData", "OK", "KeepLast"]),
    execErrState: z.enum(["Alerting", "Error", "OK", "KeepLast"]),
    for: duration,
    annotations: z.record(z.string(), z.string()),
    // Labels Grafana reserves for itself start with `__` (ngalert models: reserved label keys).
    labels: z.record(z.string().regex(/^(?!__)[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
    isPaused: z.boolean(),
  })
  .superRefine((r, ctx) => {
    const refs = r.data.map((d) => d.refId);
    if (!refs.includes(r.condition)) ctx.addIssue({ code: "custom", message: `condition ${r.condition} is no refId of the rule` });
    for (const d of r.data) {
      if (d.datasourceUid !== "__expr__") continue;
      const parsed = threshold.safeParse(d.model);
      if (!parsed.success) ctx.addIssue({ code: "custom", message: `expression ${d.refId}: ${parsed.error.message}` });
      else if (!refs.includes(parsed.data.expression)) ctx.addIssue({ code: "custom", message: `expression ${d.refId} reads ${parsed.data.expression}, no refId of the rule` });
    }
  });

export const alertProvisioningFile = z.strictObject({
  apiVersion: z.literal(1),
  groups: z.array(z.strictObject({ orgId: z.int().min(1), name: z.string().min(1).max(190), folder: z.string().min(1), interval: tenSecondMultiple, rules: z.array(rule).min(1) })).min(1),
});

export const datasourceProvisioningFile = z.strictObject({
  apiVersion: z.literal(1),
  datasources: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        uid,
        type: z.enum(["prometheus", "loki"]),
        access: z.literal("proxy"),
        url: z.url(),
        editable: z.boolean(),
        jsonData: z.record(z.string(), z.unknown()),
        secureJsonData: z.record(z.string(), z.string()),
      }),
    )
    .min(1),
});
