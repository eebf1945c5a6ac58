/**
 * Metrics, alerts and dashboards of every mail server: the kit's Alloy scrapes each server with the login the
 * server checks, every rule file is one Grafana accepts, every query parses with the real PromQL and LogQL
 * grammars and selects series the scrape configuration produces, and each alert has its runbook.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser as promql } from "@prometheus-io/lezer-promql";
import { parser as logql } from "@grafana/lezer-logql";
import type { LRParser } from "@lezer/lr";
import { parse as parseYaml } from "yaml";
import { BACKUP_SCRIPT, PRUNE_SCRIPT } from "../constructs/backup/backup-script";
import { loadFleetFile } from "../fleet/load";
import type { Kit } from "../kit/model";
import { SLOT } from "../kit/slots";
import type { AlertName } from "../monitoring/alert-rules";
import { withMailMonitoring } from "../monitoring/kit-values";
import { dashboardFileName, dashboardJson } from "../monitoring/dashboards";
import { eventLine, GRAFANA_SIDECAR, LOKI_UID, MAIL_JOB, METRICS_SECRET, PROMETHEUS_UID, SERVER_KINDS } from "../monitoring/labels";
import { METRICS_USERNAME } from "../stalwart/server-plan";
import { alertProvisioningFile, datasourceProvisioningFile } from "./helpers/grafana-provisioning";
import { synthFleet, synthFleetYaml, oneSovereignYaml } from "./helpers/synth";
import { TEST_FLEETS } from "./helpers/test-fleets";
import { resourcesOf, type TfJson } from "./helpers/terraform-json";

const fleets = Object.entries(TEST_FLEETS).map(([name, file]) => ({ name, ...synthFleet(loadFleetFile(file)) }));
const servers = fleets.flatMap((f) =>
  [...f.stacks.relays, ...f.stacks.tenants].map((stack) => ({ id: `${f.name}/${stack.stackName}`, fleet: f, stack, json: f.json[stack.stackName] as TfJson })),
);
const watched = servers.filter((s) => s.stack.platform.monitoring);

const configMap = (json: TfJson, namespace: string, name: string) =>
  resourcesOf(json, "kubernetes_config_map_v1").find((r) => r.body.metadata?.name === name && r.body.metadata?.namespace === namespace)?.body;
/** Terraform's `${…}` (a rotation's due date) as the number it evaluates to, for parsing. */
const evaluated = (text: string) => text.replace(/(?<!\$)\$\{[^}]*\}/g, "1767225600");

interface Rule {
  uid: string;
  title: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: { datasourceUid: string; model: { expr?: string } }[];
}
const rulesOf = (s: (typeof servers)[number]): { text: string; rules: Rule[]; file: unknown } => {
  const cm = configMap(s.json, s.stack.mail.namespace, "stalwart-alerts");
  const text = Object.values(cm?.data ?? {})[0] as string;
  const file = parseYaml(evaluated(text));
  return { text, file, rules: (file as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules) };
};
const exprs = (rules: Rule[], uid: string) => rules.flatMap((r) => r.data.filter((d) => d.datasourceUid === uid).map((d) => d.model.expr!));
const alloyContent = (f: (typeof fleets)[number], sovereign: string): string => {
  const kit = f.stacks.kits.find((k) => k.stackName === `${sovereign}-kit`)!;
  const json = f.json[kit.stackName] as TfJson;
  const release = resourcesOf(json, "helm_release").find((r) => r.body.name === "alloy")!.body;
  return (JSON.parse(release.values[0]) as { alloy: { alloy: { configMap: { content: string } } } }).alloy.alloy.configMap.content;
};

/** Parse errors of `text` under a Lezer grammar. */
function parseErrors(p: LRParser, text: string): number {
  let errors = 0;
  p.parse(text).iterate({ enter: (n) => void (n.type.isError && errors++) });
  return errors;
}

