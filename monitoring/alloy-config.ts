import { DATA_CLAIM, EVENTS_JOB, LABEL, LOGS_JOB, MAIL_JOB, type ServerKind } from "./labels";

/** One mail server as the scraper sees it. */
export interface ScrapedServer {
  readonly kind: ServerKind;
  /** The server's stack: its component names and the `stack` label. */
  readonly stack: string;
  readonly namespace: string;
  /** `host:port` of the management listener (`/metrics/prometheus` with HTTP Basic). */
  readonly managementEndpoint: string;
  /** Secret in `namespace` holding the metrics login (`username`, `password`). */
  readonly metricsSecret: string;
  readonly metricsUsername: string;
}

/** Where the telemetry goes, and how often. */
export interface AlloyTargets {
  readonly sovereign: string;
  /** Mimir's remote-write endpoint. */
  readonly remoteWriteUrl: string;
  /** Loki's push endpoint. */
  readonly lokiPushUrl: string;
  /** The `X-Scope-OrgID` of both. */
  readonly tenantId: string;
  readonly scrapeInterval: string;
  /** cert-manager's namespace, whose controller pods are scraped when any server has a certificate. */
  readonly certManagerNamespace?: string;
}

/** Alloy strings share JSON's escapes (grafana/alloy syntax/scanner: Go string literals). */
const str = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(str).join(", ")}]`;
/** A component label: an identifier; stack names are DNS labels, so `-` → `_` keeps them distinct. */
const id = (name: string): string => `sovereign_mail_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
/** Keeps only series whose `namespace` is a mail namespace. */
const namespaceRegex = (namespaces: readonly string[]): string => `(${namespaces.map((n) => n.replace(/[.]/g, "\\.")).join("|")})`;

const block = (head: string, lines: readonly string[]): string => `${head} {\n${lines.map((l) => l.replace(/^/gm, "  ")).join("\n")}\n}`;

/**
 * The Alloy configuration that collects what the mail alerts and dashboards query: each server's Stalwart metrics
 * (HTTP Basic with its own metrics Secret, read through `remote.kubernetes.secret`), the kubelet's volume statistics
 * of the mail volumes, cert-manager's certificate metrics, the Kubernetes events of the mail namespaces (Job
 * failures) and the log lines of the backup init containers. Targets are shared across the Alloy pods (clustering),
 * so each is scraped once. Deterministic: servers in the order given.
 */
