import fc from "fast-check";
import { join, resolve } from "node:path";
import { runCredentialsReset } from "../bin/credentials-reset";
import { epochDayExpression } from "../constructs/credentials/rotation";
import { secretLiteralProblems } from "./helpers/semantic";
import { allStacks, oneSovereignYaml, synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf, type Json, type TfJson } from "./helpers/terraform-json";

const ROOT = join(__dirname, "..");

const example = synthExample();
const relay = example.json["fsn1-mail"];

describe("rotation schedule", () => {
  it("counts days since 1970 from the plan date exactly as the calendar does", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2399-12-31T23:59:59Z"), noInvalidDate: true }), (date) => {
        const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
        // The Terraform text evaluated as JavaScript: the same operators, `floor` and the three date parts.
        const js = epochDayExpression("T")
          .replace(/tonumber\(formatdate\("YYYY", T\)\)/g, String(y))
          .replace(/tonumber\(formatdate\("M", T\)\)/g, String(m))
          .replace(/tonumber\(formatdate\("D", T\)\)/g, String(d))
          .replace(/floor\(/g, "Math.floor(");
        expect(new Function(`return ${js}`)()).toBe(Math.floor(Date.UTC(y, m - 1, d) / 86_400_000));
      }),
    );
  });

  it("keys every password on its class's generation and versions the write-only value by generation time", () => {
    const periods = Object.fromEntries(resourcesOf(relay, "time_rotating").map((r) => [r.address, r.body]));
    for (const body of Object.values(periods)) {
      expect(body.rotation_days).toBe(180);
      // The period's first day: g periods of 180 days after 1970-01-01, g = floor(day / 180) of the plan date.
      expect(body.rfc3339).toMatch(/^\$\{timeadd\("1970-01-01T00:00:00Z", format\("%dh", \(local\.rotation-\w+_generation_\w+ \* 4320\)\)\)\}$/);
    }
    expect(relay.locals.credential_epoch_day).toBe(`\${${epochDayExpression()}}`);
    const generations = Object.keys(relay.locals).filter((k) => /^rotation-\w+_generation_/.test(k));
    for (const g of generations) expect(relay.locals[g]).toBe("${floor((local.credential_epoch_day / 180))}");
    for (const p of resourcesOf(relay, "random_password")) {
      // One slot: keyed on the generation; two (the overlap): on the slot state decided from the stack's memory.
      expect(p.body.keepers.generation).toMatch(/^\$\{tostring\((local\.rotation-\w+_generation_\w+|local\.(submission|automation)-credential_slots_\w+\.keeper_[ab])\)\}$/);
      expect(p.body).toMatchObject({ length: 32, special: false });
    }
    const statics = Object.fromEntries(resourcesOf(relay, "time_static").map((r) => [r.address, r.body]));
    for (const kv of resourcesOf(relay, "vault_kv_secret_v2")) {
      expect(kv.body.data_json).toBeUndefined();
      const versionedBy = [...String(kv.body.data_json_wo_version).matchAll(/time_static\.[\w-]+/g)].map((m) => m[0]);
      expect(versionedBy.length).toBeGreaterThan(0);
      // Each generation time is replaced together with the value it dates: triggered by it, or triggering it.
      const triggered = new Set([...resourcesOf(relay, "tls_private_key")].flatMap((k) => k.body.lifecycle?.replace_triggered_by ?? []));
      for (const s of versionedBy) expect(statics[s].lifecycle?.replace_triggered_by?.length > 0 || triggered.has(s)).toBe(true);
      // Audit: when, by which stack, which class; never a value.
      expect(Object.keys(kv.body.custom_metadata.data)).toEqual(expect.arrayContaining(["sovereign-mail.openova.io/generated-at", "sovereign-mail.openova.io/generated-by", "sovereign-mail.openova.io/credential"]));
      expect(kv.body.custom_metadata.data["sovereign-mail.openova.io/generated-by"]).toBe("fsn1-mail");
      expect(JSON.stringify(kv.body.custom_metadata)).not.toMatch(/\.result|private_key_pem|bcrypt/);
    }
  });

  it("keys generated values only on what is known at plan time, so a rotation replaces just the slot whose turn it is", () => {
    // An unknown keeper (a recreated time_rotating's `unix`, say) makes the provider replace the resource: both
    // slots of a password at once, the previous one included, and the overlap window would be empty.
    for (const stack of [...example.stacks.relays, ...example.stacks.tenants]) {
      const json = example.json[stack.stackName];
      const keyed = [...resourcesOf(json, "random_password").map((r) => r.body.keepers), ...resourcesOf(json, "time_static").map((r) => r.body.triggers)].filter(Boolean);
      expect(keyed.length).toBeGreaterThan(0);
      for (const keepers of keyed) for (const value of Object.values(keepers)) expect(applyTimeReferences(json, String(value))).toEqual([]);
    }
  });

  it("reads the stack's memory at plan time: the ConfigMap data source depends on nothing", () => {
    const remembering = ["fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex"];
    // Every mail stack remembers its bootstrap and its automation logins; some also their relay logins, DKIM slots.
    expect(Object.keys(example.json).filter((n) => example.json[n].data?.kubernetes_config_map_v1)).toEqual(remembering);
    for (const name of remembering) {
      const json = example.json[name];
      const [read] = Object.values(json.data.kubernetes_config_map_v1 as Record<string, { depends_on?: string[]; metadata: { name: string } }>);
      // A data source with depends_on is read at apply when a dependency changes: every decision would be unknown.
      expect(read.depends_on).toBeUndefined();
      const [write] = resourcesOf(json, "kubernetes_config_map_v1").filter((r) => r.body.metadata.name === read.metadata.name);
      const expected = { "fsn1-mail": ["dkim_slots", "submission_password_slots"], "fsn1-tenant-acme": ["dkim_slots"], "fsn1-tenant-globex": [] }[name]!;
      expect(Object.keys(write.body.data).sort()).toEqual(["admin_password_slots", "bootstrapped", ...expected].sort());
      // Written once the apply Job succeeded.
      expect(write.body.depends_on).toContainEqual(expect.stringMatching(/^kubernetes_job_v1\./));
    }
  });

  it("takes the period per class from the fleet; 0 turns automatic rotation off", () => {
    const { json } = synthFleetYaml(oneSovereignYaml("    credentials: {rotationDays: 90, overlapDays: 3, classes: {submission: {rotationDays: 30}, metrics: {rotationDays: 0}}}\n"));
    const stack = json["fsn1-mail"];
    const days = Object.fromEntries(resourcesOf(stack, "time_rotating").map((r) => [r.address.split(".")[1].split("_")[0], r.body.rotation_days]));
    expect(days).toEqual({ "rotation-admin": 90, "rotation-submission": 30 });
    const metrics = resourcesOf(stack, "random_password").find((r) => r.address.includes("metrics"))!;
    expect(metrics.body.keepers).toEqual({ generation: "${tostring(0)}" });
    expect(planText(stack)).toContain('"72h"');
  });
});

