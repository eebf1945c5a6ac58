import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";
import { renderConfigJson } from "../stalwart/data-store";
import { resolveListeners } from "../stalwart/listeners";
import { StalwartServer, type StalwartServerProps } from "../constructs/stalwart/stalwart-server";

const baseProps: StalwartServerProps = {
  namespace: "org-acme",
  instance: "fsn1-tenant-acme",
  image: "stalwartlabs/stalwart:v0.16.18",
  resources: { cpu: "500m", memory: "1Gi" },
  recoveryAdmin: { name: "admin", key: "STALWART_RECOVERY_ADMIN", external: true },
};
const synth = (props: Partial<StalwartServerProps> = {}) =>
  Testing.synthScope((scope) => {
    new StalwartServer(scope, "stalwart", { ...baseProps, ...props });
  });

describe("StalwartServer", () => {
  const out = synth();

  it("runs exactly one replica with a stable `data` volume at /var/lib/stalwart", () => {
    expect(out).toHaveResourceWithProperties(StatefulSetV1, {
      spec: expect.objectContaining({
        replicas: "1",
        service_name: "stalwart-headless",
        volume_claim_template: [
          expect.objectContaining({
            metadata: { name: "data", labels: expect.not.objectContaining({ "app.kubernetes.io/version": expect.anything() }) },
            spec: expect.objectContaining({ access_modes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } }),
          }),
        ],
      }),
    });
    const sts = JSON.parse(out).resource.kubernetes_stateful_set_v1;
    const [container] = (Object.values(sts)[0] as { spec: { template: { spec: { container: { volume_mount: unknown[] }[] } } } }).spec.template.spec.container;
    expect(container.volume_mount).toEqual(
      expect.arrayContaining([
        { name: "data", mount_path: "/var/lib/stalwart" },
        { name: "config", mount_path: "/etc/stalwart/config.json", sub_path: "config.json", read_only: true },
      ]),
    );
  });

  it("writes config.json with the single RocksDB DataStore and rolls the pod when it changes", () => {
    expect(JSON.parse(renderConfigJson())).toEqual({ "@type": "RocksDb", path: "/var/lib/stalwart/" });
    expect(out).toHaveResourceWithProperties(ConfigMapV1, { data: { "config.json": renderConfigJson() } });
    expect(out).toHaveResourceWithProperties(StatefulSetV1, {
      spec: expect.objectContaining({
        template: expect.objectContaining({
          metadata: expect.objectContaining({ annotations: expect.objectContaining({ "checksum/config": expect.stringMatching(/^[0-9a-f]{64}$/) }) }),
        }),
      }),
    });
  });

  it("applies the restricted security context with NET_BIND_SERVICE only", () => {
    const pod = JSON.parse(out).resource.kubernetes_stateful_set_v1;
    const spec = (Object.values(pod)[0] as { spec: { template: { spec: Record<string, never> } } }).spec.template.spec as Record<string, any>;
    expect(spec.security_context).toEqual({
      run_as_non_root: true,
      run_as_user: "2000",
      run_as_group: "2000",
      fs_group: "2000",
      seccomp_profile: { type: "RuntimeDefault" },
    });
    expect(spec.container[0].security_context).toEqual({
      run_as_non_root: true,
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
    });
    expect(spec.container[0].resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } });
    expect(spec.container[0].args).toEqual(["--config", "/etc/stalwart/config.json"]);
    expect(spec.container[0].env).toEqual([{ name: "STALWART_RECOVERY_ADMIN", value_from: { secret_key_ref: { name: "admin", key: "STALWART_RECOVERY_ADMIN" } } }]);
    expect(spec.container[0].liveness_probe.http_get).toEqual({ path: "/healthz/live", port: "http" });
    expect(spec.container[0].readiness_probe.http_get).toEqual({ path: "/healthz/ready", port: "http" });
    expect(spec.automount_service_account_token).toBe(false);
  });

  it("creates a ServiceAccount without token automount", () => {
    expect(out).toHaveResourceWithProperties(ServiceAccountV1, { automount_service_account_token: false });
  });

  it("declares container ports, Service ports and listeners from one list", () => {
    const limited = JSON.parse(synth({ listeners: ["smtp", "submissions"] })).resource;
    const sts = Object.values(limited.kubernetes_stateful_set_v1)[0] as any;
    expect(sts.spec.template.spec.container[0].port.map((p: any) => p.container_port)).toEqual([25, 465, 8080]);
    const lb = Object.values(limited.kubernetes_service_v1).find((s: any) => s.spec.type === "LoadBalancer") as any;
    expect(lb.spec.port.map((p: any) => [p.name, p.port])).toEqual([
      ["smtp", 25],
      ["submissions", 465],
    ]);
    expect(resolveListeners(["smtp"]).map((l) => l.name)).toEqual(["smtp", "http"]);
  });

  it("uses one dual-stack LoadBalancer without node ports and keeps client source addresses", () => {
    expect(out).toHaveResourceWithProperties(ServiceV1, {
      spec: expect.objectContaining({
        type: "LoadBalancer",
        allocate_load_balancer_node_ports: false,
        external_traffic_policy: "Local",
        ip_family_policy: "PreferDualStack",
      }),
      wait_for_load_balancer: true,
    });
    expect(out).toHaveResourceWithProperties(ServiceV1, {
      metadata: expect.objectContaining({ name: "stalwart-management" }),
      spec: expect.objectContaining({ type: "ClusterIP", port: [{ name: "http", port: 8080, target_port: "http", protocol: "TCP" }] }),
    });
    expect(out).toHaveResourceWithProperties(ServiceV1, {
      metadata: expect.objectContaining({ name: "stalwart-headless" }),
      spec: expect.objectContaining({ cluster_ip: "None" }),
    });
  });

  it("passes storage class, size and LoadBalancer options through", () => {
    const custom = synth({ storageClassName: "hcloud-volumes", storageSize: "50Gi", loadBalancer: { loadBalancerClass: "hcloud", ipFamilyPolicy: "SingleStack", waitForAddress: false } });
    expect(custom).toHaveResourceWithProperties(StatefulSetV1, {
      spec: expect.objectContaining({
        volume_claim_template: [expect.objectContaining({ spec: expect.objectContaining({ storage_class_name: "hcloud-volumes", resources: { requests: { storage: "50Gi" } } }) })],
      }),
    });
    expect(custom).toHaveResourceWithProperties(ServiceV1, {
      spec: expect.objectContaining({ load_balancer_class: "hcloud", ip_family_policy: "SingleStack" }),
      wait_for_load_balancer: false,
    });
  });
});

describe("StalwartServer data", () => {
  it("keeps its claims (the mailboxes) when the StatefulSet is deleted, replaced or scaled down", () => {
    const sts = Object.values(JSON.parse(synth()).resource.kubernetes_stateful_set_v1)[0] as { spec: Record<string, unknown> };
    expect([sts.spec.persistent_volume_claim_retention_policy].flat()).toEqual([{ when_deleted: "Retain", when_scaled: "Retain" }]);
  });
});
