/**
 * The plans the apply Job really receives, replayed on the Stalwart v0.16 apply model: the bytes of the plan and
 * reload ConfigMaps after an offline Terraform apply, applied as `stalwart-cli apply` would to a server booted as
 * the StatefulSet boots it (normal mode, first-boot defaults). Then the restart the Job's annotation causes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRegistrySchema } from "../stalwart/registry-schema";
import { OfflineStack, type StandInState } from "./helpers/offline-apply";
import { StalwartModel } from "./helpers/stalwart-apply-model";
import { describeWithTerraform } from "./helpers/terraform-cli";
import type { Json } from "./helpers/terraform-json";
import { writeFleet, TEST_FLEETS, type WrittenStack } from "./helpers/test-fleets";

const schema = findRegistrySchema();
const NOW = "2026-12-01T10:00:00Z";
const DAY = 86_400_000;

/** The plan and reload texts the Job mounts, as Terraform left them in state. */
function jobFiles(state: ReadonlyMap<string, StandInState>): { plan: string; reload: string } {
  const data = [...state.values()].find((r) => r.input.data?.["plan.ndjson"])!.input.data;
  return { plan: data["plan.ndjson"], reload: data["reload.ndjson"] };
}

/** A model whose bcrypt check knows the stand-in hashes (each random_password's `bcrypt_hash` ↔ `result`). */
function modelFor(offline: OfflineStack): StalwartModel {
  const hashes = new Map<string, string>();
  const refresh = () => {
    for (const [a, v] of offline.computed()) if (a.startsWith("random_password.")) hashes.set(v.bcrypt_hash as string, v.result as string);
  };
  refresh();
  const model = StalwartModel.fresh({ schema, secretMatches: (secret, plaintext) => hashes.get(secret) === plaintext });
  (model as unknown as { refreshHashes: () => void }).refreshHashes = refresh;
  return model.boot();
}

/** Applies the Job's two plans in order, as its two containers do; then the restart the annotation causes. */
function runJob(model: StalwartModel, files: { plan: string; reload: string }) {
  const applied = model.apply(files.plan);
  const reloaded = model.apply(files.reload);
  const pendingAfterReload = model.pending();
  model.restart();
  return { applied, reloaded, pendingAfterReload };
}

/** The desired objects of a plan, per type, by the key it matches on (what the server must hold exactly). */
function desired(plan: string, type: string, key: (body: Json) => string): string[] {
  return plan
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((op) => op.object === type && op["@type"] !== "destroy")
    .flatMap((op) => Object.values(op.value as Record<string, Json>).map(key))
    .sort();
}