/** Resource attributes an expression depends on (through locals) that Terraform knows only after apply. */
function applyTimeReferences(json: TfJson, expression: string): string[] {
  const locals = [...expression.matchAll(/local\.([\w-]+)/g)].flatMap((m) => applyTimeReferences(json, String(json.locals[m[1]])));
  // A time_rotating's `rfc3339` is configured (the period's first day), hence known; every other attribute may not be.
  const attributes = [...expression.matchAll(/(?<![\w.-])[a-z]+_[a-z0-9_]+\.[\w-]+\.[a-z0-9_]+/g)].map((m) => m[0]).filter((a) => !/^time_rotating\.[\w-]+\.rfc3339$/.test(a));
  return [...locals, ...attributes];
}

const planText = (json: TfJson) => resourcesOf(json, "kubernetes_config_map_v1").find((r) => r.body.metadata.name === "stalwart-plan")!.body.data["plan.ndjson"] as string;

/** The plan's operations on `object` (values of every entry), Terraform expressions left as they are. */
function planEntries(json: TfJson, object: string): Record<string, Json>[] {
  return planText(json)
    .split("\n")
    .filter((l) => l.includes(`"object":"${object}"`))
    .flatMap((l) => Object.values(JSON.parse(neutralize(l)).value) as Record<string, Json>[]);
}