export function alloyConfig(servers: readonly ScrapedServer[], to: AlloyTargets): string {
  const namespaces = [...new Set(servers.map((s) => s.namespace))].sort();
  const write = "prometheus.remote_write.sovereign_mail.receiver";
  const parts: string[] = [
    "// sovereign-mail: generated from the fleet; every component is named sovereign_mail_*.",
    block(`prometheus.remote_write "sovereign_mail"`, [block("endpoint", [`url     = ${str(to.remoteWriteUrl)}`, `headers = { "X-Scope-OrgID" = ${str(to.tenantId)} }`])]),
    block(`loki.write "sovereign_mail"`, [block("endpoint", [`url       = ${str(to.lokiPushUrl)}`, `tenant_id = ${str(to.tenantId)}`])]),
  ];
  for (const s of servers) {
    const name = id(s.stack);
    const target = { __address__: s.managementEndpoint, [LABEL.sovereign]: to.sovereign, [LABEL.kind]: s.kind, [LABEL.namespace]: s.namespace, [LABEL.stack]: s.stack };
    parts.push(
      block(`remote.kubernetes.secret ${str(name)}`, [`namespace = ${str(s.namespace)}`, `name      = ${str(s.metricsSecret)}`]),
      block(`prometheus.scrape ${str(name)}`, [
        `job_name        = ${str(MAIL_JOB)}`,
        `targets         = [{${Object.entries(target).map(([k, v]) => `${str(k)} = ${str(v)}`).join(", ")}}]`,
        `metrics_path    = "/metrics/prometheus"`,
        `scrape_interval = ${str(to.scrapeInterval)}`,
        block("basic_auth", [`username = ${str(s.metricsUsername)}`, `password = remote.kubernetes.secret.${name}.data["password"]`]),
        block("clustering", ["enabled = true"]),
        `forward_to      = [${write}]`,
      ]),
    );
  }
  // Volume use: each node's kubelet (the chart's ClusterRole grants nodes/metrics, not the nodes/proxy an API-server
  // proxy scrape needs), kept for the mail volumes only.
  parts.push(
    block(`discovery.kubernetes "sovereign_mail_nodes"`, [`role = "node"`]),
    block(`prometheus.scrape "sovereign_mail_kubelet"`, [
      `job_name          = "${MAIL_JOB}/kubelet"`,
      "targets           = discovery.kubernetes.sovereign_mail_nodes.targets",
      `scheme            = "https"`,
      `scrape_interval   = ${str(to.scrapeInterval)}`,
      `bearer_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token"`,
      // Kubelet serving certificates are commonly self-signed (not from the cluster CA).
      block("tls_config", [`insecure_skip_verify = true`]),
      block("clustering", ["enabled = true"]),
      "forward_to        = [prometheus.relabel.sovereign_mail_volumes.receiver]",
    ]),
    block(`prometheus.relabel "sovereign_mail_volumes"`, [
      block("rule", [`source_labels = ["__name__", "namespace", "persistentvolumeclaim"]`, `regex         = ${str(`kubelet_volume_stats_(used|capacity)_bytes;${namespaceRegex(namespaces)};${DATA_CLAIM}`)}`, `action        = "keep"`]),
      `forward_to = [${write}]`,
    ]),
  );
  if (to.certManagerNamespace) {
    // The kit's cert-manager has no metrics Service (prometheus.enabled: false): its controller pods serve 9402.
    parts.push(
      block(`discovery.kubernetes "sovereign_mail_cert_manager"`, [
        `role = "pod"`,
        block("namespaces", [`names = ${list([to.certManagerNamespace])}`]),
        block("selectors", [`role  = "pod"`, `label = "app.kubernetes.io/component=controller"`]),
      ]),
      block(`discovery.relabel "sovereign_mail_cert_manager"`, [
        "targets = discovery.kubernetes.sovereign_mail_cert_manager.targets",
        block("rule", [`source_labels = ["__meta_kubernetes_pod_container_port_number"]`, `regex         = "9402"`, `action        = "keep"`]),
      ]),
      block(`prometheus.scrape "sovereign_mail_cert_manager"`, [
        `job_name        = "${MAIL_JOB}/cert-manager"`,
        "targets         = discovery.relabel.sovereign_mail_cert_manager.output",
        `scrape_interval = ${str(to.scrapeInterval)}`,
        block("clustering", ["enabled = true"]),
        "forward_to      = [prometheus.relabel.sovereign_mail_certificates.receiver]",
      ]),
      block(`prometheus.relabel "sovereign_mail_certificates"`, [
        block("rule", [`source_labels = ["__name__", "namespace"]`, `regex         = ${str(`certmanager_certificate_(expiration_timestamp_seconds|ready_status);${namespaceRegex(namespaces)}`)}`, `action        = "keep"`]),
        `forward_to = [${write}]`,
      ]),
    );
  }
  // Job failures (the apply Job, the TLS reload, the backup restart and prune) arrive as Kubernetes events.
  parts.push(
    block(`loki.source.kubernetes_events "sovereign_mail"`, [`job_name   = ${str(EVENTS_JOB)}`, `namespaces = ${list(namespaces)}`, "forward_to = [loki.write.sovereign_mail.receiver]"]),
    // The backup init container's outcome lines (it never fails the pod, so no event tells).
    block(`discovery.kubernetes "sovereign_mail_pods"`, [`role = "pod"`, block("namespaces", [`names = ${list(namespaces)}`])]),
    block(`discovery.relabel "sovereign_mail_backup_logs"`, [
      "targets = discovery.kubernetes.sovereign_mail_pods.targets",
      block("rule", [`source_labels = ["__meta_kubernetes_pod_container_name"]`, `regex         = "backup"`, `action        = "keep"`]),
      block("rule", [`source_labels = ["__meta_kubernetes_namespace"]`, `target_label  = "namespace"`]),
      block("rule", [`source_labels = ["__meta_kubernetes_pod_name"]`, `target_label  = "pod"`]),
      block("rule", [`source_labels = ["__meta_kubernetes_pod_container_name"]`, `target_label  = "container"`]),
      block("rule", [`target_label = "job"`, `replacement  = ${str(LOGS_JOB)}`]),
    ]),
    block(`loki.source.kubernetes "sovereign_mail_backup_logs"`, [
      "targets    = discovery.relabel.sovereign_mail_backup_logs.output",
      block("clustering", ["enabled = true"]),
      "forward_to = [loki.write.sovereign_mail.receiver]",
    ]),
  );
  return `${parts.join("\n\n")}\n`;
}
