import { renderForTerraform, terraformExpressionsOf } from "./plan-terraform";
import { Annotations } from "@cdktf/provider-kubernetes/lib/annotations";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import type { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { cronJobSpec } from "../k8s/cron-job-spec";
import { containerSecurityContext } from "../k8s/pod-defaults";
import { requestsEqualLimits, type GuaranteedResources } from "../k8s/resources";
import type { SecretKeyRef } from "../k8s/secret-key-ref";
import { WorkloadBase } from "../k8s/workload";
import { Peer } from "../network/peer";
import { Port } from "../network/port";
import { resourcesIn } from "../terraform/depends-on";
import { escapeTemplate } from "../terraform/escape";
import { ConfigPlan } from "../../stalwart/plan";
import { MANAGEMENT_LISTENER } from "../../stalwart/listeners";
import { RESTART_ANNOTATION, type StalwartServer } from "./stalwart-server";

const PLAN_DIR = "/plan";
const PLAN_FILE = "plan.ndjson";
/** A second plan run after the first: reloads see the first plan's reconcile deletions, which the CLI runs last. */
const RELOAD_FILE = "reload.ndjson";
const TLS_RELOAD_FILE = "reload-tls.ndjson";
/** The CLI image is distroless and runs as its non-root user. */
const CLI_UID = 65532;

export interface ConfigApplyJobProps {
  /** The server the plan configures; the Job reaches it on the management Service. */
  readonly server: StalwartServer;
  /** The configuration plan to apply. */
  readonly plan: ConfigPlan;
  /** Credentials the CLI authenticates with (Basic auth on the management listener). */
  readonly username: SecretKeyRef;
  readonly password: SecretKeyRef;
  /** The stalwart-cli image; it must support `apply` with `upsert` operations. */
  readonly image: string;
  /** @default 100m / 128Mi, requests = limits */
  readonly resources?: GuaranteedResources;
  /** Pod retries before the Job fails. @default 3 */
  readonly backoffLimit?: number;
  /** Hard deadline of the Job in seconds. @default 600 */
  readonly deadlineSeconds?: number;
  /** The cluster DNS pods, for egress. */
  readonly clusterDns: Peer;
  /**
   * The server reads certificate files (mounted from a cert-manager Secret): reload them every day, so a renewal
   * is served without a restart (certificates are read at boot or on ReloadTlsCertificates). @default false
   */
  readonly reloadTlsDaily?: boolean;
}

/** Actions after every apply: settings (v0.16 compiles most of them at boot or on ReloadSettings) and certificates. */
export function reloadPlan(tls: boolean): ConfigPlan {
  const plan = new ConfigPlan().action("reload-settings", "ReloadSettings");
  return tls ? plan.action("reload-tls", "ReloadTlsCertificates") : plan;
}

/**
 * Applies a Stalwart configuration plan with `stalwart-cli apply` in a Job, then reloads the settings (and
 * certificates) with a second apply, then patches the server's pod template with the listener set so that a
 * changed set restarts the server. The Job's name carries a hash of the plan: a changed plan makes Terraform
 * replace the Job (so it runs again), an unchanged plan leaves it alone.
 * Terraform waits for completion, so a failing apply fails this stack's apply with the Job's name, and only this
 * stack's. The pod has no Kubernetes API access and reaches nothing but the server's management port and DNS.
 */
export class ConfigApplyJob extends WorkloadBase {
  // Always created: the Job's pods run as their own token-less ServiceAccount.
  declare readonly serviceAccount: ServiceAccountV1;
  readonly job: JobV1;
  readonly planConfigMap: ConfigMapV1;
  /** First 10 hex digits of the plan's SHA-256. */
  readonly planHash: string;
  /** First 10 hex digits of the SHA-256 of the plan's listener operations: the pods restart when it changes. */
  readonly listenerHash: string;
  /** The pod-template annotation patched after the Job. */
  readonly restart: Annotations;

  constructor(scope: Construct, id: string, props: ConfigApplyJobProps) {
    super(scope, id, {
      name: `${props.server.name}-apply`,
      namespace: props.server.namespace,
      identity: { app: "stalwart-cli", instance: props.server.instance, component: "config-apply" },
      podSecurity: { runAs: CLI_UID },
      clusterDns: props.clusterDns,
    });
    const server = props.server;
    this.planHash = createHash("sha256").update(props.plan.render()).digest("hex").slice(0, 10);
    const planText = renderForTerraform(props.plan);
    const base = this.name;
    const labels = this.labels;

    const tls = props.reloadTlsDaily ?? false;
    this.planConfigMap = new ConfigMapV1(this, "plan", {
      metadata: { name: `${server.name}-plan`, namespace: this.namespace, labels: { ...labels } },
      data: {
        [PLAN_FILE]: planText,
        [RELOAD_FILE]: renderForTerraform(reloadPlan(tls)),
        ...(tls ? { [TLS_RELOAD_FILE]: renderForTerraform(new ConfigPlan().action("reload-tls", "ReloadTlsCertificates")) } : {}),
      },
    });
    this.connections.allowTo(Peer.workload(server), [Port.tcp(MANAGEMENT_LISTENER.port)], "management");
    this.allowClusterDns();

    const cli = (name: string, file: string) => ({
      name,
      image: escapeTemplate(props.image),
      imagePullPolicy: "IfNotPresent",
      args: ["apply", "--file", `${PLAN_DIR}/${file}`],
      env: [
        { name: "STALWART_URL", value: `http://${server.managementEndpoint}` },
        { name: "STALWART_USER", valueFrom: { secretKeyRef: { name: props.username.name, key: props.username.key } } },
        { name: "STALWART_PASSWORD", valueFrom: { secretKeyRef: { name: props.password.name, key: props.password.key } } },
        // The CLI caches the server's schema; keep it on the scratch volume.
        { name: "HOME", value: "/cache" },
        { name: "XDG_CACHE_HOME", value: "/cache" },
      ],
      resources: requestsEqualLimits(props.resources ?? { cpu: "100m", memory: "128Mi" }),
      securityContext: containerSecurityContext(),
      volumeMount: [
        { name: "plan", mountPath: PLAN_DIR, readOnly: true },
        { name: "cache", mountPath: "/cache" },
      ],
    });
    const volumes = [
      { name: "plan", configMap: { name: `${server.name}-plan` } },
      { name: "cache", emptyDir: { sizeLimit: "64Mi" } },
    ];
    /** A CLI pod: no Kubernetes API access, the plan ConfigMap and a scratch cache. */
    const cliPod = (containers: { initContainer?: ReturnType<typeof cli>[]; container: ReturnType<typeof cli>[] }) => ({
      restartPolicy: "Never",
      ...this.podSpecDefaults(),
      ...containers,
      volume: volumes,
    });

    this.job = new JobV1(this, "job", {
      metadata: { name: `${base}-${this.planHash}`, namespace: this.namespace, labels: { ...labels, "sovereign-mail.openova.io/plan-hash": this.planHash } },
      spec: {
        backoffLimit: props.backoffLimit ?? 3,
        activeDeadlineSeconds: props.deadlineSeconds ?? 600,
        template: {
          metadata: {
            labels: { ...labels },
            annotations: {
              "sovereign-mail.openova.io/plan-hash": this.planHash,
              // Terraform values in the plan (a regenerated password's hash) change the applied bytes but not the
              // plan's shape: their checksum replaces the Job so the new values are applied too.
              ...(terraformExpressionsOf(props.plan).length > 0
                ? { "sovereign-mail.openova.io/plan-values": Fn.nonsensitive(Fn.sha256(Fn.join("|", [...terraformExpressionsOf(props.plan)]))) }
                : {}),
            },
          },
          // The plan first, then the reloads as a second apply (the CLI runs reconcile deletions after everything
          // else in a plan, so a reload in the same plan would not see them).
          spec: cliPod({ initContainer: [cli("apply", PLAN_FILE)], container: [cli("reload", RELOAD_FILE)] }),
        },
      },
      waitForCompletion: true,
      timeouts: { create: "12m", update: "12m" },
      // The server must be rolled out (ready on 8080), and the plan and both ends of the flow in place, first.
      dependsOn: [server.statefulSet, this.planConfigMap, this.serviceAccount, ...resourcesIn(this.connections), ...resourcesIn(server.connections)],
    });

    // Listeners are bound only at process start (stalwart v0.16.18 crates/common/src/manager/boot.rs): after the
    // Job, the pod template carries the listener set, so a new set (and the first deploy, which boots with the
    // server's default listeners) restarts the server once it is in the database.
    this.listenerHash = createHash("sha256").update(JSON.stringify(props.plan.operations.filter((op) => op.object === "NetworkListener"))).digest("hex").slice(0, 10);
    this.restart = new Annotations(this, "restart", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: server.name, namespace: this.namespace },
      templateAnnotations: { [RESTART_ANNOTATION]: this.listenerHash },
      fieldManager: "sovereign-mail-restart",
      force: true,
      dependsOn: [this.job],
    });

    if (tls) {
      // cert-manager renews a month ahead; a daily reload serves the new certificate within a day.
      new CronJobV1(this, "reload-tls", {
        metadata: { name: `${server.name}-reload-tls`, namespace: this.namespace, labels: { ...labels } },
        spec: cronJobSpec({ schedule: "17 3 * * *", deadlineSeconds: 300, backoffLimit: 3, labels, podSpec: cliPod({ container: [cli("reload-tls", TLS_RELOAD_FILE)] }) }),
        dependsOn: [this.job],
      });
    }
  }
}
