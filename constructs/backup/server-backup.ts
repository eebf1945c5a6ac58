import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import type { StatefulSetV1SpecTemplateSpecInitContainer, StatefulSetV1SpecTemplateSpecVolume } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Construct } from "constructs";
import type { BackupPolicy } from "../../fleet/model";
import { ExternalSecret } from "../external-secrets/external-secret";
import { OWNERSHIP_LABELS } from "../k8s/labels";
import { cronJobSpec } from "../k8s/cron-job-spec";
import { containerSecurityContext } from "../k8s/pod-defaults";
import { requestsEqualLimits } from "../k8s/resources";
import { WorkloadBase } from "../k8s/workload";
import { Peer } from "../network/peer";
import { Port } from "../network/port";
import { escapeTemplate } from "../terraform/escape";
import { BACKUP_SCRIPT, DATA, PRUNE_SCRIPT, RESTORE_DIR } from "./backup-script";

export const BACKUP_SECRET = "stalwart-backup";
export const RESTORE_CONFIGMAP = "stalwart-restore";
/** The OpenBao properties (and Secret keys) of the backup credentials. */
export const BACKUP_KEYS = ["RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
/** A backup is due when the last one is older than this: once per daily restart, not on every restart. */
const DUE_HOURS = 20;
/** The longest a backup may hold the server's start: the first full copy of a 20 GiB volume at 10 MB/s fits. */
const BACKUP_TIMEOUT = "45m";
/** The prune job fails when the newest backup is older than this (a missed night and a margin). */
const MAX_AGE_HOURS = 50;

export interface ServerBackupProps {
  /** The server's StatefulSet name; its pod is `<name>-0`. */
  readonly serverName: string;
  readonly namespace: string;
  /** The stack name: the server's own repository `<repository>/<instance>`, its restic host and tag. */
  readonly instance: string;
  /** The server's Stalwart image: a change makes a backup due and gates the new version's start on it. */
  readonly serverImage: string;
  readonly policy: BackupPolicy;
  /** How ExternalSecrets read OpenBao. */
  readonly externalSecrets: { readonly clusterSecretStore: string; readonly refreshInterval: string };
  /** The cluster DNS pods, for the jobs' egress. */
  readonly clusterDns: Peer;
}

/**
 * Cold, consistent backups of one mail server with restic (encrypted, to S3-compatible object storage), restores
 * on request, and the retention. The copy runs in the server's own pod before Stalwart starts
 * ({@link initContainer}); a CronJob restarts the pod on the schedule, and another applies the retention and fails
 * when the newest backup is missing or too old. The server registers the init container, its volume and its
 * egress to the object storage.
 */
export class ServerBackup extends Construct {
  /** The init container the server runs first; it mounts the data volume `data` and `tmp`. */
  readonly initContainer: StatefulSetV1SpecTemplateSpecInitContainer;
  /** The restore-request volume the init container reads. */
  readonly volume: StatefulSetV1SpecTemplateSpecVolume;
  readonly secret: ExternalSecret;
  /** Restore requests (`request`: `<snapshot> <requested-at>`); Terraform empties it at every apply. */
  readonly restoreRequests: ConfigMapV1;
  readonly restart: BackupRestart;
  readonly prune: BackupPrune;
  readonly repository: string;

  constructor(scope: Construct, id: string, props: ServerBackupProps) {
    super(scope, id);
    const labels = { ...OWNERSHIP_LABELS };
    this.repository = `${props.policy.repository}/${props.instance}`;
    this.secret = new ExternalSecret(this, "credentials", {
      name: BACKUP_SECRET,
      namespace: props.namespace,
      ...props.externalSecrets,
      data: BACKUP_KEYS.map((key) => ({ secretKey: key, key: props.policy.credentialsPath, property: key })),
      labels,
    });
    this.restoreRequests = new ConfigMapV1(this, "restore", { metadata: { name: RESTORE_CONFIGMAP, namespace: props.namespace, labels }, data: { request: "" } });
    const env = resticEnv(this.repository, props.instance);
    this.initContainer = {
      name: "backup",
      image: escapeTemplate(props.policy.image),
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/sh", "-c", escapeTemplate(BACKUP_SCRIPT)],
      env: [...env, { name: "DUE_SECONDS", value: String(DUE_HOURS * 3600) }, { name: "TIMEOUT", value: BACKUP_TIMEOUT }, { name: "IMAGE", value: escapeTemplate(props.serverImage) }],
      resources: requestsEqualLimits({ cpu: "500m", memory: "512Mi" }),
      securityContext: containerSecurityContext(),
      volumeMount: [
        { name: "data", mountPath: DATA },
        { name: "tmp", mountPath: "/tmp" },
        { name: "restore", mountPath: RESTORE_DIR, readOnly: true },
      ],
    };
    this.volume = { name: "restore", configMap: { name: RESTORE_CONFIGMAP } };
    this.restart = new BackupRestart(this, "restart", props);
    this.prune = new BackupPrune(this, "prune", { ...props, env });
  }
}

/** restic's repository, host and credentials (from the ExternalSecret's Secret). */
const resticEnv = (repository: string, host: string) => [
  { name: "REPOSITORY", value: escapeTemplate(repository) },
  { name: "HOST", value: host },
  ...BACKUP_KEYS.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: BACKUP_SECRET, key } } })),
];

