import type { Kit, KitRelease } from "../kit/model";
import { SLOT } from "../kit/slots";
import type { SovereignPlatform } from "../fleet/model";
import type { MailServerRef } from "../fleet/stack-inputs";
import { alloyConfig } from "./alloy-config";
import { GRAFANA_SIDECAR } from "./labels";
import { alloyTargetsOf, scrapedServersOf } from "./servers";

type Values = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** `ours` under `theirs`: the fleet's own `kit.values` win wherever both set a value. */
function under(ours: Values, theirs: Values): Values {
  const out: Record<string, unknown> = { ...ours };
  for (const [k, v] of Object.entries(theirs)) out[k] = isObject(v) && isObject(out[k]) ? under(out[k] as Values, v) : v;
  return out;
}

const contentOf = (values: Values): string => {
  const content = (((values.alloy as Values | undefined)?.alloy as Values | undefined)?.configMap as Values | undefined)?.content;
  return typeof content === "string" ? content.trim() : "";
};

/**
 * The kit with what the mail monitoring needs from its telemetry slots: bp-alloy gets the mail collection appended
 * to its configuration (the umbrella's default is empty) and clustering, so a DaemonSet scrapes each target once;
 * bp-grafana gets its alerts sidecar (off in the umbrella) watching ConfigMaps labelled `grafana_alert: "1"` in
 * every namespace. The fleet's own values for these slots win. Without monitoring the kit is unchanged.
 */
export function withMailMonitoring(kit: Kit, platform: SovereignPlatform, servers: readonly MailServerRef[]): Kit {
  const m = platform.monitoring;
  if (!m) return kit;
  // Tenants have cert-manager certificates; the relay has none.
  const config = alloyConfig(scrapedServersOf(servers), alloyTargetsOf(platform.sovereign, m, servers.some((s) => s.kind === "tenant")));
  const extend = (r: KitRelease): KitRelease => {
    if (r.name === SLOT.alloy) {
      const content = [contentOf(r.values), config].filter((c) => c.length > 0).join("\n\n");
      const values = under({ alloy: { alloy: { clustering: { enabled: true } } } }, r.values);
      return { ...r, values: under(values, { alloy: { alloy: { configMap: { content } } } }) };
    }
    if (r.name === SLOT.grafana) {
      const alerts = { enabled: true, label: GRAFANA_SIDECAR.alert, labelValue: GRAFANA_SIDECAR.value, searchNamespace: "ALL" };
      return { ...r, values: under({ grafana: { sidecar: { alerts } } }, r.values) };
    }
    return r;
  };
  return { ...kit, releases: kit.releases.map(extend) };
}
