import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SynthCache } from "../app/synth-cache";
import { synthesizeFleet } from "../app/synthesize";
import { runPlanDiff } from "../bin/plan-diff";
import { parseFleet } from "../fleet/load";
import { diffSynthOutputs, type PlanDiff } from "../plan-diff/diff";
import { isSensitive } from "../plan-diff/redact";
import { forcesReplacement } from "../plan-diff/replace-rules";
import { renderJson, renderMarkdown, renderText, summary } from "../plan-diff/render";
import { identicalStacks, readSynthOutput } from "../plan-diff/synth-output";
import { upgradeNotes } from "../stalwart/upgrade-notes";
import { tenantFleet } from "./helpers/tenant-fleet";

const fleet = tenantFleet;
const ACME = "      - {id: acme, domain: {mode: byo, name: acme.example.com}, secretsSeededElsewhere: true}";
const GLOBEX = "      - {id: globex, domain: {mode: byo, name: globex.example.com}, secretsSeededElsewhere: true}";

const cache = new Map<string, string>();
function synth(yaml: string): string {
  const hit = cache.get(yaml);
  if (hit) return hit;
  const dir = join(mkdtempSync(join(tmpdir(), "plan-diff-test-")), "out");
  synthesizeFleet(parseFleet(yaml, "fleet.yaml"), dir);
  cache.set(yaml, dir);
  return dir;
}
const planDiff = (base: string, head: string): PlanDiff => diffSynthOutputs(readSynthOutput(synth(base)), readSynthOutput(synth(head)));
const cli = (base: string, head: string, format = "text") => {
  let out = "";
  let err = "";
  const code = runPlanDiff(["--base-dir", synth(base), "--head-dir", synth(head), "--format", format, "--detailed-exitcode"], (t) => (out += t), (t) => (err += t));
  return { code, out, err };
};