describeWithTerraform("the apply Job's plans on the Stalwart v0.16 apply model", () => {
  if (!schema) {
    it.skip("needs ../shared/reference/stalwart-registry-schema.json.gz", () => undefined);
    return;
  }
  const mail: WrittenStack[] = Object.keys(TEST_FLEETS)
    .flatMap(writeFleet)
    .filter((s) => !s.name.endsWith("-kit"));

  describe.each(mail.map((s) => [`${s.fleet}/${s.name}`, s] as const))("%s", (_name, stack) => {
    it("succeeds on a fresh server, reaches exactly the desired state after the restart, and a re-apply changes nothing", () => {
      const offline = OfflineStack.create(mkdtempSync(join(tmpdir(), `model-${stack.name}-`)), stack.json);
      offline.apply(NOW);
      const files = jobFiles(offline.state());
      const model = modelFor(offline);
      const run = runJob(model, files);
      expect(run.applied).toMatchObject({ ok: true });
      expect(run.reloaded).toMatchObject({ ok: true });
      // Everything the plan wrote took effect: settings reloaded, certificates reloaded; listeners need the restart.
      expect(run.pendingAfterReload.reloadSettings).toEqual([]);
      expect(run.pendingAfterReload.reloadTls).toEqual([]);
      // Exactly the fleet's listeners are bound, no first-boot default (pop3s, sieve, …) is left; one stdout tracer.
      expect(model.boundListeners().map((l) => l.name).sort()).toEqual(desired(files.plan, "NetworkListener", (b) => b.name));
      expect(model.objects("NetworkListener").map((l) => l.body.name).sort()).toEqual(desired(files.plan, "NetworkListener", (b) => b.name));
      expect(model.objects("Tracer").map((t) => t.body["@type"])).toEqual(["Stdout"]);
      expect(model.objects("DkimSignature").map((d) => d.body.selector).sort()).toEqual(desired(files.plan, "DkimSignature", (b) => b.selector));
      // A re-apply (the Job runs again when Terraform replaces it) creates and destroys nothing.
      const again = model.apply(files.plan);
      expect(again).toMatchObject({ ok: true });
      expect(again.writes.filter((w) => w.kind !== "update")).toEqual([]);
      expect(model.apply(files.reload)).toMatchObject({ ok: true });
    });
  });

  it("bootstraps with the recovery admin once: off before the restart, an automation identity that holds what the Job does, later Jobs log in as it", () => {
    const tenant = mail.find((s) => s.name === "fsn1-tenant-acme")!;
    const offline = OfflineStack.create(mkdtempSync(join(tmpdir(), "model-bootstrap-")), tenant.json);
    offline.apply(NOW);
    const state = offline.state();
    const of = (type: string, name?: RegExp) => [...state.values()].filter((r) => r.address.startsWith(`${type}.`) && (!name || name.test(r.address)));
    // The server reads the recovery admin from a Secret rendered once (no refresh), an optional key.
    const sts = of("kubernetes_stateful_set_v1")[0].input;
    const env = [sts.spec].flat()[0].template.spec.container[0].env.find((e: Json) => e.name === "STALWART_RECOVERY_ADMIN");
    expect(env.value_from.secret_key_ref).toEqual({ name: "stalwart-bootstrap", key: "STALWART_RECOVERY_ADMIN", optional: true });
    const [bootstrap] = of("kubernetes_manifest", /bootstrap/);
    expect(bootstrap.input.manifest.spec.refreshInterval).toBe("0s");
    // After the Job: the key is blanked (recovery off), and only then the restart; the memory says bootstrapped.
    const [off] = of("kubernetes_secret_v1_data", /bootstrap/);
    expect(off.input.data).toEqual({ STALWART_RECOVERY_ADMIN: "" });
    const job = of("kubernetes_job_v1")[0];
    expect(JSON.stringify(job.input)).toContain('"name":"stalwart-recovery-admin"');
    const memory = of("kubernetes_config_map_v1").find((r) => r.input.metadata.name === "sovereign-mail-memory")!;
    expect(memory.input.data.bootstrapped).toBe("true");
    // The automation identity can do everything the Job just did (the model's record of the CLI's calls).
    const model = modelFor(offline);
    const files = jobFiles(state);
    const run = runJob(model, files);
    const role = model.objects("Role").find((r) => r.body.description === "sovereign-mail configuration apply")!;
    const granted = new Set(Object.keys(role.body.enabledPermissions as object));
    const needed = new Set(["authenticate"]);
    for (const w of [...run.applied.writes, ...run.reloaded.writes]) {
      if (w.type === "Action") continue;
      const singleton = model.singleton(w.type) !== undefined;
      for (const op of singleton ? ["Get", "Update"] : ["Get", "Query", w.kind === "create" ? "Create" : w.kind === "update" ? "Update" : "Destroy"]) needed.add(`sys${w.type}${op}`);
    }
    for (const line of files.reload.split("\n").filter(Boolean)) for (const a of Object.values(JSON.parse(line).value) as Json[]) needed.add(`action${a["@type"]}`).add("sysActionCreate");
    expect([...needed].filter((p) => !granted.has(p))).toEqual([]);
    const logins = model.objects("Account").filter((a) => String(a.body.name).startsWith("automation-"));
    expect(logins.map((a) => a.body.roles)).toEqual([0, 1].map(() => ({ "@type": "Custom", roleIds: { [role.id]: true } })));
    // The next apply: the bootstrap Secret goes, the Job logs in as the automation identity.
    offline.apply("2026-12-02T10:00:00Z");
    const next = offline.state();
    expect([...next.keys()].filter((a) => /bootstrap/.test(a))).toEqual([]);
    const nextJob = [...next.values()].find((r) => r.address.startsWith("kubernetes_job_v1."))!;
    expect(JSON.stringify(nextJob.input)).toContain('"name":"stalwart-automation"');
    expect(JSON.stringify(nextJob.input)).not.toContain("stalwart-recovery-admin");
  });

  it("converges from the previous release's layout: its single relay account and unrotated DKIM keys go", () => {
    const relay = mail.find((s) => s.name === "fsn1-mail")!;
    const offline = OfflineStack.create(mkdtempSync(join(tmpdir(), "model-upgrade-")), relay.json);
    offline.apply(NOW);
    const files = jobFiles(offline.state());
    const model = modelFor(offline);
    // What the previous release left on the server: the `noreply` User and one key per algorithm.
    const old = [
      { "@type": "upsert", object: "Domain", matchOn: ["name"], value: { domain: { name: "omantel.example.org" } } },
      { "@type": "upsert", object: "Account", matchOn: ["name", "domainId"], value: { noreply: { "@type": "User", name: "noreply", domainId: "#domain", credentials: { "0": { "@type": "Password", secret: "$2b$10$abcdefghijklmnopqrstuu1234567890123456789012345678901" } } } } },
      ...["Ed25519", "Rsa"].map((a) => ({
        "@type": "upsert",
        object: "DkimSignature",
        matchOn: ["selector"],
        value: { [`k-${a.toLowerCase()}`]: { "@type": `Dkim1${a}Sha256`, domainId: "#domain", selector: `sm-${a === "Rsa" ? "rsa" : "ed25519"}`, privateKey: { "@type": "File", filePath: "/x.pem" }, stage: "active" } },
      })),
    ];
    expect(model.apply(old.map((o) => JSON.stringify(o)).join("\n"))).toMatchObject({ ok: true });
    expect(runJob(model, files).applied).toMatchObject({ ok: true });
    const accounts = model.objects("Account").map((a) => `${a.body["@type"]} ${a.body.name}`).sort();
    expect(accounts).toEqual(["Group noreply", "User automation-a", "User automation-b", "User noreply-a", "User noreply-b"]);
    expect(model.objects("DkimSignature").map((d) => d.body.selector).sort()).toEqual(desired(files.plan, "DkimSignature", (b) => b.selector));
  });

  it("always has a login that sends and exactly one active key per algorithm, across rotations and gaps of 1, 2 and 5 periods", () => {
    const relay = mail.find((s) => s.name === "fsn1-mail")!;
    const offline = OfflineStack.create(mkdtempSync(join(tmpdir(), "model-rotation-")), relay.json);
    const period = 180 * DAY;
    const start = Date.parse(NOW);
    const next = (t: number) => (Math.floor(t / period) + 1) * period + 3600_000;
    const dates = [start, next(start), next(start) + 2 * DAY, next(next(start)) + period, next(next(start)) + period + 8 * DAY];
    dates.push(next(dates[dates.length - 1]) + 4 * period);
    let model: StalwartModel | undefined;
    let held: { user: string; password: string } | undefined;
    for (const at of dates) {
      offline.apply(new Date(at).toISOString().replace(/\.\d+Z$/, "Z"));
      const files = jobFiles(offline.state());
      const seed = JSON.parse([...offline.computed()].find(([a]) => a.startsWith("vault_kv_secret_v2.submission"))![1].data_json_wo);
      model ??= modelFor(offline);
      (model as unknown as { refreshHashes: () => void }).refreshHashes();
      expect(runJob(model, files).applied).toMatchObject({ ok: true });
      const when = new Date(at);
      // What consumers held before this apply still sends (until they refresh), and what OpenBao now holds does.
      if (held) expect(model.login(held.user, held.password, when)).toMatchObject({ authenticated: true, canSend: true });
      expect(model.login(seed.user, seed.password, when)).toMatchObject({ authenticated: true, canSend: true });
      expect(model.sendableAddresses(seed.user.split("@")[0])).toContain("noreply@omantel.example.org");
      for (const algorithm of ["Dkim1Ed25519Sha256", "Dkim1RsaSha256"]) {
        expect(model.objects("DkimSignature").filter((d) => d.body["@type"] === algorithm && d.body.stage === "active")).toHaveLength(1);
      }
      held = { user: seed.user, password: seed.password };
    }
  });
});
