/**
 * Backups of every mail server: a cold, consistent copy in the server's own pod before Stalwart starts, restores
 * on request, the retention job, the restart job's narrow token, and a restore command whose plan names only
 * objects that exist, for every stack of every test fleet that has backups.
 */
import { spawnSync } from "node:child_process";
import { BACKUP_SCRIPT, PRUNE_SCRIPT } from "../constructs/backup/backup-script";
import { BACKUP_KEYS, BACKUP_SECRET, RESTORE_CONFIGMAP } from "../constructs/backup/server-backup";
import { restoreCommands, restorePlan } from "../constructs/backup/restore-plan";
import { runMailRestore } from "../bin/mail-restore";
import { loadFleetFile } from "../fleet/load";
import { synthFleet, synthFleetYaml, oneSovereignYaml } from "./helpers/synth";
import { TEST_FLEETS } from "./helpers/test-fleets";
import { resourcesOf, type Json, type TfJson } from "./helpers/terraform-json";

const fleets = Object.entries(TEST_FLEETS).map(([name, file]) => ({ name, ...synthFleet(loadFleetFile(file)) }));
const servers = fleets.flatMap((f) =>
  [...f.stacks.relays, ...f.stacks.tenants].map((stack) => ({ id: `${f.name}/${stack.stackName}`, stack, json: f.json[stack.stackName] as TfJson })),
);
const withBackup = servers.filter((s) => s.stack.platform.backup);
const named = (json: TfJson, type: string, namespace: string, name: string) =>
  resourcesOf(json, type).filter((r) => r.body.metadata?.name === name && r.body.metadata?.namespace === namespace);
const manifests = (json: TfJson, kind: string, namespace: string, name: string) =>
  resourcesOf(json, "kubernetes_manifest").filter((r) => r.body.manifest.kind === kind && r.body.manifest.metadata.name === name && r.body.manifest.metadata.namespace === namespace);