describe("plan diff", () => {
  const base = fleet(ACME);

  it("no-op change: exit 0 and 'No changes.'", () => {
    const r = cli(base, fleet(ACME));
    expect(r).toEqual({ code: 0, out: "No changes.\n", err: "" });
    expect(cli(base, base, "markdown").out).toBe("## sovereign-mail plan diff\n\nNo changes.\n");
  });

  it("tells identical stacks by the synthesis cache's stamped digests, and reads a file whose stamp no longer holds", () => {
    const stampsDir = mkdtempSync(join(tmpdir(), "plan-diff-stamps-"));
    const options = { fingerprint: "build-1", cache: { dir: stampsDir, maxBytes: 2 ** 30 } };
    const [b, h] = ["base", "head"].map((n) => join(stampsDir, n));
    synthesizeFleet(parseFleet(fleet(`${ACME}\n${GLOBEX}`), "fleet.yaml"), b, options);
    synthesizeFleet(parseFleet(fleet(`${ACME}\n${GLOBEX}`), "fleet.yaml"), h, options);
    const stamps = SynthCache.stampsOf(stampsDir);
    const globex = (dir: string) => join(dir, "stacks", "fsn1-tenant-globex", "cdk.tf.json");
    // Every stack file of both outputs is stamped: each one asked about has a known digest, so none is read.
    const asked: string[] = [];
    const known = (path: string) => (asked.push(path), stamps.knownDigestOf(path));
    expect([...identicalStacks(b, h, known)].sort()).toEqual(["fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex"]);
    expect(asked.every((p) => stamps.knownDigestOf(p) !== undefined)).toBe(true);
    // Edited in place (same size): its stamp no longer holds, so the bytes are compared, and they differ.
    const text = readFileSync(globex(h), "utf8");
    writeFileSync(globex(h), text.replace("globex", "GLOBEX"));
    expect(stamps.knownDigestOf(globex(h))).toBeUndefined();
    expect([...identicalStacks(b, h, known)].sort()).toEqual(["fsn1-mail", "fsn1-tenant-acme"]);
  });

  it("skips parsing byte-identical stacks, with the same report as a full comparison", () => {
    const head = fleet(`${ACME.replace("secretsSeededElsewhere: true", "secretsSeededElsewhere: true, capacity: {cpu: 750m}")}\n${GLOBEX}`);
    const [b, h] = [synth(fleet(`${ACME}\n${GLOBEX}`)), synth(head)];
    expect([...identicalStacks(b, h)].sort()).toEqual(["fsn1-mail", "fsn1-tenant-globex"]);
    const full = diffSynthOutputs(readSynthOutput(b), readSynthOutput(h));
    for (const format of ["text", "markdown", "json"]) {
      let out = "";
      runPlanDiff(["--base-dir", b, "--head-dir", h, "--format", format], (t) => (out += t), () => undefined);
      expect(out).toBe({ text: renderText, markdown: renderMarkdown, json: renderJson }[format]!(full));
    }
  });

  it("a tenant's capacity changed: an exact, in-place update", () => {
    const r = cli(base, fleet(ACME.replace("secretsSeededElsewhere: true", "secretsSeededElsewhere: true, capacity: {cpu: 750m, memory: 2Gi}")));
    expect(r.code).toBe(2);
    expect(r.out.replace(/_[0-9A-F]{8}\b/g, "_<id>")).toBe(
      [
        "== fsn1-tenant-acme (changed): 0 to add, 1 to change, 0 to replace, 0 to destroy",
        "  ~ kubernetes_stateful_set_v1.stalwart_statefulset_<id>",
        '      spec.template.spec.container.0.resources.limits.cpu: "500m" → "750m"',
        '      spec.template.spec.container.0.resources.limits.memory: "1Gi" → "2Gi"',
        '      spec.template.spec.container.0.resources.requests.cpu: "500m" → "750m"',
        '      spec.template.spec.container.0.resources.requests.memory: "1Gi" → "2Gi"',
        "1 of 2 stacks changed: 0 to add, 1 to change, 0 to replace, 0 to destroy",
        "",
      ].join("\n"),
    );
  });

  it("a spool size change replaces the StatefulSet, and the report says so loudly", () => {
    const d = planDiff(base, fleet(ACME.replace("secretsSeededElsewhere: true", "secretsSeededElsewhere: true, capacity: {storage: 40Gi}")));
    const stack = d.stacks.find((s) => s.name === "fsn1-tenant-acme")!;
    const sts = stack.resources.find((r) => r.address.startsWith("kubernetes_stateful_set_v1."))!;
    expect(sts.action).toBe("replace");
    expect(sts.changes).toEqual([
      { path: "spec.volume_claim_template.0.spec.resources.requests.storage", old: '"20Gi"', new: '"40Gi"', forcesReplacement: true },
    ]);
    expect(stack.warnings).toEqual([expect.stringMatching(/^kubernetes_stateful_set_v1\.stalwart_statefulset_\w+ will be REPLACED \(spec\.volume_claim_template\.0\.spec\.resources\.requests\.storage\)$/)]);
    expect(renderMarkdown(d)).toContain("> [!WARNING]\n> - fsn1-tenant-acme: kubernetes_stateful_set_v1.stalwart_statefulset_");
  });

  it("the Stalwart image bumped: updates in place on every server, version labels follow, selectors and volume templates do not", () => {
    const d = planDiff(base, fleet(ACME, "    stalwart: {image: stalwartlabs/stalwart:v0.16.19}\n"));
    for (const s of d.stacks) {
      expect(s.status).toBe("changed");
      const sts = s.resources.find((r) => r.address.startsWith("kubernetes_stateful_set_v1."))!;
      expect(sts.action).toBe("update");
      expect(sts.changes.map((c) => [c.path, c.old, c.new])).toEqual([
        ["metadata.labels.app.kubernetes.io/version", '"v0.16.18"', '"v0.16.19"'],
        ["spec.template.metadata.labels.app.kubernetes.io/version", '"v0.16.18"', '"v0.16.19"'],
        ["spec.template.spec.container.0.image", '"stalwartlabs/stalwart:v0.16.18"', '"stalwartlabs/stalwart:v0.16.19"'],
        // The credentials gate runs the server image's shell.
        ["spec.template.spec.init_container.0.image", '"stalwartlabs/stalwart:v0.16.18"', '"stalwartlabs/stalwart:v0.16.19"'],
      ]);
      // #18: a minor upgrade needs no new configuration: the plan, its ConfigMap and the apply Job stay as they are,
      // so the Job does not run again; only the server rolls (the apply model's re-apply test holds the rest).
      expect(s.resources.map((r) => r.address)).toEqual([sts.address]);
      // #18: the only warning is what upstream says about the versions crossed (none beyond the restart here).
      expect(s.warnings).toEqual([
        `Stalwart upgrade of ${sts.address}: v0.16.18 → v0.16.19: no data migration within 0.16 (schema version unchanged); the pod restarts once (a short outage); take a backup first`,
      ]);
    }
  });

  it("a Stalwart upgrade lists the upstream notes of every release crossed; a downgrade and a minor jump are called out", () => {
    const d = planDiff(fleet(ACME, "    stalwart: {image: stalwartlabs/stalwart:v0.16.5}\n"), base);
    const warnings = d.stacks.find((s) => s.name === "fsn1-tenant-acme")!.warnings;
    expect(warnings.map((w) => w.replace(/^Stalwart upgrade of [^:]+: /, "").split(":")[0])).toEqual(["v0.16.5 → v0.16.18", "v0.16.6", "v0.16.12", "v0.16.18"]);
    expect(upgradeNotes("0.16.18", "0.16.5")[0]).toMatch(/is a downgrade, which upstream does not document as safe/);
    expect(upgradeNotes("0.15.9", "0.16.18")[0]).toMatch(/crosses a minor release: follow upstream UPGRADING/);
    expect(upgradeNotes("0.16.12", "0.16.17")).toHaveLength(1);
  });

  it("a tenant added: a new stack with everything to add", () => {
    const d = planDiff(base, fleet(`${ACME}\n${GLOBEX}`));
    const added = d.stacks.find((s) => s.name === "fsn1-tenant-globex")!;
    expect(added.status).toBe("added");
    expect(added.resources.every((r) => r.action === "create")).toBe(true);
    expect(d.stacks.filter((s) => s.status !== "unchanged").map((s) => s.name)).toEqual(["fsn1-tenant-globex"]);
    expect(renderText(d)).toMatch(/^== fsn1-tenant-globex \(added\): \d+ to add, 0 to change, 0 to replace, 0 to destroy$/m);
  });

  it("a tenant removed: a deleted stack is flagged", () => {
    const d = planDiff(fleet(`${ACME}\n${GLOBEX}`), base);
    const removed = d.stacks.find((s) => s.name === "fsn1-tenant-globex")!;
    expect(removed.status).toBe("removed");
    expect(removed.resources.every((r) => r.action === "delete")).toBe(true);
    expect(removed.warnings[0]).toBe("stack fsn1-tenant-globex is DELETED: terraform destroy it before its state is orphaned");
    expect(cli(fleet(`${ACME}\n${GLOBEX}`), base).code).toBe(2);
  });

  it("a tenant removed: its mailboxes are DATA LOSS, first in every format", () => {
    const d = planDiff(fleet(`${ACME}\n${GLOBEX}`), base);
    expect(d.losesData).toBe(true);
    const removed = d.stacks.find((s) => s.name === "fsn1-tenant-globex")!;
    expect(removed.dataLoss).toEqual(["removing stack fsn1-tenant-globex deletes namespace org-globex with the mailboxes (org-globex/data-stalwart-0): offboard it first (final backup, retention)"]);
    expect(d.stacks.filter((s) => s.dataLoss.length > 0).map((s) => s.name)).toEqual(["fsn1-tenant-globex"]);
    expect(renderText(d).split("\n")[0]).toBe(`!!! DATA LOSS fsn1-tenant-globex: ${removed.dataLoss[0]}`);
    const markdown = renderMarkdown(d).split("\n");
    expect(markdown.slice(2, 4)).toEqual(["> [!CAUTION]", "> **DATA LOSS**: mailboxes would be deleted or left behind"]);
    expect(JSON.parse(renderJson(d)).losesData).toBe(true);
    let out = "";
    const failing = (base: string, head: string) => runPlanDiff(["--base-dir", synth(base), "--head-dir", synth(head), "--fail-on-data-loss"], (t) => (out += t), () => undefined);
    expect(failing(fleet(`${ACME}\n${GLOBEX}`), base)).toBe(3);
    expect(out).toMatch(/^!!! DATA LOSS fsn1-tenant-globex: /);
    expect(failing(base, fleet(`${ACME}\n${GLOBEX}`))).toBe(0);
  });

  it("a tenant whose namespace the platform owns: removing it leaves the mailboxes behind, unowned", () => {
    const own = (t: string) => t.replace("secretsSeededElsewhere: true}", "secretsSeededElsewhere: true, namespace: org-globex}");
    const withPlatformNamespace = fleet(`${ACME}\n${own(GLOBEX)}`, "    tenantNamespaces: {create: false}\n");
    const d = planDiff(withPlatformNamespace, fleet(ACME, "    tenantNamespaces: {create: false}\n"));
    expect(d.stacks.find((s) => s.name === "fsn1-tenant-globex")!.dataLoss).toEqual([
      "removing stack fsn1-tenant-globex removes the mail server; its mailboxes (org-globex/data-stalwart-0) stay behind, unowned: offboard it first (final backup, retention)",
    ]);
  });

  it("a server moved to another namespace starts on empty claims: DATA LOSS; a capacity change is none", () => {
    const moved = fleet(ACME.replace("secretsSeededElsewhere: true}", "secretsSeededElsewhere: true, namespace: mail-acme}"));
    const d = planDiff(fleet(ACME), moved);
    const acme = d.stacks.find((s) => s.name === "fsn1-tenant-acme")!;
    expect(acme.dataLoss).toEqual([expect.stringMatching(/^kubernetes_namespace_v1\.mail-namespace is REPLACED: Kubernetes deletes the mailboxes with it \(org-acme\/data-stalwart-0\)$/)]);
    expect(planDiff(fleet(ACME), fleet(ACME.replace("secretsSeededElsewhere: true}", "secretsSeededElsewhere: true, capacity: {cpu: '1'}}"))).losesData).toBe(false);
    expect(planDiff(base, base).losesData).toBe(false);
  });

  it("redacts secret values: the contract Secret's data and anything secret-looking", () => {
    const mothership = "    relay:\n      mode: mothership\n      mothership: {host: mail.openova.io, from: noreply@openova.io, credentials: {secret: {namespace: catalyst-system, name: smtp}}}\n";
    // The one contract Terraform writes itself: a central relay's credentials from a cluster Secret.
    const d = planDiff(fleet(ACME, mothership), fleet(ACME, mothership.replace("host: mail.openova.io", "host: relay.openova.io")));
    const contract = d.stacks.find((s) => s.name === "fsn1-mail")!.resources.find((r) => r.address.startsWith("kubernetes_secret_v1.smtp-credentials"))!;
    expect(contract.changes.filter((c) => c.path.startsWith("data."))).not.toHaveLength(0);
    for (const c of contract.changes.filter((x) => x.path.startsWith("data."))) expect([c.old, c.new]).toEqual(["(redacted)", "(redacted)"]);
    expect(JSON.parse(renderJson(d)).stacks[0].resources.find((r: { address: string }) => r.address === contract.address).changes).toEqual(
      expect.arrayContaining([{ path: "data.smtp-host", old: "(redacted)", new: "(redacted)", forcesReplacement: false }]),
    );
    expect(isSensitive("kubernetes_config_map_v1", ["data", "x"], "-----BEGIN PRIVATE KEY-----\nabc")).toBe(true);
    expect(isSensitive("vault_kv_secret_v2", ["data_json_wo"], "x")).toBe(true);
    expect(isSensitive("kubernetes_stateful_set_v1", ["spec", "template", "spec", "volume", 0, "secret", "secret_name"], "stalwart-tls")).toBe(false);
  });

  it("knows which changes replace rather than update", () => {
    expect(forcesReplacement("kubernetes_stateful_set_v1", ["spec", 0, "selector", 0, "match_labels", "app"])).toBe(true);
    expect(forcesReplacement("kubernetes_stateful_set_v1", ["spec", "template", "spec", "container", 0, "image"])).toBe(false);
    expect(forcesReplacement("hcloud_rdns", ["ip_address"])).toBe(true);
    expect(forcesReplacement("hcloud_rdns", ["dns_ptr"])).toBe(false);
    expect(forcesReplacement("random_password", ["keepers", "rotation"])).toBe(true);
    expect(forcesReplacement("kubernetes_job_v1", ["metadata", "name"])).toBe(true);
  });

  it("shows long strings (plans, config files) as line diffs", () => {
    const d = planDiff(base, fleet(ACME, "    relay:\n      senders: [pin@omantel.example.org]\n"));
    const relay = d.stacks.find((s) => s.name === "fsn1-mail")!;
    const planMap = relay.resources.find((r) => r.changes.some((c) => c.path === "data.plan.ndjson"))!;
    const lines = planMap.changes.find((c) => c.path === "data.plan.ndjson")!.lines!;
    expect(lines.split("\n")).toEqual([expect.stringMatching(/^- \{"@type":"upsert".*"Account"/), expect.stringMatching(/^\+ \{"@type":"upsert".*"aliases":\{"0":\{"domainId":"#domain","enabled":true,"name":"pin"\}\}/)]);
    expect(relay.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^the Stalwart configuration plan changes/), expect.stringMatching(/kubernetes_job_v1\.\S+ will be REPLACED/)]));
    expect(renderMarkdown(d)).toContain("```diff\n- {");
  });

  it("exits 0 once the report is written, 2 on changes only with --detailed-exitcode", () => {
    const head = fleet(`${ACME}\n${GLOBEX}`);
    expect(runPlanDiff(["--base-dir", synth(base), "--head-dir", synth(head)], () => undefined, () => undefined)).toBe(0);
    expect(runPlanDiff(["--base-dir", synth(base), "--head-dir", synth(head), "--detailed-exitcode"], () => undefined, () => undefined)).toBe(2);
  });

  it("counts managed resources as terraform plan does, not data sources, outputs or provider blocks", () => {
    const d = planDiff(base, fleet(`${ACME}\n${GLOBEX}`));
    const added = d.stacks.find((s) => s.name === "fsn1-tenant-globex")!;
    const tf = JSON.parse(readFileSync(join(synth(fleet(`${ACME}\n${GLOBEX}`)), "stacks", "fsn1-tenant-globex", "cdk.tf.json"), "utf8"));
    const managed = Object.values(tf.resource as Record<string, object>).reduce((n, byName) => n + Object.keys(byName).length, 0);
    expect(added.resources.some((r) => r.address.startsWith("output.") || r.address === "provider")).toBe(true);
    expect(summary(added)).toBe(`${managed} to add, 0 to change, 0 to replace, 0 to destroy`);
  });

  it("reports usage errors with exit 2 (1 under --detailed-exitcode, where 2 means changes) and other errors with 1", () => {
    const err: string[] = [];
    expect(runPlanDiff(["--format", "yaml", "--base", "HEAD"], () => undefined, (t) => err.push(t))).toBe(2);
    expect(runPlanDiff([], () => undefined, (t) => err.push(t))).toBe(2);
    expect(runPlanDiff(["--bogus"], () => undefined, (t) => err.push(t))).toBe(2);
    expect(runPlanDiff(["--bogus", "--detailed-exitcode"], () => undefined, (t) => err.push(t))).toBe(1);
    expect(err.join("")).toContain("error: --base names the revision to compare with");
    expect(runPlanDiff(["--base-dir", "/nonexistent", "--head-dir", "/nonexistent"], () => undefined, (t) => err.push(t))).toBe(1);
    expect(err.join("")).toContain("is not a synthesized output");
    expect(runPlanDiff(["--base", "no-such-ref-anywhere"], () => undefined, (t) => err.push(t))).toBe(1);
    expect(err.join("")).toContain('error: "no-such-ref-anywhere" is not a git revision of');
    expect(err.join("")).not.toContain("fatal:");
  });
});

