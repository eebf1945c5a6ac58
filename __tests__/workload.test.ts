import { TerraformStack, Testing } from "cdktf";
import type { Construct } from "constructs";
import { containerSecurityContext, podSecurityContext } from "../constructs/k8s/pod-defaults";
import { WorkloadBase } from "../constructs/k8s/workload";
import { loadFleetFile } from "../fleet/load";
import type { PodSetRef } from "../fleet/model";
import { egressAllowed, type PodRef } from "./helpers/network-policy-eval";
import { synthFleet, type SynthesizedFleet } from "./helpers/synth";
import { resourcesOf, type Json, type TfJson } from "./helpers/terraform-json";
import { TEST_FLEETS } from "./helpers/test-fleets";
import { labelsMatch, podWorkloads, type PodWorkload } from "./helpers/workloads";

/**
 * What the workload base (constructs/k8s/workload.ts, pod-defaults.ts) guarantees, checked on the synthesized
 * output of every pod-running resource (StatefulSet, Deployment, Job, CronJob) of the example fleets: restricted
 * pods, a token-less ServiceAccount, the recommended labels, DNS egress to the cluster DNS and nothing else on 53.
 */

/**
 * Workloads that do not meet a fact, with exactly what they lack. A gap that closes fails its test (remove the
 * entry), so the list can only shrink; a new gap fails too.
 */
const KNOWN_GAPS: Record<string, { restricted?: string[]; ownServiceAccount?: string; apiToken?: string }> = {
  // Its one job is a kubectl call; its Role allows get and delete on the server's pod and nothing else (#18).
  "kubernetes_cron_job_v1 stalwart-backup-restart": { apiToken: "mounts its ServiceAccount token to delete pod stalwart-0 on the backup schedule" },
  // SnappyMail's entrypoint starts as root to chown its data directory, then drops to www-data.
  "kubernetes_deployment_v1 webmail": {
    restricted: [
      "pod: run_as_non_root is not true",
      "seed-domain: run_as_non_root is not true",
      "seed-domain: adds capabilities CHOWN, DAC_OVERRIDE, FOWNER",
      "seed-domain: root filesystem is writable",
      "webmail: run_as_non_root is not true",
      "webmail: adds capabilities CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID",
      "webmail: root filesystem is writable",
    ],
    ownServiceAccount: "runs as the namespace's default ServiceAccount (its token is not mounted)",
  },
};
const gapsOf = (w: PodWorkload) => KNOWN_GAPS[`${w.type} ${w.name}`] ?? {};

