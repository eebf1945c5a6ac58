/**
 * Real Terraform is the judge: every stack of every test fleet loads with `terraform init` (configuration errors
 * fail; only the offline provider download may), applies offline with provider resources as `terraform_data`
 * stand-ins, re-plans with no changes, and leaves values in state that Stalwart, DNS and our secret rules accept.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRegistrySchema, RegistryValidator } from "../stalwart/registry-schema";
import { leakedSecrets, planConfigMapProblems, publishedRecords, recordProblems, secretValues } from "./helpers/applied-checks";
import { OfflineStack } from "./helpers/offline-apply";
import { configurationErrors, describeWithTerraform } from "./helpers/terraform-cli";
import { TEST_FLEETS, writeFleet, type WrittenStack } from "./helpers/test-fleets";

const NOW = "2026-12-01T10:00:00Z";
const schema = findRegistrySchema();
const validator = schema && new RegistryValidator(schema);

describeWithTerraform("real terraform", () => {
  const stacks: WrittenStack[] = Object.keys(TEST_FLEETS).flatMap(writeFleet);
  const applied = new Map<string, OfflineStack>();

  it("covers every optional feature: kit, relay modes, PTR modes, state backends, publication, rotation on and off", () => {
    const names = stacks.map((s) => `${s.fleet}/${s.name}`);
    expect(names).toEqual(expect.arrayContaining(["example/fsn1-kit", "every-feature/nbg1-kit", "every-feature/hel1-mail", "every-feature/ash1-tenant-studio"]));
    const json = JSON.stringify(stacks.map((s) => s.json));
    for (const feature of ['"hcloud_rdns"', '"s3"', '"pg"', '"helm_release"', '"dns_txt_record_set"', '"kubernetes_secret_v1"', '"time_rotating"']) expect(json).toContain(feature);
  });

  describe.each(stacks.map((s) => [`${s.fleet}/${s.name}`, s] as const))("%s", (_name, stack) => {
    it("loads with terraform init: no configuration error", () => {
      expect(configurationErrors(stack.dir)).toEqual([]);
    });

    it("applies offline, and a second plan shows no changes once the bootstrap is cleaned up", () => {
      const offline = OfflineStack.create(mkdtempSync(join(tmpdir(), `offline-${stack.name}-`)), stack.json);
      offline.apply(NOW);
      // The apply after a mail server's first deploy only removes the (blanked) bootstrap Secret and moves the apply
      // Job and the TLS-reload CronJob from the recovery admin's login to the automation identity's.
      const cleanup = offline.plannedChanges(NOW);
      for (const c of cleanup) expect(c.address).toMatch(/^(kubernetes_manifest\.bootstrap_secret|kubernetes_secret_v1_data\.bootstrap_off|kubernetes_job_v1\.config-apply_job|kubernetes_cron_job_v1\.config-apply_reload-tls)_/);
      if (!stack.name.endsWith("-kit")) expect(cleanup.map((c) => c.address)).toContainEqual(expect.stringMatching(/^kubernetes_manifest\.bootstrap_secret/));
      offline.apply(NOW);
      expect(offline.plannedChanges(NOW)).toEqual([]);
      applied.set(`${stack.fleet}/${stack.name}`, offline);
    });

    it("leaves plans Stalwart accepts, records DNS accepts and no secret outside OpenBao", () => {
      const offline = applied.get(`${stack.fleet}/${stack.name}`);
      if (!offline) throw new Error("the apply above failed");
      const state = offline.state();
      expect(planConfigMapProblems(state, validator)).toEqual([]);
      expect(recordProblems(state)).toEqual([]);
      const secrets = secretValues(offline.computed());
      if (!stack.name.endsWith("-kit")) expect(secrets.length).toBeGreaterThan(0);
      expect(leakedSecrets(state, offline.outputs(), secrets)).toEqual([]);
    });
  });

  it("publishes each record set from one stack only", () => {
    const owners = new Map<string, string[]>();
    for (const [name, offline] of applied) {
      for (const r of publishedRecords(offline.state())) owners.set(`${r.type} ${r.fqdn}`, [...(owners.get(`${r.type} ${r.fqdn}`) ?? []), name]);
    }
    expect([...owners].filter(([, o]) => o.length > 1)).toEqual([]);
    expect(owners.size).toBeGreaterThan(20);
  });

  it("sets the PTR of exactly the addresses the mail host's A and AAAA records publish (forward-confirmed)", () => {
    const offline = applied.get("every-feature/nbg1-mail")!;
    const state = offline.state();
    const ptr = [...state.values()].filter((r) => r.address.startsWith("hcloud_rdns.")).map((r) => r.input);
    const addresses = publishedRecords(state).filter((r) => r.type === "A" || r.type === "AAAA").flatMap((r) => r.values);
    expect(ptr.map((p) => p.ip_address).sort()).toEqual([...addresses].sort());
    expect(new Set(ptr.map((p) => p.dns_ptr))).toEqual(new Set(["mail.nbg1.example.org"]));
  });
});
