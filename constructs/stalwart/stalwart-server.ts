import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import type { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1, type StatefulSetV1SpecTemplateSpecInitContainer, type StatefulSetV1SpecTemplateSpecVolume } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import type { Labels } from "../k8s/labels";
import { containerSecurityContext } from "../k8s/pod-defaults";
import { requestsEqualLimits, type GuaranteedResources } from "../k8s/resources";
import { externalSecretsAnnotation, type SecretKeyRef } from "../k8s/secret-key-ref";
import { WorkloadBase } from "../k8s/workload";
import { Peer } from "../network/peer";
import { Port } from "../network/port";
import { escapeTemplate, escapeTemplateValues } from "../terraform/escape";
import { CONFIG_FILE, DATA_DIR, renderConfigJson } from "../../stalwart/data-store";
import { ALL_LISTENER_NAMES, MANAGEMENT_LISTENER, resolveListeners, type Listener, type ListenerName } from "../../stalwart/listeners";
import { DATA_VOLUME, DEFAULT_SERVER_NAME, managementEndpointOf, managementServiceName } from "../../stalwart/server-objects";

/**
 * The init container that holds the server back until every credential Secret carries the expected version.
 * It runs the server image's shell (Debian slim) with the same restricted security context.
 */
function credentialsGate(image: string, versions: NonNullable<StalwartServerProps["credentialVersions"]>) {
  const checks = versions.map((v, i) => `[ "$CURRENT_${i}" = "$EXPECTED_${i}" ] || { echo "${v.name}: Secret ${v.ref.name} not yet refreshed by External Secrets"; failed=1; }`);
  return {
    name: "credentials-current",
    image: escapeTemplate(image),
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/sh", "-c", `failed=0; ${checks.join("; ")}; exit $failed`],
    env: versions.flatMap((v, i) => [
      { name: `CURRENT_${i}`, valueFrom: { secretKeyRef: { name: v.ref.name, key: v.ref.key } } },
      { name: `EXPECTED_${i}`, value: v.expected },
    ]),
    resources: requestsEqualLimits({ cpu: "50m", memory: "32Mi" }),
    securityContext: containerSecurityContext(),
  };
}

/** The image runs as this uid/gid; the data volume is group-owned by it. */
export const STALWART_UID = 2000;
export const RECOVERY_ADMIN_ENV = "STALWART_RECOVERY_ADMIN";
export const CONFIG_CHECKSUM_ANNOTATION = "checksum/config";
/** Where a kubernetes.io/tls Secret is mounted for the plan's Certificate object. */
export const TLS_DIR = "/etc/stalwart/tls";

export interface MailLoadBalancerProps {
  /** Cloud-controller annotations (e.g. Hetzner location). @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `spec.loadBalancerClass`. @default unset (the cluster's default controller) */
  readonly loadBalancerClass?: string;
  /** @default "PreferDualStack" */
  readonly ipFamilyPolicy?: "SingleStack" | "PreferDualStack" | "RequireDualStack";
  /** Wait for the LoadBalancer to get an address during apply (DNS and PTR need it). @default true */
  readonly waitForAddress?: boolean;
}