/** The Pod Security Standard "restricted" profile, plus the house rule of a read-only root filesystem. */
function restrictedProblems(spec: Json): string[] {
  const problems: string[] = [];
  const pod = spec.security_context ?? {};
  if (pod.seccomp_profile?.type !== "RuntimeDefault") problems.push("pod: seccomp profile is not RuntimeDefault");
  if (pod.run_as_non_root !== true) problems.push("pod: run_as_non_root is not true");
  if (pod.run_as_user === "0" || pod.run_as_user === 0) problems.push("pod: runs as uid 0");
  for (const key of ["host_network", "host_pid", "host_ipc"]) if (spec[key] === true) problems.push(`pod: ${key}`);
  for (const v of spec.volume ?? []) if (v.host_path) problems.push(`pod: hostPath volume ${v.name}`);
  for (const c of [...(spec.init_container ?? []), ...(spec.container ?? [])]) {
    const sc = c.security_context ?? {};
    if (sc.run_as_non_root !== true && pod.run_as_non_root !== true) problems.push(`${c.name}: run_as_non_root is not true`);
    if (sc.run_as_user === "0" || sc.run_as_user === 0) problems.push(`${c.name}: runs as uid 0`);
    if (sc.privileged === true) problems.push(`${c.name}: privileged`);
    if (sc.allow_privilege_escalation !== false) problems.push(`${c.name}: may escalate privileges`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${c.name}: does not drop ALL capabilities`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
    if (added.length > 0) problems.push(`${c.name}: adds capabilities ${added.join(", ")}`);
    if (sc.read_only_root_filesystem !== true) problems.push(`${c.name}: root filesystem is writable`);
  }
  return problems;
}

const SELECTOR_KEYS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"];

function labelProblems(labels: Record<string, string>, instance: string, where: string): string[] {
  const problems = SELECTOR_KEYS.filter((k) => !labels[k]).map((k) => `${where}: no ${k}`);
  if (labels["app.kubernetes.io/instance"] !== instance) problems.push(`${where}: instance is not the stack name ${instance}`);
  if (labels["app.kubernetes.io/part-of"] !== "sovereign-mail") problems.push(`${where}: not part-of sovereign-mail`);
  if (labels["app.kubernetes.io/managed-by"] !== "terraform") problems.push(`${where}: not managed-by terraform`);
  return problems;
}

const fleets: [string, SynthesizedFleet][] = Object.entries(TEST_FLEETS).map(([name, file]) => [name, synthFleet(loadFleetFile(file))]);

const cases = fleets.flatMap(([fleetName, synthesized]) =>
  synthesized.fleet.sovereigns.flatMap((sovereign) =>
    [sovereign.relay.stackName, ...sovereign.tenants.map((t) => t.stackName), ...(sovereign.kit ? [sovereign.kit.stackName] : [])].flatMap((stack) =>
      podWorkloads(synthesized.json[stack]).map((w) => ({
        // The apply Job's name ends in its plan's hash: keep test names stable across plan changes.
        id: `${fleetName} ${stack} ${w.type} ${w.name.replace(/-[0-9a-f]{10}$/, "-<plan-hash>")}`, stack, json: synthesized.json[stack], w, clusterDns: sovereign.platform.clusterDns })),
    ),
  ),
);

describe("the example fleets' workloads", () => {
  it("cover every stack and every kind of pod-running resource", () => {
    for (const [, synthesized] of fleets) {
      const stacks = synthesized.fleet.sovereigns.flatMap((s) => [s.relay.stackName, ...s.tenants.map((t) => t.stackName), ...(s.kit ? [s.kit.stackName] : [])]);
      expect(stacks.sort()).toEqual(Object.keys(synthesized.json).sort());
    }
    const kinds = new Set(cases.map((c) => c.w.type));
    for (const kind of ["kubernetes_stateful_set_v1", "kubernetes_deployment_v1", "kubernetes_job_v1", "kubernetes_cron_job_v1"]) expect(kinds).toContain(kind);
  });

  it("lists only gaps of workloads that exist", () => {
    const present = new Set(cases.map((c) => `${c.w.type} ${c.w.name}`));
    expect(Object.keys(KNOWN_GAPS).filter((k) => !present.has(k))).toEqual([]);
  });
});

describe.each(cases)("$id", ({ stack, json, w, clusterDns }: { stack: string; json: TfJson; w: PodWorkload; clusterDns: PodSetRef }) => {
  it("runs restricted: seccomp RuntimeDefault, non-root, no escalation, ALL capabilities dropped, read-only root", () => {
    expect(restrictedProblems(w.podSpec)).toEqual(gapsOf(w).restricted ?? []);
  });

  it("mounts no ServiceAccount token and runs as its own ServiceAccount, which has automount off", () => {
    expect(w.podSpec.automount_service_account_token).toBe(gapsOf(w).apiToken !== undefined);
    const name: string | undefined = w.podSpec.service_account_name;
    if (gapsOf(w).ownServiceAccount) {
      expect(name).toBeUndefined();
      return;
    }
    expect(name).toBeDefined();
    const accounts = resourcesOf(json, "kubernetes_service_account_v1").filter((r) => r.body.metadata.name === name && r.body.metadata.namespace === w.namespace);
    expect(accounts).toHaveLength(1);
    expect(accounts[0].body.automount_service_account_token).toBe(false);
  });

  it("carries the recommended labels on the object and its pods; selectors use only the stable ones", () => {
    expect([...labelProblems(w.objectLabels, stack, "object"), ...labelProblems(w.podLabels, stack, "pod template")]).toEqual([]);
    if (w.selector) {
      expect(Object.keys(w.selector).sort()).toEqual([...SELECTOR_KEYS].sort());
      expect(labelsMatch(w.selector, w.podLabels)).toBe(true);
    }
  });

  it("is isolated, and its namespace's policies let it resolve names through the cluster DNS only", () => {
    const pod: PodRef = { namespace: w.namespace, labels: w.podLabels };
    const dns = { pod: { namespace: clusterDns.namespace, labels: { ...clusterDns.podLabels } } };
    for (const protocol of ["UDP", "TCP"] as const) {
      expect(egressAllowed(json, pod, dns, { port: 53, protocol })).toBe(true);
      expect(egressAllowed(json, pod, { ip: "198.51.100.7" }, { port: 53, protocol })).toBe(false);
      expect(egressAllowed(json, pod, { pod: { namespace: "default", labels: {} } }, { port: 53, protocol })).toBe(false);
    }
  });
});

describe("WorkloadBase", () => {
  class Probe extends WorkloadBase {
    constructor(scope: Construct, id: string, dns: boolean) {
      super(scope, id, { name: "probe", namespace: "ns", identity: { app: "probe", instance: "i", component: "c" } });
      if (dns) this.allowClusterDns();
    }
  }

  it("fails synthesis of a workload that never registers its DNS egress", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(new Probe(stack, "without", false).node.validate()).toEqual(["workload ns/probe registers no DNS egress (call allowClusterDns)"]);
    expect(new Probe(stack, "with", true).node.validate()).toEqual([]);
  });

  it("is restricted by default; each opt-out leaves its field unset rather than false", () => {
    expect(podSecurityContext()).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(podSecurityContext({ runAsNonRoot: false, fsGroup: 82 })).toEqual({ fsGroup: "82", seccompProfile: { type: "RuntimeDefault" } });
    expect(containerSecurityContext()).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(containerSecurityContext({ runAsNonRoot: false, readOnlyRootFilesystem: false, add: ["CHOWN"] })).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["CHOWN"] } });
  });
});