describe("the parsers judge", () => {
  it("find broken queries (so the checks below can fail)", () => {
    expect(parseErrors(promql as unknown as LRParser, 'max(up{job="x"}) or vector(0)')).toBe(0);
    expect(parseErrors(promql as unknown as LRParser, 'max(up{job=}) or')).toBeGreaterThan(0);
    expect(parseErrors(logql as unknown as LRParser, 'sum(count_over_time({job="x"} |= "y" [1h]))')).toBe(0);
    expect(parseErrors(logql as unknown as LRParser, 'sum(count_over_time({job="x"} |= [1h]))')).toBeGreaterThan(0);
  });
});

describe("monitoring", () => {
  it("watches every server of the Sovereigns that set it (and the test fleets have some of each kind)", () => {
    expect(watched.filter((s) => s.stack.mail.alerts && s.stack.stackName.endsWith("-mail")).length).toBeGreaterThanOrEqual(2);
    expect(watched.filter((s) => s.stack.stackName.includes("-tenant-")).length).toBeGreaterThanOrEqual(4);
    for (const s of servers) expect(s.stack.mail.alerts !== undefined).toBe(s.stack.platform.monitoring !== undefined);
  });

  describe.each(watched.map((s) => [s.id, s] as const))("%s", (_id, s) => {
    const { text, file, rules } = rulesOf(s);
    const namespace = s.stack.mail.namespace;
    const names = new Set(rules.map((r) => r.labels.severity && (r.title.split(": ")[1].split(" ")[0] as AlertName)));
    const isTenant = s.stack.stackName.includes("-tenant-");

    it("is a rule file Grafana provisions, loaded by the alerts sidecar", () => {
      const parsed = alertProvisioningFile.safeParse(file);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      const cm = configMap(s.json, namespace, "stalwart-alerts")!;
      expect(cm.metadata.labels[GRAFANA_SIDECAR.alert]).toBe(GRAFANA_SIDECAR.value);
      expect(Object.keys(cm.data)).toEqual([`sovereign-mail-${s.stack.stackName}.yaml`]);
      expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
      expect(new Set(rules.map((r) => r.title)).size).toBe(rules.length);
    });

    it("has the alerts a mail server needs", () => {
      const wanted: AlertName[] = ["MailServerDown", "ConfigApplyFailed", "MailDeliveryRetrying", "MailDeferredTooLong", "BounceRateHigh", "VolumeAlmostFull"];
      if (isTenant) wanted.push("CertificateExpiring", "CertificateNotReady");
      if (s.stack.platform.backup) wanted.push("BackupFailed", "BackupMissing");
      expect([...names].sort()).toEqual(expect.arrayContaining(wanted.sort()));
      for (const r of rules) expect(r.labels).toMatchObject({ namespace, stack: s.stack.stackName });
    });

    it("alerts when a due rotation waits for an apply: one rule per rotating credential, due at the next period's start", () => {
      const rotating = Object.entries(s.stack.platform.credentials.rotationDays).filter(([, d]) => d > 0);
      const overdue = rules.filter((r) => r.labels.credential);
      const live = [...text.matchAll(/(?<!\$)\$\{\((local\.([\w-]+)) \+ 1\) \* (\d+)\}/g)];
      expect(live.length).toBe(overdue.length);
      for (const [, , local, seconds] of live) {
        expect(Object.keys(s.json.locals ?? {})).toContain(local);
        expect(Number(seconds) % 86400).toBe(0);
        expect(rotating.map(([, d]) => d * 86400)).toContain(Number(seconds));
      }
      if (s.stack.stackName.endsWith("-mail") && s.stack.platform.credentials.rotationDays.submission > 0) {
        expect(overdue.map((r) => r.labels.credential)).toContain("submission");
      }
    });

    it("queries parse with the real PromQL and LogQL grammars", () => {
      const prom = exprs(rules, PROMETHEUS_UID);
      const loki = exprs(rules, LOKI_UID);
      expect(prom.length).toBeGreaterThan(4);
      for (const e of prom) expect([e, parseErrors(promql as unknown as LRParser, e)]).toEqual([e, 0]);
      for (const e of loki) expect([e, parseErrors(logql as unknown as LRParser, e)]).toEqual([e, 0]);
    });

    it("select the series the kit's Alloy collects for this server, with the login the server checks", () => {
      const content = alloyContent(s.fleet, s.stack.stackName.split("-")[0]);
      const block = new RegExp(`prometheus\\.scrape "sovereign_mail_${s.stack.stackName.replace(/-/g, "_")}" \\{([\\s\\S]*?)\\n\\}`).exec(content)?.[1] ?? "";
      expect(block).toContain(`job_name        = "${MAIL_JOB}"`);
      expect(block).toContain(`"namespace" = "${namespace}"`);
      expect(block).toContain(`"__address__" = "${s.stack.mail.managementEndpoint}"`);
      expect(block).toContain(`username = "${METRICS_USERNAME}"`);
      expect(s.stack.mail.plan.settingOf("Metrics")).toMatchObject({ prometheus: { authUsername: METRICS_USERNAME } });
      const secret = new RegExp(`remote\\.kubernetes\\.secret "sovereign_mail_${s.stack.stackName.replace(/-/g, "_")}" \\{\\s*namespace = "([^"]+)"\\s*name\\s*= "([^"]+)"`).exec(content);
      expect(secret?.slice(1)).toEqual([namespace, METRICS_SECRET]);
      const projected = resourcesOf(s.json, "kubernetes_manifest").map((r) => r.body.manifest).find((m) => m.kind === "ExternalSecret" && m.metadata.namespace === namespace && m.spec.target.name === METRICS_SECRET);
      expect(Object.keys(projected?.spec.target.template.data ?? {})).toEqual(expect.arrayContaining(["username", "password"]));
      // Every Stalwart selector names this server's scrape job and namespace.
      for (const e of exprs(rules, PROMETHEUS_UID).filter((x) => /queue_|delivery_|\bup\{/.test(x))) expect(e).toContain(`job="${MAIL_JOB}", namespace="${namespace}"`);
    });

    it("has a runbook entry for every alert", () => {
      const ops = readFileSync(join(__dirname, "..", "docs", "OPERATIONS.md"), "utf8");
      for (const n of names) expect(ops).toMatch(new RegExp(`^#### ${n}$`, "m"));
      for (const r of rules) expect(r.annotations.runbook_url).toBe(`docs/OPERATIONS.md#${r.title.split(": ")[1].split(" ")[0].toLowerCase()}`);
    });
  });

  it("provisions the datasources the rules name, once per Sovereign (in the relay's stack)", () => {
    for (const s of watched.filter((x) => x.stack.stackName.endsWith("-mail"))) {
      const cm = configMap(s.json, s.stack.mail.namespace, "sovereign-mail-datasources")!;
      expect(cm.metadata.labels[GRAFANA_SIDECAR.datasource]).toBe(GRAFANA_SIDECAR.value);
      const file = parseYaml(Object.values(cm.data)[0] as string);
      const parsed = datasourceProvisioningFile.safeParse(file);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      expect(parsed.data!.datasources.map((d) => d.uid).sort()).toEqual([LOKI_UID, PROMETHEUS_UID].sort());
    }
    for (const s of watched.filter((x) => x.stack.stackName.includes("-tenant-"))) expect(configMap(s.json, s.stack.mail.namespace, "sovereign-mail-datasources")).toBeUndefined();
  });

  it("provisions one dashboard per server kind, with Grafana's own ${var} references kept literal for Terraform", () => {
    for (const s of watched.filter((x) => x.stack.stackName.endsWith("-mail"))) {
      const cm = configMap(s.json, s.stack.mail.namespace, "sovereign-mail-dashboards")!;
      expect(cm.metadata.labels[GRAFANA_SIDECAR.dashboard]).toBe(GRAFANA_SIDECAR.value);
      expect(Object.keys(cm.data).sort()).toEqual(SERVER_KINDS.map(dashboardFileName).sort());
      for (const [file, text] of Object.entries(cm.data as Record<string, string>)) {
        expect([file, /(^|[^$])\$\{/.test(text)]).toEqual([file, false]);
        // What Grafana reads once Terraform has unescaped it: the dashboard as built.
        expect(text.replaceAll("$${", "${").replaceAll("%%{", "%{")).toBe(dashboardJson(file.includes("relay") ? "relay" : "tenant"));
        const dashboard = JSON.parse(text.replaceAll("$${", "${")) as { uid: string; panels: { datasource?: { uid: string } }[] };
        expect(dashboard.panels.every((p) => p.datasource === undefined || [PROMETHEUS_UID, LOKI_UID].includes(p.datasource.uid))).toBe(true);
      }
    }
  });

  it("gives the kit's Alloy a configuration Helm passes through untouched, and Grafana its alerts sidecar", () => {
    for (const f of fleets) {
      for (const kit of f.stacks.kits) {
        const sovereign = kit.stackName.replace(/-kit$/, "");
        if (!watched.some((s) => s.fleet === f && s.stack.stackName.startsWith(`${sovereign}-`))) continue;
        const content = alloyContent(f, sovereign);
        // bp-alloy passes configMap.content through Helm's `tpl`: no template actions may appear in it.
        expect(content).not.toContain("{{");
        const json = f.json[kit.stackName] as TfJson;
        const grafana = resourcesOf(json, "helm_release").find((r) => r.body.name === "grafana")!.body;
        expect(JSON.parse(grafana.values[0]).grafana.sidecar.alerts).toMatchObject({ enabled: true, label: GRAFANA_SIDECAR.alert, labelValue: GRAFANA_SIDECAR.value, searchNamespace: "ALL" });
      }
    }
  });

  it("is refused without the telemetry slots in the kit", () => {
    const yaml = oneSovereignYaml("    monitoring: {}\n    kit: {include: [bp-cert-manager-issuers, bp-external-secrets-stores, bp-catalyst-platform]}\n");
    expect(() => synthFleetYaml(yaml)).toThrow(/requires bootstrap-kit slots? .*bp-alloy/);
  });
});

describe("the kit's values", () => {
  const fleet = loadFleetFile(TEST_FLEETS.example);
  const sovereign = fleet.sovereigns[0];
  const kit = sovereign.kit!;
  const servers = [{ kind: "relay" as const, stack: sovereign.relay.stackName, namespace: sovereign.relay.namespace }];
  const withValues = (slot: string, values: Record<string, unknown>): Kit => ({ ...kit, releases: kit.releases.map((r) => (r.name === slot ? { ...r, values } : r)) });
  const valuesOf = (k: Kit, slot: string) => k.releases.find((r) => r.name === slot)!.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("keep the fleet's own values: its Alloy configuration first, its Grafana settings winning", () => {
    const merged = withMailMonitoring(
      withValues(SLOT.grafana, { grafana: { sidecar: { alerts: { searchNamespace: "mail" } }, replicas: 2 } }),
      sovereign.platform,
      servers,
    );
    expect(valuesOf(merged, SLOT.grafana).grafana).toMatchObject({ replicas: 2, sidecar: { alerts: { enabled: true, searchNamespace: "mail" } } });
    const own = withMailMonitoring(withValues(SLOT.alloy, { alloy: { alloy: { configMap: { content: 'logging { level = "warn" }' } } } }), sovereign.platform, servers);
    const content = valuesOf(own, SLOT.alloy).alloy.alloy.configMap.content as string;
    expect(content.startsWith('logging { level = "warn" }\n\n// sovereign-mail')).toBe(true);
    expect(valuesOf(own, SLOT.alloy).alloy.alloy.clustering).toEqual({ enabled: true });
  });

  it("are left alone without monitoring", () => {
    expect(withMailMonitoring(kit, { ...sovereign.platform, monitoring: undefined }, servers)).toBe(kit);
  });
});

describe("the event lines the backup alerts match", () => {
  it("are printed by the backup script for each outcome", () => {
    for (const line of [eventLine("backup", "ok"), eventLine("backup", "failed"), eventLine("restore", "ok"), eventLine("restore", "failed")]) expect(BACKUP_SCRIPT).toContain(`echo "${line}"`);
    for (const line of [eventLine("backup-prune", "ok"), eventLine("backup-prune", "failed")]) expect(PRUNE_SCRIPT).toContain(`echo "${line}"`);
  });
});