export interface StalwartServerProps {
  /** Namespace to run in; it must exist (or be created in the same stack). */
  readonly namespace: string;
  /** Unique across the fleet, used as `app.kubernetes.io/instance` (the stack name). */
  readonly instance: string;
  /** Base name of every object of this server. @default "stalwart" */
  readonly name?: string;
  /** Image reference with tag, optionally `@sha256:` digest. */
  readonly image: string;
  /** CPU and memory, requests = limits. */
  readonly resources: GuaranteedResources;
  /** Size of the `data` volume. @default "20Gi" */
  readonly storageSize?: string;
  /** @default unset (the cluster's default StorageClass) */
  readonly storageClassName?: string;
  /** Listeners to run; the management listener (8080) is always added. @default every listener */
  readonly listeners?: readonly ListenerName[];
  /** The `user:password` value for `STALWART_RECOVERY_ADMIN`. */
  readonly recoveryAdmin: SecretKeyRef;
  /** Further environment variables read from Secrets (e.g. the metrics password the plan references). @default [] */
  readonly secretEnv?: readonly { readonly name: string; readonly ref: SecretKeyRef }[];
  /**
   * Secrets whose `version` key must equal the given value before the server starts: an init container fails
   * (and the kubelet retries it, re-reading the Secrets) until External Secrets has refreshed them, so a rotated
   * credential is never started with its old value. A changed expected value also rolls the pod. @default []
   */
  readonly credentialVersions?: readonly { readonly name: string; readonly ref: SecretKeyRef; readonly expected: string }[];
  /** @default a dual-stack LoadBalancer with no annotations that waits for its address */
  readonly loadBalancer?: MailLoadBalancerProps;
  /** In-cluster clients of the management listener (metrics scrapers, operators). @default [] */
  readonly managementClients?: readonly { readonly purpose: string; readonly peer: Peer }[];
  /** The cluster DNS pods, for egress. @default `k8s-app=kube-dns` pods in `kube-system` */
  readonly clusterDns?: Peer;
  /**
   * Secrets mounted read-only as files (TLS certificates, DKIM keys). Not optional: the pod waits in
   * ContainerCreating until each Secret exists, rather than serving a self-signed certificate. @default []
   */
  readonly secretMounts?: readonly { readonly volume: string; readonly secretName: string; readonly mountPath: string }[];
  /** Also a ClusterIP Service `<name>-internal` with the public listeners, for in-cluster clients. @default false */
  readonly internalService?: boolean;
  /**
   * Runs first in every pod, before Stalwart opens its store (a cold backup or a restore): an init container that
   * may mount `data` and `tmp`, the further volumes it needs, and its egress. @default none
   */
  readonly beforeStart?: {
    readonly initContainer: StatefulSetV1SpecTemplateSpecInitContainer;
    readonly volumes: readonly StatefulSetV1SpecTemplateSpecVolume[];
    readonly egress: { readonly purpose: string; readonly peer: Peer; readonly ports: readonly Port[] };
  };
}

/** Pod-template annotation the apply Job patches after it ran: the listener set the pods must bind (a restart). */
export const RESTART_ANNOTATION = "sovereign-mail.openova.io/listeners";

/**
 * One Stalwart v0.16 mail server: a single-replica StatefulSet (RocksDB is single-writer) with its config.json,
 * one public LoadBalancer Service for all mail ports (one IP for MX, EHLO and PTR), a ClusterIP Service for the
 * management listener, a headless Service, a ServiceAccount without token, and NetworkPolicies generated from
 * the flows it registers through {@link connections}.
 */
export class StalwartServer extends WorkloadBase {
  /** `app.kubernetes.io/instance` of the server's pods. */
  readonly instance: string;
  readonly listeners: readonly Listener[];
  readonly configJson: string;
  readonly statefulSet: StatefulSetV1;
  readonly mailService: ServiceV1;
  readonly managementService: ServiceV1;
  readonly headlessService: ServiceV1;
  readonly internalService?: ServiceV1;
  // Always created: the server does not opt out of its own ServiceAccount.
  declare readonly serviceAccount: ServiceAccountV1;
  readonly configMap: ConfigMapV1;