/** A plan line with each `${…}` made JSON-safe text `<…>` (a bare `${jsonencode(…)}` becomes a quoted string). */
function neutralize(line: string): string {
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== "$" || line[i + 1] !== "{" || line[i - 1] === "$") {
      out += line[i];
      continue;
    }
    let depth = 0;
    let quoted = false;
    let j = i + 1;
    for (; j < line.length; j++) {
      if (quoted) {
        if (line[j] === "\\") j++;
        else if (line[j] === '"') quoted = false;
      } else if (line[j] === '"') quoted = true;
      else if (line[j] === "{") depth++;
      else if (line[j] === "}" && --depth === 0) break;
    }
    const text = `<${line.slice(i + 2, j).replace(/\\"/g, "'").replace(/"/g, "'")}>`;
    out += line[i - 1] === '"' ? text : JSON.stringify(text);
    i = j;
  }
  return out;
}

/**
 * The first value of a memory (an HCL object of simple arithmetic on one generation local) evaluated for `g`, as
 * JavaScript: what a stack that remembers nothing yet (the first apply, or an upgrade) decides.
 */
function firstMemory(json: TfJson, key: string, g: number): Record<string, unknown> {
  const local = Object.entries(json.locals as Record<string, string>).find(([k]) => k.startsWith(`memory_${key}_last`))![1];
  const first = /, (\{ g = .* \})\)\}$/.exec(local)![1];
  const js = first
    .replace(/local\.rotation-\w+_generation_\w+/g, String(g))
    .replace(/element\(\["a", "b", "c"\], (.*?)\)(?=, |\s\})/g, '["a","b","c"][$1]')
    .replace(/floor\(/g, "Math.floor(")
    .replace(/plantimestamp\(\)/g, '"now"')
    .replace(/(\w+) = /g, "$1: ");
  return new Function(`return ${js}`)();
}

describe("zero-downtime rotation of the submission password", () => {
  it("logs in with two accounts in turn, each with one password: the current one never expires, the other at the end of the window", () => {
    const accounts = planEntries(relay, "Account");
    const group = accounts.find((a) => a["@type"] === "Group")!;
    expect(group).toMatchObject({ name: "noreply", domainId: "#domain" });
    const users = accounts.filter((a) => a["@type"] === "User" && String(a.name).startsWith("noreply-"));
    expect(users.map((u) => u.name)).toEqual(["noreply-a", "noreply-b"]);
    users.forEach((u, i) => {
      // Stalwart allows one Password per account and logs in with that one only.
      const credentials = Object.values(u.credentials) as Json[];
      expect(credentials).toHaveLength(1);
      expect(credentials[0].secret).toMatch(new RegExp(`^<random_password\\.submission-credential_password-${"ab"[i]}_\\w+\\.bcrypt_hash>$`));
      // null while current; while the other is current: the window's end, or at once when there is no previous one.
      expect(credentials[0].expiresAt).toMatch(/^<jsonencode\(!?\(local\.submission-credential_slots_\w+\.current == 'b'\) \? null : local\.submission-credential_slots_\w+\.previous \? timeadd\(.*'168h'\) : '1970-01-01T00:00:00Z'\)>$/);
      expect(u.memberGroupIds).toEqual({ "#sender": true });
    });
    // The earlier single account goes (its name is now the group's); a destroy filters on queryable fields only.
    const destroy = planText(relay).split("\n").filter(Boolean).map((l) => JSON.parse(neutralize(l))).find((op) => op["@type"] === "destroy");
    expect(destroy).toEqual({ "@type": "destroy", object: "Account", value: { name: "noreply", "@type": "User" } });
  });

  it("starts from the earlier layout, so an upgrade regenerates nothing and keeps the same login current", () => {
    for (let g = 0; g < 12; g++) {
      expect(firstMemory(relay, "submission_password_slots", g)).toEqual({ g, current: g % 2 === 1 ? "b" : "a", keeper_a: Math.floor(g / 2), keeper_b: Math.floor((g + 1) / 2), previous: false });
    }
  });
});

