/**
 * The Prometheus alert rules evaluated by Prometheus's own engine (`promtool test rules`): each fires on series
 * shaped as Stalwart v0.16.18, the kubelet and the scraper produce them, stays quiet on a healthy server, and never
 * fires for another server's series. Grafana applies the threshold node to the query's result; here the same
 * comparison is written into the query.
 */
import { serverAlerts, type AlertName, type MailAlert } from "../monitoring/alert-rules";
import { MAIL_JOB } from "../monitoring/labels";
import { SERVER_PVC } from "../monitoring/metrics";
import { FLEET_DEFAULTS } from "../fleet/defaults";
import { describeWithPromtool, promtoolTest } from "./helpers/promtool";

const NS = "org-acme";
const DAY = 86400;
/** The evaluation time of every case: 60 minutes after the first sample. */
const NOW_MINUTE = 60;
const thresholds = FLEET_DEFAULTS["sovereigns[]"].monitoring.thresholds;
// The rotation fell due 4 days before the evaluation time (promtool's clock starts at 0): past the 3-day grace.
const overdueAt = NOW_MINUTE * 60 - 4 * DAY;
const alerts = serverAlerts(
  { kind: "tenant", stack: "fsn1-tenant-acme", namespace: NS, certificates: true, backup: true, rotations: [{ credential: "dkim", dueAt: String(overdueAt) }] },
  thresholds,
);
const alert = (name: AlertName): MailAlert => alerts.find((a) => a.name === name && a.query.datasource === "prometheus")!;
/** The rule as Prometheus would write it: the query compared with the threshold. */
const firing = (a: MailAlert) => `(${a.query.expr}) ${a.fires.when === "gt" ? ">" : "<"} ${a.fires.value}`;

const server = (extra = "") => `{job="${MAIL_JOB}", namespace="${NS}"${extra}}`;
const other = (extra = "") => `{job="${MAIL_JOB}", namespace="org-other"${extra}}`;

/** Whether `name` fires after an hour of `series` (promtool's values notation: start+increment x samples). */
function fires(name: AlertName, series: Record<string, string>): boolean {
  const a = alert(name);
  const yes = promtoolTest(series, [{ expr: `count(${firing(a)}) > 0`, evalMinute: NOW_MINUTE, samples: [{ labels: "{}", value: 1 }] }]);
  const no = promtoolTest(series, [{ expr: `count(${firing(a)}) > 0`, evalMinute: NOW_MINUTE, samples: [] }]);
  if (yes.ok === no.ok) throw new Error(`promtool could not decide ${name}:\n${yes.output}\n${no.output}`);
  return yes.ok;
}

describeWithPromtool("the alert rules evaluated by Prometheus's engine", () => {
  it("MailServerDown: a failing scrape, or no scrape at all; not a healthy server, not another server's failure", () => {
    expect(fires("MailServerDown", { [`up${server()}`]: "0x60" })).toBe(true);
    expect(fires("MailServerDown", { [`up${other()}`]: "1x60" })).toBe(true);
    expect(fires("MailServerDown", { [`up${server()}`]: "1x60", [`up${other()}`]: "0x60" })).toBe(false);
  });

  it("BounceRateHigh: a tenth of 100 messages bouncing; not 1 in 100, not 1 of 3 on a quiet server, not another server's bounces", () => {
    const traffic = (queued: number, bounced: number, at = server) => ({ [`queue_message_queued${at()}`]: `0+${queued / 60}x60`, [`delivery_dsn_perm_fail${at()}`]: `0+${bounced / 60}x60` });
    expect(fires("BounceRateHigh", traffic(120, 12))).toBe(true);
    expect(fires("BounceRateHigh", traffic(120, 1))).toBe(false);
    expect(fires("BounceRateHigh", traffic(3, 1))).toBe(false);
    // Authenticated submissions count as queued messages too.
    expect(fires("BounceRateHigh", { [`queue_authenticated_message_queued${server()}`]: "0+2x60", [`delivery_dsn_perm_fail${server()}`]: "0+1x60" })).toBe(true);
    expect(fires("BounceRateHigh", { ...traffic(120, 0), ...traffic(120, 60, other) })).toBe(false);
    // Counters absent until above zero: no bounces yet is no alert.
    expect(fires("BounceRateHigh", { [`queue_message_queued${server()}`]: "0+2x60" })).toBe(false);
  });

  it("MailDeliveryRetrying and MailDeferredTooLong: retries above the hourly threshold, any delay notice", () => {
    expect(fires("MailDeliveryRetrying", { [`queue_rescheduled${server()}`]: `0+${(thresholds.rescheduledPerHour * 2) / 60}x60` })).toBe(true);
    expect(fires("MailDeliveryRetrying", { [`queue_rescheduled${server()}`]: "0+0.5x60" })).toBe(false);
    expect(fires("MailDeferredTooLong", { [`delivery_dsn_temp_fail${server()}`]: "0x30 1x30" })).toBe(true);
    expect(fires("MailDeferredTooLong", { [`delivery_dsn_temp_fail${other()}`]: "0x30 1x30" })).toBe(false);
  });

  it("VolumeAlmostFull: the server's own claim above the threshold", () => {
    const volume = (used: number, ns = NS, claim = SERVER_PVC) => ({
      [`kubelet_volume_stats_used_bytes{namespace="${ns}", persistentvolumeclaim="${claim}"}`]: `${used}x60`,
      [`kubelet_volume_stats_capacity_bytes{namespace="${ns}", persistentvolumeclaim="${claim}"}`]: "100x60",
    });
    expect(fires("VolumeAlmostFull", volume(85))).toBe(true);
    expect(fires("VolumeAlmostFull", volume(50))).toBe(false);
    expect(fires("VolumeAlmostFull", { ...volume(50), ...volume(99, "org-other") })).toBe(false);
  });

  it("CertificateExpiring and CertificateNotReady: cert-manager's series of the namespace", () => {
    const expiry = (daysLeft: number) => ({ [`certmanager_certificate_expiration_timestamp_seconds{namespace="${NS}", name="stalwart"}`]: `${NOW_MINUTE * 60 + daysLeft * DAY}x60` });
    expect(fires("CertificateExpiring", expiry(7))).toBe(true);
    expect(fires("CertificateExpiring", expiry(60))).toBe(false);
    const ready = (status: "True" | "False") => ({
      [`certmanager_certificate_ready_status{namespace="${NS}", name="stalwart", condition="True"}`]: `${status === "True" ? 1 : 0}x60`,
      [`certmanager_certificate_ready_status{namespace="${NS}", name="stalwart", condition="False"}`]: `${status === "False" ? 1 : 0}x60`,
    });
    expect(fires("CertificateNotReady", ready("False"))).toBe(true);
    expect(fires("CertificateNotReady", ready("True"))).toBe(false);
  });

  it("CredentialRotationOverdue: the due date plus the grace has passed (and not before)", () => {
    expect(fires("CredentialRotationOverdue", { [`up${server()}`]: "1x60" })).toBe(true);
    const notYet = serverAlerts(
      { kind: "tenant", stack: "s", namespace: NS, certificates: false, backup: false, rotations: [{ credential: "dkim", dueAt: String(NOW_MINUTE * 60 - 2 * DAY) }] },
      thresholds,
    ).find((a) => a.name === "CredentialRotationOverdue")!;
    expect(promtoolTest({ [`up${server()}`]: "1x60" }, [{ expr: `count(${firing(notYet)}) > 0`, evalMinute: NOW_MINUTE, samples: [] }]).ok).toBe(true);
  });
});