  constructor(scope: Construct, id: string, props: StalwartServerProps) {
    super(scope, id, {
      name: props.name ?? DEFAULT_SERVER_NAME,
      namespace: props.namespace,
      identity: { app: "stalwart", instance: props.instance, component: "mail-server" },
      image: props.image,
      podSecurity: { runAs: STALWART_UID, fsGroup: STALWART_UID },
      clusterDns: props.clusterDns,
    });
    this.instance = props.instance;
    const labels = this.labels;
    const withVersion = this.versionedLabels;
    this.listeners = resolveListeners(props.listeners ?? ALL_LISTENER_NAMES);
    const publicListeners = this.listeners.filter((l) => l.exposure === "public");
    const meta = (name: string, extra: Labels = labels) => ({ name, namespace: this.namespace, labels: { ...extra } });

    this.configJson = renderConfigJson();
    this.configMap = new ConfigMapV1(this, "config", {
      metadata: meta(`${this.name}-config`),
      data: escapeTemplateValues({ "config.json": this.configJson }),
    });

    this.headlessService = new ServiceV1(this, "headless", {
      metadata: meta(`${this.name}-headless`),
      spec: {
        clusterIp: "None",
        publishNotReadyAddresses: true,
        selector: { ...this.selector },
        port: [{ name: MANAGEMENT_LISTENER.name, port: MANAGEMENT_LISTENER.port, targetPort: MANAGEMENT_LISTENER.name, protocol: "TCP" }],
      },
    });

    const lb = props.loadBalancer ?? {};
    this.mailService = new ServiceV1(this, "mail", {
      metadata: { ...meta(`${this.name}-mail`), annotations: escapeTemplateValues(lb.annotations ?? {}) },
      spec: {
        type: "LoadBalancer",
        allocateLoadBalancerNodePorts: false,
        externalTrafficPolicy: "Local",
        ipFamilyPolicy: lb.ipFamilyPolicy ?? "PreferDualStack",
        loadBalancerClass: lb.loadBalancerClass && escapeTemplate(lb.loadBalancerClass),
        selector: { ...this.selector },
        port: publicListeners.map((l) => ({ name: l.name, port: l.port, targetPort: l.name, protocol: "TCP" })),
      },
      waitForLoadBalancer: lb.waitForAddress ?? true,
      timeouts: { create: "10m" },
    });

    if (props.internalService) {
      this.internalService = new ServiceV1(this, "internal", {
        metadata: meta(`${this.name}-internal`),
        spec: {
          type: "ClusterIP",
          selector: { ...this.selector },
          port: publicListeners.map((l) => ({ name: l.name, port: l.port, targetPort: l.name, protocol: "TCP" })),
        },
      });
    }

    this.managementService = new ServiceV1(this, "management", {
      metadata: meta(managementServiceName(this.name)),
      spec: {
        type: "ClusterIP",
        selector: { ...this.selector },
        port: [{ name: MANAGEMENT_LISTENER.name, port: MANAGEMENT_LISTENER.port, targetPort: MANAGEMENT_LISTENER.name, protocol: "TCP" }],
      },
    });

    const secretEnv = [{ name: RECOVERY_ADMIN_ENV, ref: props.recoveryAdmin }, ...(props.secretEnv ?? [])];
    const versions = props.credentialVersions ?? [];
    const secretRefs = [...secretEnv.map((e) => e.ref), ...versions.map((v) => v.ref)];
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path, port: MANAGEMENT_LISTENER.name },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold,
    });

    const initContainers = [...(props.beforeStart ? [props.beforeStart.initContainer] : []), ...(versions.length === 0 ? [] : [credentialsGate(props.image, versions)])];
    this.statefulSet = new StatefulSetV1(this, "statefulset", {
      // The apply Job's restart annotation is patched onto the pod template after the Job; it is not this
      // resource's to remove (see ConfigApplyJob).
      lifecycle: { ignoreChanges: [`spec[0].template[0].metadata[0].annotations["${RESTART_ANNOTATION}"]`] },
      metadata: meta(this.name, withVersion),
      spec: {
        // RocksDB allows one writer: never scale this StatefulSet.
        replicas: "1",
        serviceName: `${this.name}-headless`,
        selector: { matchLabels: { ...this.selector } },
        // The mailboxes outlive the StatefulSet: deleting, replacing or scaling it never deletes its claims (explicit:
        // the attribute is Optional+Computed, hashicorp/kubernetes v2.38.0 kubernetes/schema_stateful_set_spec.go).
        persistentVolumeClaimRetentionPolicy: [{ whenDeleted: "Retain", whenScaled: "Retain" }],
        updateStrategy: [{ type: "RollingUpdate" }],
        template: {
          metadata: {
            labels: { ...withVersion },
            annotations: {
              [CONFIG_CHECKSUM_ANNOTATION]: createHash("sha256").update(this.configJson).digest("hex"),
              ...externalSecretsAnnotation(secretRefs),
            },
          },
          spec: {
            ...this.podSpecDefaults(),
            // Lets in-flight SMTP sessions and queue writes finish on a rollout.
            terminationGracePeriodSeconds: 60,
            initContainer: initContainers.length === 0 ? undefined : initContainers,
            container: [
              {
                name: "stalwart",
                image: escapeTemplate(props.image),
                imagePullPolicy: "IfNotPresent",
                // Always name the config explicitly: without it an image default change could start bootstrap mode.
                args: ["--config", CONFIG_FILE],
                port: this.listeners.map((l) => ({ name: l.name, containerPort: l.port, protocol: "TCP" })),
                env: secretEnv.map((e) => ({ name: e.name, valueFrom: { secretKeyRef: { name: e.ref.name, key: e.ref.key, ...(e.ref.optional ? { optional: true } : {}) } } })),
                resources: requestsEqualLimits(props.resources),
                // The binary carries the cap_net_bind_service file capability: without it in the bounding set exec fails.
                securityContext: containerSecurityContext({ add: ["NET_BIND_SERVICE"] }),
                startupProbe: probe("/healthz/live", 10, 30),
                livenessProbe: probe("/healthz/live", 10, 6),
                readinessProbe: probe("/healthz/ready", 10, 3),
                volumeMount: [
                  { name: "config", mountPath: CONFIG_FILE, subPath: "config.json", readOnly: true },
                  { name: DATA_VOLUME, mountPath: DATA_DIR },
                  { name: "tmp", mountPath: "/tmp" },
                  ...(props.secretMounts ?? []).map((m) => ({ name: m.volume, mountPath: m.mountPath, readOnly: true })),
                ],
              },
            ],
            volume: [
              { name: "config", configMap: { name: `${this.name}-config`, items: [{ key: "config.json", path: "config.json" }] } },
              { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
              ...(props.secretMounts ?? []).map((m) => ({ name: m.volume, secret: { secretName: m.secretName, optional: false } })),
              ...(props.beforeStart?.volumes ?? []),
            ],
          },
        },
        volumeClaimTemplate: [
          {
            // Only stable labels: a changed label here makes every later apply fail ("updates to statefulset spec are forbidden").
            metadata: { name: DATA_VOLUME, labels: { ...labels } },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: props.storageClassName,
              resources: { requests: { storage: props.storageSize ?? "20Gi" } },
            },
          },
        ],
      },
      // Names above are literals (readable plan diffs); the ordering they imply is explicit here.
      dependsOn: [this.configMap, this.serviceAccount, this.headlessService],
      waitForRollout: true,
      timeouts: { create: "15m", update: "15m", delete: "10m" },
    });

    this.connections.allowFrom(Peer.anyAddress(), publicListeners.map((l) => Port.tcp(l.port)), "mail-clients");
    for (const client of props.managementClients ?? []) {
      this.connections.allowFrom(client.peer, [Port.tcp(MANAGEMENT_LISTENER.port)], client.purpose);
    }
    this.allowClusterDns();
    this.connections.allowTo(Peer.publicInternet(), [25, 465, 587].map(Port.tcp), "outbound-smtp");
    if (props.beforeStart) this.connections.allowTo(props.beforeStart.egress.peer, props.beforeStart.egress.ports, props.beforeStart.egress.purpose);
  }

  /** In-cluster host name of the public listeners (with `internalService`). */
  get internalHost(): string {
    return `${this.name}-internal.${this.namespace}.svc`;
  }

  /** In-cluster address of the management listener, e.g. `stalwart-management.org-acme.svc:8080`. */
  get managementEndpoint(): string {
    return managementEndpointOf(this.name, this.namespace);
  }
}