describe("DKIM key rotation (domains published by RFC 2136)", () => {
  const acme = example.json["fsn1-tenant-acme"];
  const reconcile = () => planText(acme).split("\n").find((l) => l.includes('"object":"DkimSignature"'))!;
  const signatures = () => planEntries(acme, "DkimSignature");

  it("makes each domain's signatures exactly this layout's with one reconcile scoped to the domain (no destroy on a field the server cannot filter)", () => {
    const op = JSON.parse(neutralize(reconcile()));
    expect(op).toMatchObject({ "@type": "reconcile", matchOn: ["domainId", "selector"], scope: { domainId: "#domain" } });
    expect(planText(acme)).not.toContain('"@type":"destroy","object":"DkimSignature"');
    expect(signatures().map((s) => s.selector)).toEqual(["sm-ed25519-a", "sm-ed25519-b", "sm-ed25519-c", "sm-rsa-a", "sm-rsa-b", "sm-rsa-c"]);
  });

  it("decides each slot's stage from the slot state (the stack's memory); a changed stage re-runs the apply Job", () => {
    for (const sig of signatures()) {
      const slot = /-([abc])$/.exec(sig.selector)![1];
      expect(sig.stage).toMatch(new RegExp(`^<\\(local\\.dkim_slots_\\w+\\.active == '${slot}'\\) \\? 'active' : \\(local\\.dkim_slots_\\w+\\.pending == '${slot}'\\) \\? 'pending' : 'retiring'>$`));
    }
    const job = resourcesOf(acme, "kubernetes_job_v1")[0].body;
    expect(job.spec.template.metadata.annotations["sovereign-mail.openova.io/plan-values"]).toMatch(/local\.dkim_slots_/);
    // Each slot's time_static (and so its keys) is keyed on that slot's keeper alone.
    for (const st of resourcesOf(acme, "time_static").filter((r) => /dkim_generated-[abc]_/.test(r.address))) {
      const slot = /generated-([abc])_/.exec(st.address)![1];
      expect(st.body.triggers.generation).toMatch(new RegExp(`^\\$\\{tostring\\(local\\.dkim_slots_\\w+\\.keeper_${slot}\\)\\}$`));
    }
  });

  it("starts from the earlier layout, so an upgrade re-keys nothing and the same key keeps signing", () => {
    for (let g = 0; g < 12; g++) {
      const first = firstMemory(acme, "dkim_slots", g);
      const keeper = (i: number) => g + 1 - ((g + 1 - i + 3) % 3);
      expect(first).toEqual({ g, active: "abc"[g % 3], pending: "abc"[(g + 1) % 3], retiring: "abc"[(g + 2) % 3], keeper_a: keeper(0), keeper_b: keeper(1), keeper_c: keeper(2), pending_since: "now" });
    }
  });

  it("publishes the record of every key Stalwart holds, and mounts each key's file from the OpenBao property of the same key", () => {
    const kv = resourcesOf(acme, "vault_kv_secret_v2").find((r) => r.body.name.endsWith("/dkim"))!.body;
    const es = resourcesOf(acme, "kubernetes_manifest").find((r) => r.body.manifest.metadata.name === "stalwart-dkim")!.body.manifest;
    const txt = Object.fromEntries(resourcesOf(acme, "dns_txt_record_set").map((r) => [r.body.name, r.body.txt.join("")]));
    const sigs = signatures();
    for (const sig of sigs) {
      const record = txt[`${sig.selector}._domainkey.acme`];
      const publicKey = /tls_private_key\.([\w-]+)\.public_key_pem/.exec(record)![1];
      const file = sig.privateKey.filePath.replace("/etc/stalwart/dkim/", "");
      const property = /^\{\{ \.(\w+) \}\}$/.exec(es.spec.target.template.data[file])![1];
      const privateKey = new RegExp(`"${property}" = tls_private_key\\.([\\w-]+)\\.private_key_pem`).exec(kv.data_json_wo)![1];
      expect(privateKey).toBe(publicKey);
      const [algorithm, slot] = [sig.selector.includes("ed25519") ? "ed25519" : "rsa", /-([abc])$/.exec(sig.selector)![1]];
      expect(publicKey).toMatch(new RegExp(`^dkim_${algorithm}-${slot}_`));
    }
    expect(Object.keys(txt).filter((n) => n.includes("._domainkey."))).toHaveLength(sigs.length);
  });

  it("rotates only domains this stack publishes; classes.dkim.rotationDays 0 keeps one key per algorithm", () => {
    const globex = example.json["fsn1-tenant-globex"];
    expect(resourcesOf(globex, "time_rotating").map((r) => r.address)).not.toContainEqual(expect.stringContaining("rotation-dkim"));
    expect(resourcesOf(globex, "tls_private_key")).toHaveLength(2);
    const published = "    dns: {rfc2136: {server: ns1.omantel.example.org, zone: omantel.example.org, keyName: sovereign-mail.}}\n";
    const rotated = synthFleetYaml(oneSovereignYaml(published)).json["fsn1-mail"];
    const fixed = synthFleetYaml(oneSovereignYaml(`${published}    credentials: {classes: {dkim: {rotationDays: 0}}}\n`)).json["fsn1-mail"];
    expect(resourcesOf(rotated, "tls_private_key")).toHaveLength(6);
    expect(resourcesOf(fixed, "tls_private_key")).toHaveLength(2);
    expect(resourcesOf(relay, "tls_private_key")).toHaveLength(6);
  });
});

