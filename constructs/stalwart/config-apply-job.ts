import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { selectorLabels, stableLabels, type Labels } from "../kubernetes/labels";
import { requestsEqualLimits, type GuaranteedResources } from "../kubernetes/resources";
import type { SecretKeyRef } from "../kubernetes/secret-key-ref";
import { Connections } from "../network/connections";
import { Peer, type Workload } from "../network/peer";
import { Port } from "../network/port";
import { resourcesIn } from "../terraform/depends-on";
import { escapeTemplate } from "../terraform/escape";
import type { ConfigPlan } from "./config/plan";
import { MANAGEMENT_LISTENER } from "./listeners";
import type { StalwartServer } from "./stalwart-server";

const PLAN_DIR = "/plan";
const PLAN_FILE = "plan.ndjson";
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
}

/**
 * Applies a Stalwart configuration plan with `stalwart-cli apply` in a Job. The Job's name carries a hash of the
 * plan: a changed plan makes Terraform replace the Job (so it runs again), an unchanged plan leaves it alone.
 * Terraform waits for completion, so a failing apply fails this stack's apply with the Job's name, and only this
 * stack's. The pod has no Kubernetes API access and reaches nothing but the server's management port and DNS.
 */
export class ConfigApplyJob extends Construct implements Workload {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Labels;
  readonly connections: Connections;
  readonly job: JobV1;
  readonly planConfigMap: ConfigMapV1;
  /** First 10 hex digits of the plan's SHA-256. */
  readonly planHash: string;

  constructor(scope: Construct, id: string, props: ConfigApplyJobProps) {
    super(scope, id);
    const server = props.server;
    this.namespace = server.namespace;
    this.planHash = createHash("sha256").update(props.plan.render()).digest("hex").slice(0, 10);
    const planText = props.plan.renderForTerraform();
    const base = `${server.name}-apply`;
    this.name = base;
    const identity = { app: "stalwart-cli", instance: server.instance, component: "config-apply" };
    this.selector = selectorLabels(identity);
    const labels = stableLabels(identity);

    this.planConfigMap = new ConfigMapV1(this, "plan", {
      metadata: { name: `${server.name}-plan`, namespace: this.namespace, labels: { ...labels } },
      data: { [PLAN_FILE]: planText },
    });
    const serviceAccount = new ServiceAccountV1(this, "service-account", {
      metadata: { name: base, namespace: this.namespace, labels: { ...labels } },
      automountServiceAccountToken: false,
    });

    this.connections = new Connections(this, "connections", { workload: this, labels });
    this.connections.allowTo(Peer.workload(server), [Port.tcp(MANAGEMENT_LISTENER.port)], "management");
    this.connections.allowTo(props.clusterDns, Port.tcpAndUdp(53), "dns");

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
              ...(props.plan.terraformExpressions.length > 0
                ? { "sovereign-mail.openova.io/plan-values": Fn.nonsensitive(Fn.sha256(Fn.join("|", [...props.plan.terraformExpressions]))) }
                : {}),
            },
          },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: base,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(CLI_UID),
              runAsGroup: String(CLI_UID),
              seccompProfile: { type: "RuntimeDefault" },
            },
            container: [
              {
                name: "apply",
                image: escapeTemplate(props.image),
                imagePullPolicy: "IfNotPresent",
                args: ["apply", "--file", `${PLAN_DIR}/${PLAN_FILE}`],
                env: [
                  { name: "STALWART_URL", value: `http://${server.managementEndpoint}` },
                  { name: "STALWART_USER", valueFrom: { secretKeyRef: { name: props.username.name, key: props.username.key } } },
                  { name: "STALWART_PASSWORD", valueFrom: { secretKeyRef: { name: props.password.name, key: props.password.key } } },
                  // The CLI caches the server's schema; keep it on the scratch volume.
                  { name: "HOME", value: "/cache" },
                  { name: "XDG_CACHE_HOME", value: "/cache" },
                ],
                resources: requestsEqualLimits(props.resources ?? { cpu: "100m", memory: "128Mi" }),
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMount: [
                  { name: "plan", mountPath: PLAN_DIR, readOnly: true },
                  { name: "cache", mountPath: "/cache" },
                ],
              },
            ],
            volume: [
              { name: "plan", configMap: { name: `${server.name}-plan` } },
              { name: "cache", emptyDir: { sizeLimit: "64Mi" } },
            ],
          },
        },
      },
      waitForCompletion: true,
      timeouts: { create: "12m", update: "12m" },
      // The server must be rolled out (ready on 8080), and the plan and both ends of the flow in place, first.
      dependsOn: [server.statefulSet, this.planConfigMap, serviceAccount, ...resourcesIn(this.connections), ...resourcesIn(server.connections)],
    });
  }
}