/**
 * Restarts the server on the backup schedule by deleting its pod (the StatefulSet recreates it, the init container
 * backs up). Its token may delete exactly that pod and nothing else.
 */
export class BackupRestart extends WorkloadBase {
  readonly cronJob: CronJobV1;

  constructor(scope: Construct, id: string, props: ServerBackupProps) {
    const name = `${props.serverName}-backup-restart`;
    super(scope, id, { name, namespace: props.namespace, identity: { app: "stalwart", instance: props.instance, component: "backup-restart" }, image: props.policy.kubectlImage, clusterDns: props.clusterDns, kubernetesApi: true, podSecurity: { runAs: 65532 } });
    const pod = `${props.serverName}-0`;
    const role = new RoleV1(this, "role", {
      metadata: { name, namespace: props.namespace, labels: { ...this.labels } },
      rule: [{ apiGroups: [""], resources: ["pods"], resourceNames: [pod], verbs: ["get", "delete"] }],
    });
    new RoleBindingV1(this, "role-binding", {
      metadata: { name, namespace: props.namespace, labels: { ...this.labels } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ kind: "ServiceAccount", name, namespace: props.namespace }],
    });
    this.allowClusterDns();
    this.cronJob = new CronJobV1(this, "cronjob", {
      metadata: { name, namespace: props.namespace, labels: { ...this.versionedLabels } },
      spec: cronJobSpec({ schedule: escapeTemplate(props.policy.schedule), deadlineSeconds: 300, backoffLimit: 2, labels: this.versionedLabels, podSpec: {
        ...this.podSpecDefaults(),
        restartPolicy: "Never",
        container: [
          {
            name: "restart",
            image: escapeTemplate(props.policy.kubectlImage),
            imagePullPolicy: "IfNotPresent",
            // The image's entrypoint is kubectl; in-cluster it authenticates with the mounted token.
            args: ["--namespace", props.namespace, "delete", "pod", pod, "--wait=false"],
            resources: requestsEqualLimits({ cpu: "50m", memory: "64Mi" }),
            securityContext: containerSecurityContext(),
          },
        ],
      } }),
    });
  }
}

/** Applies the retention to the server's repository and fails when its newest backup is missing or too old. */
export class BackupPrune extends WorkloadBase {
  readonly cronJob: CronJobV1;

  constructor(scope: Construct, id: string, props: ServerBackupProps & { readonly env: ReturnType<typeof resticEnv> }) {
    const name = `${props.serverName}-backup-prune`;
    super(scope, id, { name, namespace: props.namespace, identity: { app: "stalwart", instance: props.instance, component: "backup-prune" }, image: props.policy.image, clusterDns: props.clusterDns, podSecurity: { runAs: 65532 } });
    this.allowClusterDns();
    // The object storage is outside the cluster.
    this.connections.allowTo(Peer.publicInternet(), [Port.tcp(443)], "object-storage");
    const r = props.policy.retention;
    this.cronJob = new CronJobV1(this, "cronjob", {
      metadata: { name, namespace: props.namespace, labels: { ...this.versionedLabels } },
      // Mid-day: well after the nightly backups, before anyone's evening.
      spec: cronJobSpec({ schedule: "43 11 * * *", deadlineSeconds: 3600, backoffLimit: 2, labels: this.versionedLabels, podSpec: {
        ...this.podSpecDefaults(),
        restartPolicy: "Never",
        volume: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
        container: [
          {
            name: "prune",
            image: escapeTemplate(props.policy.image),
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", "-c", escapeTemplate(PRUNE_SCRIPT)],
            env: [
              ...props.env,
              { name: "KEEP_DAILY", value: String(r.daily) },
              { name: "KEEP_WEEKLY", value: String(r.weekly) },
              { name: "KEEP_MONTHLY", value: String(r.monthly) },
              { name: "MAX_AGE_SECONDS", value: String(MAX_AGE_HOURS * 3600) },
            ],
            resources: requestsEqualLimits({ cpu: "250m", memory: "512Mi" }),
            securityContext: containerSecurityContext(),
            volumeMount: [{ name: "tmp", mountPath: "/tmp" }],
          },
        ],
      } }),
    });
  }
}
