import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { containerSecurityContext } from "../k8s/pod-defaults";
import { requestsEqualLimits, type GuaranteedResources } from "../k8s/resources";
import { WorkloadBase } from "../k8s/workload";
import { Peer } from "../network/peer";
import { Port } from "../network/port";
import { escapeTemplate, escapeTemplateValues } from "../terraform/escape";
import { LISTENERS } from "../../stalwart/listeners";
import type { StalwartServer } from "../stalwart/stalwart-server";
import { SLOT } from "../../kit/slots";
import { requireSlots } from "../kit/required-slots";

export const WEBMAIL_PORT = 8888;
const DATA_DIR = "/var/lib/snappymail";
/** SnappyMail's www-data group; the data volume is group-owned by it. */
const WWW_DATA_GID = 82;

export interface SnappyMailProps {
  /** The tenant's mail server: IMAP 993 and submission through its in-cluster Service. */
  readonly server: StalwartServer;
  /** The mail domain users log in with. */
  readonly domain: string;
  /** Public host name served through the gateway. */
  readonly host: string;
  readonly image: string;
  /** Parent Gateway of the HTTPRoute. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** The cluster DNS pods, for egress. */
  readonly clusterDns: Peer;
  /** @default 100m / 128Mi, requests = limits */
  readonly resources?: GuaranteedResources;
}

/**
 * End-user webmail for a tenant (Stalwart v0.16 has none): a SnappyMail Deployment with its own component label
 * (mail Services never select it), a ClusterIP Service, the domain configuration pointing at the server's
 * in-cluster Service, an HTTPRoute to the cluster gateway without sectionName (pinned section names break
 * multi-zone gateways), and its flows: gateway → webmail (a CiliumNetworkPolicy on the `ingress` entity),
 * webmail → IMAPS and submission on the server, DNS.
 */
export class SnappyMail extends WorkloadBase {
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly route: Manifest;
  readonly routeBody: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: SnappyMailProps) {
    const server = props.server;
    if (!server.internalService) throw new Error("SnappyMail needs the server's internal Service (internalService: true)");
    const submission = server.listeners.find((l) => l.name === "submissions") ?? server.listeners.find((l) => l.name === "submission");
    if (!submission || !server.listeners.some((l) => l.name === "imaps")) throw new Error("SnappyMail needs the imaps and a submission listener");
    super(scope, id, {
      name: "webmail",
      namespace: server.namespace,
      identity: { app: "snappymail", instance: server.instance, component: "webmail" },
      image: props.image,
      // The image's entrypoint starts as root to chown its data directory, then drops to www-data: not "restricted".
      podSecurity: { runAsNonRoot: false, fsGroup: WWW_DATA_GID },
      // None of its own: the pods run as the namespace's default ServiceAccount, without a mounted token.
      serviceAccount: false,
      clusterDns: props.clusterDns,
    });
    const labels = this.labels;

    // SnappyMail's per-domain settings: IMAP over implicit TLS, SMTP submission with auth.
    const domainJson = `${JSON.stringify(
      {
        IMAP: { host: server.internalHost, port: LISTENERS.imaps.port, type: 1, timeout: 300, shortLogin: false, sasl: ["PLAIN", "LOGIN"], ssl: { verify_peer: true, verify_peer_name: false, allow_self_signed: false, SNI: true } },
        SMTP: { host: server.internalHost, port: submission.port, type: submission.tls === "implicit" ? 1 : 2, timeout: 60, shortLogin: false, useAuth: true, setSender: false, usePhpMail: false, sasl: ["PLAIN", "LOGIN"], ssl: { verify_peer: true, verify_peer_name: false, allow_self_signed: false, SNI: true } },
        Sieve: { enabled: false },
        whiteList: "",
      },
      null,
      2,
    )}\n`;
    const configMap = new ConfigMapV1(this, "domain", {
      metadata: { name: "webmail-domain", namespace: this.namespace, labels: { ...labels } },
      data: escapeTemplateValues({ [`${props.domain}.json`]: domainJson }),
    });

    this.deployment = new DeploymentV1(this, "deployment", {
      metadata: { name: this.name, namespace: this.namespace, labels: { ...this.versionedLabels } },
      spec: {
        replicas: "1",
        selector: { matchLabels: { ...this.selector } },
        strategy: { type: "Recreate" },
        template: {
          metadata: {
            labels: { ...this.versionedLabels },
            annotations: { "checksum/domain": createHash("sha256").update(domainJson).digest("hex") },
          },
          spec: {
            ...this.podSpecDefaults(),
            initContainer: [
              {
                name: "seed-domain",
                image: escapeTemplate(props.image),
                command: ["sh", "-c", `mkdir -p ${DATA_DIR}/_data_/_default_/domains && cp /seed/*.json ${DATA_DIR}/_data_/_default_/domains/`],
                resources: requestsEqualLimits({ cpu: "50m", memory: "32Mi" }),
                securityContext: containerSecurityContext({ runAsNonRoot: false, readOnlyRootFilesystem: false, add: ["CHOWN", "DAC_OVERRIDE", "FOWNER"] }),
                volumeMount: [
                  { name: "data", mountPath: DATA_DIR },
                  { name: "seed", mountPath: "/seed", readOnly: true },
                ],
              },
            ],
            container: [
              {
                name: "webmail",
                image: escapeTemplate(props.image),
                imagePullPolicy: "IfNotPresent",
                port: [{ name: "http", containerPort: WEBMAIL_PORT, protocol: "TCP" }],
                resources: requestsEqualLimits(props.resources ?? { cpu: "100m", memory: "128Mi" }),
                securityContext: containerSecurityContext({ runAsNonRoot: false, readOnlyRootFilesystem: false, add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] }),
                livenessProbe: { tcpSocket: [{ port: "http" }], initialDelaySeconds: 20, periodSeconds: 30, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5 },
                volumeMount: [{ name: "data", mountPath: DATA_DIR }],
              },
            ],
            volume: [
              { name: "data", emptyDir: { sizeLimit: "1Gi" } },
              { name: "seed", configMap: { name: "webmail-domain" } },
            ],
          },
        },
      },
      dependsOn: [configMap],
    });

    this.service = new ServiceV1(this, "service", {
      metadata: { name: this.name, namespace: this.namespace, labels: { ...labels } },
      spec: { type: "ClusterIP", selector: { ...this.selector }, port: [{ name: "http", port: WEBMAIL_PORT, targetPort: "http", protocol: "TCP" }] },
    });

    this.routeBody = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: this.name, namespace: this.namespace, labels: { ...labels } },
      spec: {
        // No sectionName: multi-zone gateways name their listeners https-<zone>.
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: props.gateway.name, namespace: props.gateway.namespace }],
        hostnames: [props.host],
        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: this.name, port: WEBMAIL_PORT }] }],
      },
    };
    this.route = new Manifest(this, "route", { manifest: this.routeBody });
    requireSlots(this, SLOT.gatewayApi);

    this.connections.allowFrom(Peer.ciliumEntity("ingress"), [Port.tcp(WEBMAIL_PORT)], "gateway");
    this.connections.allowTo(Peer.workload(server), [Port.tcp(LISTENERS.imaps.port), Port.tcp(submission.port)], "mail");
    this.allowClusterDns();
  }
}