describe("start gate", () => {
  it("holds every server until each credential Secret it reads at start carries the version this apply wrote", () => {
    for (const stack of [...example.stacks.relays, ...example.stacks.tenants]) {
      const json = example.json[stack.stackName];
      const sts = resourcesOf(json, "kubernetes_stateful_set_v1")[0].body;
      const gate = sts.spec.template.spec.init_container.find((c: { name: string }) => c.name === "credentials-current");
      const env = gate.env as { name: string; value?: string; value_from?: { secret_key_ref: { name: string; key: string } } }[];
      const current = env.filter((e) => e.name.startsWith("CURRENT_")).map((e) => e.value_from!.secret_key_ref);
      // (The recovery admin is no longer read at start outside a bootstrap, which renders it once.)
      expect(current.map((r) => r.name)).toEqual(["stalwart-metrics", "stalwart-dkim"]);
      expect(current.every((r) => r.key === "version")).toBe(true);
      // A generation time, or the newest of a rotating key set's.
      for (const e of env.filter((x) => x.name.startsWith("EXPECTED_"))) expect(e.value).toMatch(/^\$\{tostring\((time_static\.[^.]+\.unix|max\(time_static\.[^.]+\.unix(, time_static\.[^.]+\.unix)*\))\)\}$/);
      expect(gate.command.join(" ")).toMatch(/\[ "\$CURRENT_0" = "\$EXPECTED_0" \]/);
      // The apply Job runs after the gated rollout.
      const job = resourcesOf(json, "kubernetes_job_v1")[0].body;
      expect(job.depends_on).toContain(resourcesOf(json, "kubernetes_stateful_set_v1")[0].address);
    }
  });
});