describe("backups", () => {
  it("cover every server of the Sovereigns that set a repository (and the test fleets have some)", () => {
    expect(withBackup.length).toBeGreaterThanOrEqual(8);
    for (const s of servers) expect(s.stack.mail.backup !== undefined).toBe(s.stack.platform.backup !== undefined);
  });

  describe.each(withBackup.map((s) => [s.id, s] as const))("%s", (_id, { stack, json }) => {
    const ns = stack.mail.namespace;
    const sts = named(json, "kubernetes_stateful_set_v1", ns, "stalwart")[0].body;
    const pod: Json = sts.spec.template.spec;

    it("copies the store before Stalwart starts: the first init container, on the data volume", () => {
      const init = pod.init_container[0];
      expect(init.name).toBe("backup");
      expect(init.volume_mount).toEqual(expect.arrayContaining([{ name: "data", mount_path: "/var/lib/stalwart" }, { name: "restore", mount_path: "/restore", read_only: true }]));
      // The one writer of the store is not running yet: the container is an init container of the same pod.
      expect(pod.container.map((c: Json) => c.name)).toEqual(["stalwart"]);
      const env = Object.fromEntries(init.env.map((e: Json) => [e.name, e.value ?? e.value_from.secret_key_ref]));
      expect(env.REPOSITORY).toBe(`${stack.platform.backup!.repository}/${stack.stackName}`);
      for (const key of BACKUP_KEYS) expect(env[key]).toEqual({ name: BACKUP_SECRET, key });
    });

    it("reads its credentials from the OpenBao path through an ExternalSecret, never from Terraform", () => {
      const es = manifests(json, "ExternalSecret", ns, BACKUP_SECRET);
      expect(es).toHaveLength(1);
      expect(es[0].body.manifest.spec.data.map((d: Json) => [d.secretKey, d.remoteRef.key, d.remoteRef.property])).toEqual(
        BACKUP_KEYS.map((k) => [k, stack.platform.backup!.credentialsPath, k]),
      );
      expect(named(json, "kubernetes_secret_v1", ns, BACKUP_SECRET)).toEqual([]);
    });

    it("restarts on the schedule with a token that may delete exactly the server's pod", () => {
      const cron = named(json, "kubernetes_cron_job_v1", ns, "stalwart-backup-restart")[0].body;
      expect(cron.spec.schedule).toBe(stack.platform.backup!.schedule);
      const job: Json = cron.spec.job_template.spec.template.spec;
      expect(job.container[0].args).toEqual(["--namespace", ns, "delete", "pod", "stalwart-0", "--wait=false"]);
      expect(job.automount_service_account_token).toBe(true);
      const role = named(json, "kubernetes_role_v1", ns, "stalwart-backup-restart")[0].body;
      expect(role.rule).toEqual([{ api_groups: [""], resources: ["pods"], resource_names: ["stalwart-0"], verbs: ["get", "delete"] }]);
      const binding = named(json, "kubernetes_role_binding_v1", ns, "stalwart-backup-restart")[0].body;
      expect(binding.subject).toEqual([{ kind: "ServiceAccount", name: job.service_account_name, namespace: ns }]);
    });

    it("applies the fleet's retention daily and fails when the newest backup is missing or old", () => {
      const cron = named(json, "kubernetes_cron_job_v1", ns, "stalwart-backup-prune")[0].body;
      const env = Object.fromEntries(cron.spec.job_template.spec.template.spec.container[0].env.filter((e: Json) => e.value).map((e: Json) => [e.name, e.value]));
      const r = stack.platform.backup!.retention;
      expect([env.KEEP_DAILY, env.KEEP_WEEKLY, env.KEEP_MONTHLY]).toEqual([r.daily, r.weekly, r.monthly].map(String));
      expect(Number(env.MAX_AGE_SECONDS)).toBeGreaterThan(24 * 3600);
    });

    it("has a restore plan whose every object exists in the stack", () => {
      const plan = restorePlan(stack.mail.backup!, ns, stack.mail.server.name, stack.stackName, "latest");
      expect(named(json, "kubernetes_config_map_v1", plan.namespace, plan.configMap)).toHaveLength(1);
      const set = named(json, "kubernetes_stateful_set_v1", plan.namespace, plan.statefulSet);
      expect(set).toHaveLength(1);
      expect(plan.pod).toBe(`${set[0].body.metadata.name}-0`);
      expect(pod.volume.find((v: Json) => v.name === "restore").config_map.name).toBe(plan.configMap);
      const commands = restoreCommands(plan, stack.platform.cluster.context, "2026-12-01T10:00:00.000Z");
      expect(commands[0]).toEqual(["kubectl", "--context", stack.platform.cluster.context, "--namespace", ns, "patch", "configmap", RESTORE_CONFIGMAP, "--type", "merge", "-p", '{"data":{"request":"latest 2026-12-01T10:00:00.000Z"}}']);
      expect(commands.map((c) => c[5])).toEqual(["patch", "delete", "rollout", "logs"]);
    });
  });

  it("Sovereigns without a repository have no backup objects and no object-storage egress", () => {
    const without = servers.filter((s) => !s.stack.platform.backup);
    expect(without.length).toBeGreaterThan(0);
    for (const s of without) {
      expect(named(s.json, "kubernetes_cron_job_v1", s.stack.mail.namespace, "stalwart-backup-restart")).toEqual([]);
      expect(named(s.json, "kubernetes_network_policy_v1", s.stack.mail.namespace, "stalwart-egress-object-storage")).toEqual([]);
    }
  });

  it("writes the scripts escaped for Terraform, byte for byte once unescaped, and valid for sh", () => {
    const { json } = withBackup[0];
    const texts = [...JSON.stringify(json).matchAll(/"(set -e?u(?:\\.|[^"\\])*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    const unescape = (t: string) => t.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
    expect(texts.map(unescape).sort()).toEqual([BACKUP_SCRIPT, PRUNE_SCRIPT].sort());
    for (const script of [BACKUP_SCRIPT, PRUNE_SCRIPT]) expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
  });

  it("restore command: prints and runs the plan, validates the snapshot, refuses a stack without backups", () => {
    const run: string[][] = [];
    let out = "";
    const stackName = withBackup.find((s) => s.id.startsWith("example/"))!.stack.stackName;
    const at = () => new Date("2026-12-01T10:00:00Z");
    expect(runMailRestore([stackName, "--from", "5f2c9a1e", "--fleet", TEST_FLEETS.example], (t) => (out += t), () => undefined, (c) => void run.push([...c]), at)).toBe(0);
    expect(run).toHaveLength(4);
    expect(out).toContain(`'{"data":{"request":"5f2c9a1e 2026-12-01T10:00:00.000Z"}}'`);
    let err = "";
    expect(runMailRestore([stackName, "--from", "yesterday", "--fleet", TEST_FLEETS.example], () => undefined, (t) => (err += t), () => undefined, at)).toBe(2);
    expect(err).toMatch(/--from must be "latest" or a snapshot id/);
    const minimal = withoutBackupStack();
    err = "";
    expect(runMailRestore([minimal, "--fleet", TEST_FLEETS.minimal, "--dry-run"], () => undefined, (t) => (err += t))).toBe(1);
    expect(err).toMatch(/has no backups: its Sovereign sets no backup repository/);
  });

  it("validates the fleet's backup settings", () => {
    const problem = (backup: string) => {
      try {
        synthFleetYaml(oneSovereignYaml(`    backup: ${backup}\n`));
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problem('{repository: "https://bucket", credentialsPath: p}')).toMatch(/backup\.repository: must be a restic S3 repository/);
    expect(problem('{repository: "s3:https://e.example/b-1", credentialsPath: p, schedule: "daily"}')).toMatch(/backup\.schedule: must be a five-field cron schedule/);
    expect(problem('{repository: "s3:https://e.example/b-1", credentialsPath: p, retention: {daily: 0}}')).toMatch(/backup\.retention\.daily/);
    expect(problem('{repository: "s3:https://e.example/b-1", credentialsPath: p}')).toBe("");
  });
});

function withoutBackupStack(): string {
  return servers.find((s) => s.id.startsWith("minimal/") && !s.stack.platform.backup)!.stack.stackName;
}