describe("plan diff between git revisions", () => {
  it("checks a revision out into a cached worktree, builds and synthesizes it: HEAD against itself has no changes", () => {
    const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
    const cacheDir = mkdtempSync(join(tmpdir(), "plan-diff-cache-"));
    const repo = join(__dirname, "..");
    let out = "";
    let err = "";
    try {
      const code = runPlanDiff(["--base", "HEAD", "--head", "HEAD", "--cache-dir", cacheDir, "--detailed-exitcode"], (t) => (out += t), (t) => (err += t));
      expect({ code, out, err }).toEqual({ code: 0, out: "No changes.\n", err: "" });
      // A fleet file the pull request adds (absent at the base): every stack is added, nothing fails.
      const relative = `.plan-diff-test-${process.pid}.yaml`;
      const added = join(repo, relative);
      writeFileSync(added, fleet(ACME));
      try {
        out = "";
        const json = runPlanDiff(["--base", "HEAD", "--fleet", relative, "--cache-dir", cacheDir, "--format", "json"], (t) => (out += t), (t) => (err += t));
        expect(json).toBe(0);
        const stacks = JSON.parse(out).stacks as { name: string; status: string }[];
        expect(stacks.map((x) => x.name)).toEqual(expect.arrayContaining(["fsn1-mail", "fsn1-tenant-acme"]));
        expect(stacks.every((x) => x.status === "added")).toBe(true);
      } finally {
        rmSync(added, { force: true });
      }
    } finally {
      execFileSync("git", ["worktree", "remove", "--force", join(cacheDir, execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim())], { cwd: repo, stdio: "ignore" });
    }
  });
});
