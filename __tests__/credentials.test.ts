import fc from "fast-check";
import { runCredentialsReset } from "../bin/credentials-reset";
import { epochDayExpression } from "../constructs/credentials/rotation";
import { renderTemplate, splitConditional } from "./helpers/terraform-template";
import { secretLiteralProblems } from "./helpers/semantic";
import { allStacks, oneSovereignYaml, synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf, type TfJson } from "./helpers/terraform-json";

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

  it("keys every password on its class's time_rotating and versions the write-only value by generation time", () => {
    const periods = Object.fromEntries(resourcesOf(relay, "time_rotating").map((r) => [r.address, r.body]));
    for (const body of Object.values(periods)) {
      expect(body.rotation_days).toBe(180);
      // The period's first day: floor(day / 180) periods after 1970-01-01.
      expect(body.rfc3339).toBe('${timeadd("1970-01-01T00:00:00Z", format("%dh", (floor((local.credential_epoch_day / 180)) * 4320)))}');
    }
    expect(relay.locals.credential_epoch_day).toBe(`\${${epochDayExpression()}}`);
    for (const p of resourcesOf(relay, "random_password")) {
      // keeper → generation local → the period's base: floor(epoch day of the base / 180).
      const generation = /local\.([\w-]+_generation_\w+)/.exec(p.body.keepers.generation)![1];
      const period = /time_rotating\.[\w-]+(?=\.rfc3339)/.exec(relay.locals[generation])![0];
      expect(periods[period]).toBeDefined();
      expect(relay.locals[generation]).toBe(`\${floor((${epochDayExpression(`${period}.rfc3339`)}) / 180)}`);
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

/** The noreply account's credentials as Stalwart receives them, with the overlap window open or closed. */
function submissionCredentials(json: TfJson, windowOpen: boolean): Record<string, Record<string, string>> {
  const text = renderTemplate(planText(json), function evaluate(expr): string {
    const choice = splitConditional(expr);
    if (choice && /^\(timecmp\(plantimestamp\(\), /.test(choice.condition)) return renderTemplate(windowOpen ? choice.whenTrue : choice.whenFalse, evaluate);
    return `<${expr.replace(/"/g, "'")}>`;
  });
  const account = text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((op) => op.object === "Account");
  return account.value.noreply.credentials;
}

describe("zero-downtime rotation of the submission password", () => {
  it("keeps the previous password valid, with an expiry, only during the overlap window", () => {
    const open = submissionCredentials(relay, true);
    expect(Object.keys(open)).toEqual(["0", "1"]);
    expect(open["0"].expiresAt).toBeUndefined();
    // The previous slot's hash, expiring 7 days after the current password was generated.
    expect(open["1"].secret).toMatch(/password-a[^.]*\.bcrypt_hash : random_password\.submission-credential_password-b/);
    expect(open["0"].secret).toMatch(/password-b[^.]*\.bcrypt_hash : random_password\.submission-credential_password-a/);
    expect(open["1"].expiresAt).toMatch(/^<timeadd\(.*generated-b[^.]*\.rfc3339 : time_static\.submission-credential_generated-a[^.]*\.rfc3339, '168h'\)>$/);
    const closed = submissionCredentials(relay, false);
    expect(closed).toEqual({ "0": open["0"] });
  });

  it("alternates two slots: each regenerates every second period, the current one is the newer", () => {
    const slots = Object.fromEntries(resourcesOf(relay, "random_password").filter((r) => r.address.includes("submission")).map((r) => [r.address.includes("password-a") ? "a" : "b", r.body.keepers.generation]));
    expect(slots.a).toMatch(/^\$\{tostring\(floor\(\(local\.rotation-submission_generation_\w+ \/ 2\)\)\)\}$/);
    expect(slots.b).toMatch(/^\$\{tostring\(floor\(\(\(local\.rotation-submission_generation_\w+ \+ 1\) \/ 2\)\)\)\}$/);
    // Generation g: slot a keeps floor(g/2), slot b floor((g+1)/2); exactly one of them changes per period.
    for (let g = 0; g < 20; g++) {
      const changed = [Math.floor((g + 1) / 2) !== Math.floor(g / 2), Math.floor((g + 2) / 2) !== Math.floor((g + 1) / 2)];
      expect(changed.filter(Boolean)).toHaveLength(1);
      // The slot that changed at g+1 is the one the plan calls current (b for odd generations).
      expect(changed[0] ? "a" : "b").toBe((g + 1) % 2 === 1 ? "b" : "a");
    }
  });
});

/** The DKIM key slots of a stack as Terraform will evaluate them: keepers, stages and published records. */
function dkimSlots(json: TfJson) {
  const generationLocal = Object.keys(json.locals).find((k) => k.startsWith("rotation-dkim_generation_"))!;
  // Terraform arithmetic on the generation, as JavaScript (non-negative operands: `%` and `floor` agree).
  const evaluate = (expr: string, g: number): number =>
    new Function(`return ${expr.replace(/^\$\{|\}$/g, "").replace(/tostring\(/g, "String(").replace(new RegExp(`local\\.${generationLocal}`, "g"), String(g))}`)();
  const statics = resourcesOf(json, "time_static").filter((r) => /dkim_generated-[abc]_/.test(r.address));
  const keepers = Object.fromEntries(statics.map((r) => [/generated-([abc])_/.exec(r.address)![1], (g: number) => Number(evaluate(r.body.triggers.generation, g))]));
  const ops = planText(json)
    .split("\n")
    .filter((l) => l.includes('"DkimSignature"') && l.includes('"upsert"'))
    .map((l) => {
      const body = Object.values(JSON.parse(l.replace(/"stage":"\$\{(\{[^}]*\})\[local\.([\w-]+)\]\}"/, '"stage":{"table":$1,"key":"$2"}').replace(/" = "/g, '":"')).value)[0] as {
        selector: string;
        privateKey: { filePath: string };
        stage: { table: Record<string, string>; key: string };
      };
      return { ...body, slot: /-([abc])$/.exec(body.selector)![1], algorithm: body.selector.includes("ed25519") ? "ed25519" : "rsa" };
    });
  return { generationLocal, keepers, ops, stageAt: (op: (typeof ops)[number], g: number, currentPublished: boolean) => op.stage.table[`${g % 3}-${currentPublished}`] };
}

describe("DKIM key rotation (domains published by RFC 2136)", () => {
  const acme = example.json["fsn1-tenant-acme"];
  const { generationLocal, keepers, ops, stageAt } = dkimSlots(acme);

  it("decides each key's stage from the generation and whether the current key's record has had an hour to spread", () => {
    expect(Object.keys(keepers).sort()).toEqual(["a", "b", "c"]);
    expect(ops).toHaveLength(6);
    const stageKey = ops[0].stage.key;
    expect(ops.every((o) => o.stage.key === stageKey)).toBe(true);
    expect(acme.locals[stageKey]).toMatch(new RegExp(`^\\$\\{format\\("%d-%t", \\(local\\.${generationLocal} % 3\\), \\(timecmp\\(timeadd\\(element\\(\\[time_static\\.dkim_generated-a_\\w+\\.rfc3339, time_static\\.dkim_generated-b_\\w+\\.rfc3339, time_static\\.dkim_generated-c_\\w+\\.rfc3339\\], \\(local\\.${generationLocal} % 3\\)\\), "3600s"\\), plantimestamp\\(\\)\\) == -1\\)\\)\\}$`));
    // A changed stage changes the plan's values, so the apply Job runs again.
    const job = resourcesOf(acme, "kubernetes_job_v1")[0].body;
    expect(job.spec.template.metadata.annotations["sovereign-mail.openova.io/plan-values"]).toContain(`local.${stageKey}`);
  });

  it("with one apply per period: regenerates one slot, signs with the key published a period earlier, keeps the previous one published", () => {
    const g0 = 115;
    let previous = { keepers: Object.fromEntries(Object.entries(keepers).map(([s, k]) => [s, k(g0)])), active: new Map<string, string>(), pending: new Map<string, string>() };
    for (let g = g0; g < g0 + 40; g++) {
      const now = Object.fromEntries(Object.entries(keepers).map(([s, k]) => [s, k(g)]));
      const regenerated = Object.keys(now).filter((s) => now[s] !== previous.keepers[s]);
      // Each slot holds one of the generations g−1, g, g+1.
      expect(Object.values(now).sort((x, y) => x - y)).toEqual([g - 1, g, g + 1]);
      const stages = ops.map((o) => ({ ...o, stage: stageAt(o, g, true) }));
      const active = new Map<string, string>();
      const pending = new Map<string, string>();
      for (const algorithm of ["ed25519", "rsa"]) {
        const mine = stages.filter((o) => o.algorithm === algorithm);
        expect(mine.map((o) => o.stage).sort()).toEqual(["active", "pending", "retiring"]);
        active.set(algorithm, mine.find((o) => o.stage === "active")!.slot);
        pending.set(algorithm, mine.find((o) => o.stage === "pending")!.slot);
        // The newest key is the pending one: regenerated now, signing next period.
        if (g > g0) expect(regenerated).toEqual([pending.get(algorithm)]);
        if (g > g0) {
          // It was pending (published, same generation) through the whole previous period, and nothing replaced it.
          expect(active.get(algorithm)).toBe(previous.pending.get(algorithm));
          expect(regenerated).not.toContain(active.get(algorithm));
          // The key that signed until now stays published, retiring.
          expect(mine.find((o) => o.slot === previous.active.get(algorithm))!.stage).toBe("retiring");
        }
      }
      previous = { keepers: now, active, pending };
    }
  });

  it("after a period without an apply, or on the first apply, signs with a key that was not generated just now when there is one", () => {
    const g = 120;
    const before = Object.fromEntries(Object.entries(keepers).map(([s, k]) => [s, k(g - 2)]));
    const after = Object.fromEntries(Object.entries(keepers).map(([s, k]) => [s, k(g)]));
    const regenerated = Object.keys(after).filter((s) => after[s] !== before[s]);
    expect(regenerated).toHaveLength(2);
    // The current generation's key was generated by this apply: its record has not spread, so it is not signing yet.
    expect(regenerated).toContain("abc"[g % 3]);
    for (const algorithm of ["ed25519", "rsa"]) {
      const mine = ops.filter((o) => o.algorithm === algorithm).map((o) => ({ slot: o.slot, stage: stageAt(o, g, false) }));
      expect(mine.filter((o) => o.stage === "active")).toHaveLength(1);
      const active = mine.find((o) => o.stage === "active")!.slot;
      expect(regenerated).not.toContain(active);
      expect(mine.filter((o) => o.stage === "retiring")).toHaveLength(0);
    }
  });

  it("publishes the record of every key Stalwart holds, and mounts each key's file from the OpenBao property of the same key", () => {
    const kv = resourcesOf(acme, "vault_kv_secret_v2").find((r) => r.body.name.endsWith("/dkim"))!.body;
    const es = resourcesOf(acme, "kubernetes_manifest").find((r) => r.body.manifest.metadata.name === "stalwart-dkim")!.body.manifest;
    const txt = Object.fromEntries(resourcesOf(acme, "dns_txt_record_set").map((r) => [r.body.name, r.body.txt.join("")]));
    for (const op of ops) {
      const record = txt[`${op.selector}._domainkey.acme`];
      const publicKey = /tls_private_key\.([\w-]+)\.public_key_pem/.exec(record)![1];
      const file = op.privateKey.filePath.replace("/etc/stalwart/dkim/", "");
      const property = /^\{\{ \.(\w+) \}\}$/.exec(es.spec.target.template.data[file])![1];
      const privateKey = new RegExp(`"${property}" = tls_private_key\\.([\\w-]+)\\.private_key_pem`).exec(kv.data_json_wo)![1];
      expect(privateKey).toBe(publicKey);
      expect(publicKey).toMatch(new RegExp(`^dkim_${op.algorithm}-${op.slot}_`));
    }
    expect(Object.keys(txt).filter((n) => n.includes("._domainkey."))).toHaveLength(ops.length);
  });

  it("removes the keys of the other layout, whose files are no longer mounted (a domain that starts or stops rotating)", () => {
    const destroyed = (name: string) =>
      example.stacks.tenants
        .find((t) => t.stackName === name)!
        .mail.plan.operations.filter((o) => o["@type"] === "destroy" && o.object === "DkimSignature")
        .map((o) => o.value.selector);
    expect(destroyed("fsn1-tenant-acme")).toEqual(["sm-ed25519", "sm-rsa"]);
    expect(destroyed("fsn1-tenant-globex")).toEqual(["sm-ed25519-a", "sm-ed25519-b", "sm-ed25519-c", "sm-rsa-a", "sm-rsa-b", "sm-rsa-c"]);
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
      const [gate] = sts.spec.template.spec.init_container;
      const env = gate.env as { name: string; value?: string; value_from?: { secret_key_ref: { name: string; key: string } } }[];
      const current = env.filter((e) => e.name.startsWith("CURRENT_")).map((e) => e.value_from!.secret_key_ref);
      expect(current.map((r) => r.name)).toEqual(["stalwart-recovery-admin", "stalwart-metrics", "stalwart-dkim"]);
      expect(current.every((r) => r.key === "version")).toBe(true);
      // A generation time, or the newest of a rotating key set's.
      for (const e of env.filter((x) => x.name.startsWith("EXPECTED_"))) expect(e.value).toMatch(/^\$\{tostring\((time_static\.[^.]+\.unix|max\(time_static\.[^.]+\.unix(, time_static\.[^.]+\.unix)*\))\)\}$/);
      expect(gate.command.join(" ")).toMatch(/\[ "\$CURRENT_0" = "\$EXPECTED_0" \]/);
      // The apply Job authenticates with the same Secret, after the gated rollout.
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
    const slots = resourcesOf(relay, "random_password").filter((r) => r.address.includes("submission")).map((r) => r.address);
    const dry = run("fsn1-mail", "submission", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.ran).toEqual([]);
    expect(dry.out).toContain(`terraform -chdir=cdktf.out/stacks/fsn1-mail apply ${slots.map((a) => `-replace=${a}`).join(" ")}\n`);
    expect(dry.out).toContain("node dist/main.js\n");
    expect(dry.out).toContain("ExternalSecret catalyst-system/sovereign-smtp-credentials: Ready");
    expect(dry.out).toContain("bao kv metadata get sovereign/omantel.example.org/stalwart/relay/submission");
    const wet = run("fsn1-mail", "submission", "--terraform", "tofu");
    expect(wet.ran).toEqual([
      ["node", "dist/main.js"],
      ["tofu", "-chdir=cdktf.out/stacks/fsn1-mail", "init", "-input=false"],
      ["tofu", "-chdir=cdktf.out/stacks/fsn1-mail", "apply", ...slots.map((a) => `-replace=${a}`)],
    ]);
    const dkim = run("fsn1-tenant-globex", "dkim", "--dry-run");
    expect(dkim.out).toMatch(/-replace=tls_private_key\.dkim_ed25519_\w+ -replace=tls_private_key\.dkim_rsa_\w+/);
    expect(dkim.out).toContain("npm run dns:records -- fsn1-tenant-globex");
    // A rotating key set: every slot's keys and generation times, so no old key survives.
    const rotating = run("fsn1-tenant-acme", "dkim", "--dry-run").out.split("\n").find((l) => l.startsWith("terraform ") && l.includes(" apply "))!;
    const replaced = [...rotating.matchAll(/-replace=(\S+)/g)].map((m) => m[1]).sort();
    const expected = [...resourcesOf(example.json["fsn1-tenant-acme"], "tls_private_key"), ...resourcesOf(example.json["fsn1-tenant-acme"], "time_static").filter((r) => r.address.includes("dkim_generated"))].map((r) => r.address).sort();
    expect(replaced).toEqual(expected);
    expect(replaced).toHaveLength(9);
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