describe("npm run credentials:reset", () => {
  const run = (...argv: string[]) => {
    let out = "";
    let err = "";
    const ran: string[][] = [];
    const code = runCredentialsReset(argv, (t) => (out += t), (t) => (err += t), (c) => ran.push([...c]));
    return { code, out, err, ran };
  };

  it("prints the exact replacement of every slot, and runs it unless --dry-run", () => {
    // Every slot and its generation time: -replace can drop what replace_triggered_by implies (terraform issue 37831).
    const slots = [...resourcesOf(relay, "random_password"), ...resourcesOf(relay, "time_static")].filter((r) => r.address.includes("submission-credential")).map((r) => r.address);
    expect(slots).toHaveLength(4);
    const dry = run("fsn1-mail", "submission", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.ran).toEqual([]);
    // Absolute paths and the cluster's context: pasted anywhere, the commands act on this fleet and cluster.
    const out = resolve("cdktf.out");
    expect(dry.out).toContain(`terraform -chdir=${out}/stacks/fsn1-mail apply ${slots.map((a) => `-replace=${a}`).join(" ")}\n`);
    expect(dry.out).toContain(`node ${join(ROOT, "dist", "main.js")} --fleet ${join(ROOT, "examples", "fleet.yaml")} --out ${out}\n`);
    expect(dry.out).toContain("ExternalSecret catalyst-system/sovereign-smtp-credentials: Ready, and its Secret's annotation sovereign-mail.openova.io/generated-at updated: kubectl --context fsn1-admin -n catalyst-system get externalsecret sovereign-smtp-credentials");
    expect(dry.out).toContain("env BAO_ADDR=https://bao.omantel.example.org bao kv metadata get -mount=secret sovereign/omantel.example.org/stalwart/relay/submission");
    const wet = run("fsn1-mail", "submission", "--terraform", "tofu");
    expect(wet.ran).toEqual([
      ["node", join(ROOT, "dist", "main.js"), "--fleet", join(ROOT, "examples", "fleet.yaml"), "--out", out],
      ["tofu", `-chdir=${out}/stacks/fsn1-mail`, "init", "-input=false"],
      ["tofu", `-chdir=${out}/stacks/fsn1-mail`, "apply", ...slots.map((a) => `-replace=${a}`)],
    ]);
    const dkim = run("fsn1-tenant-globex", "dkim", "--dry-run");
    expect(dkim.out).toMatch(/-replace=tls_private_key\.dkim_ed25519_\w+ -replace=tls_private_key\.dkim_rsa_\w+/);
    // A BYO domain publishes the filled-in records (dns:records only has placeholders for keys made at apply).
    expect(dkim.out).toContain(`publish the filled-in records now: terraform -chdir=${out}/stacks/fsn1-tenant-globex output -raw dns_zone_file.`);
    // A rotating key set: every slot's keys and generation times, so no old key survives.
    const rotating = run("fsn1-tenant-acme", "dkim", "--dry-run").out.split("\n").find((l) => l.startsWith("terraform ") && l.includes(" apply "))!;
    const replaced = [...rotating.matchAll(/-replace=(\S+)/g)].map((m) => m[1]).sort();
    const expected = [...resourcesOf(example.json["fsn1-tenant-acme"], "tls_private_key"), ...resourcesOf(example.json["fsn1-tenant-acme"], "time_static").filter((r) => r.address.includes("dkim_generated"))].map((r) => r.address).sort();
    expect(replaced).toEqual(expected);
    expect(replaced).toHaveLength(9);
    // The automation identity: the Job logs in with it, so the reset goes through the bootstrap path once.
    const automation = run("fsn1-tenant-acme", "automation", "--dry-run").out;
    expect(automation).toContain(`kubectl --context fsn1-admin -n org-acme patch configmap sovereign-mail-memory --type json -p '[{"op":"remove","path":"/data/bootstrapped"}]'\n`);
    expect(automation).toMatch(/apply -replace=random_password\.automation-credential_password-a_\w+ -replace=random_password\.automation-credential_password-b_\w+ -replace=time_static\.automation-credential_generated-a_\w+ -replace=time_static\.automation-credential_generated-b_\w+\n/);
    // "admin" is the break-glass recovery admin, not the automation identity.
    expect(run("fsn1-mail", "admin", "--dry-run").out).toMatch(/-replace=random_password\.recovery-admin_password_\w+ -replace=time_static\.recovery-admin_generated_\w+\n/);
  });

  it("refuses unknown stacks and credentials, running nothing", () => {
    expect(run("fsn1-mail", "bogus")).toMatchObject({ code: 2, ran: [] });
    expect(run("fsn1-mail", "oidc")).toMatchObject({ code: 1, ran: [], err: expect.stringContaining('generates no "oidc" credential') });
    expect(run("nope-mail", "admin")).toMatchObject({ code: 1, ran: [], err: expect.stringContaining('no mail stack "nope-mail"') });
    expect(run("fsn1-mail")).toMatchObject({ code: 2, ran: [] });
  });
});

describe("no secret value anywhere", () => {
  it.each(allStacks(example.stacks).map((s) => s.stackName))("%s: generated values only reach write-only OpenBao arguments and bcrypt hashes in the plan", (name) => {
    const json = example.json[name];
    expect(secretLiteralProblems(json)).toEqual([]);
    for (const [type, resources] of Object.entries(json.resource ?? {})) {
      for (const [id, body] of Object.entries(resources as Record<string, unknown>)) {
        const text = JSON.stringify(body);
        if (/random_password\.[\w-]+\.result|private_key_pem/.test(text)) expect([type, Object.keys(body as object).filter((k) => /random_password\.[\w-]+\.result|private_key_pem/.test(JSON.stringify((body as Record<string, unknown>)[k])))]).toEqual(["vault_kv_secret_v2", ["data_json_wo"]]);
        expect(id).toBeDefined();
      }
    }
    expect(JSON.stringify(json.output ?? {})).not.toMatch(/random_password\.[\w-]+\.result|private_key_pem/);
  });
});
