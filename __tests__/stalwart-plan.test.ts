import { renderForTerraform } from "../constructs/stalwart/plan-terraform";
import fc from "fast-check";
import { renderTemplate, splitConditional } from "./helpers/terraform-template";
import { expression, orderedList, quoted, ref, secretFromEnv, secretFromFile, setOf } from "../stalwart/encoding";
import { collectRefs, ConfigPlan, parsePlan, type PlanOperation } from "../stalwart/plan";
import { findRegistrySchema, RegistryValidator } from "../stalwart/registry-schema";
import { buildServerPlan } from "../stalwart/server-plan";
import { LISTENERS, resolveListeners } from "../stalwart/listeners";
import { escapeTemplate } from "../constructs/terraform/escape";
import { synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf } from "./helpers/terraform-json";
import { podWorkloads } from "./helpers/workloads";

const schema = findRegistrySchema();
const validator = schema ? new RegistryValidator(schema) : undefined;
const example = synthExample();
const stacks = [...example.stacks.relays, ...example.stacks.tenants];

/** Every operation of a plan, validated against the upstream registry schema. */
/** The plan text as synthesized into the stack's `stalwart-plan` ConfigMap. */
const planConfigMapText = (stackName: string): string =>
  resourcesOf(example.json[stackName], "kubernetes_config_map_v1").find((r) => r.body.metadata.name === "stalwart-plan")!.body.data["plan.ndjson"];

const conformanceProblems = (ops: readonly PlanOperation[]) => ops.flatMap((op) => validator!.validateOperation(op));

describe("upstream registry schema", () => {
  if (!validator) {
    // Loud, never silent: CI must have ../shared; a developer clone without it is told what it misses.
    const message = "stalwart-registry-schema.json.gz not found (expected in ../shared/reference or $STALWART_REGISTRY_SCHEMA): conformance NOT checked";
    process.stderr.write(`\n*** ${message} ***\n\n`);
    (process.env.CI ? it : it.skip)(`is present (${message})`, () => {
      throw new Error(message);
    });
    return;
  }

  it.each(stacks.map((s) => s.stackName))("%s: every rendered object conforms", (name) => {
    const stack = stacks.find((s) => s.stackName === name)!;
    // Every value a Terraform choice can take (DKIM stages) is checked, not its placeholder.
    expect(stack.mail.plan.variants.flatMap(conformanceProblems)).toEqual([]);
  });

  it("every object type of the model conforms, with every optional feature on", () => {
    const plan = buildServerPlan({
      domain: "example.org",
      hostname: "mail.example.org",
      listeners: resolveListeners(["smtp", "submission", "submissions", "imap", "imaps", "sieve", "https"]),
      tls: { certificateFile: "/etc/stalwart/tls/tls.crt", privateKeyFile: "/etc/stalwart/tls/tls.key" },
      smartHost: { address: "smtp.relay.example.net", port: 465, implicitTls: true, username: "sovereign", passwordEnv: "RELAY_PASSWORD" },
      spamFilter: false,
    });
    plan
      .upsert("Directory", "keycloak", ["description"], {
        "@type": "Oidc",
        description: "Keycloak realm org-acme",
        issuerUrl: "https://keycloak.example.org/realms/org-acme",
        requireAudience: "stalwart",
        requireScopes: setOf(["openid", "email", "profile", "groups"]),
        claimUsername: "preferred_username",
        usernameDomain: "example.org",
        claimName: "name",
        claimGroups: "groups",
      })
      .update("Authentication", { directoryId: ref("keycloak") })
      .upsert("Account", "noreply", ["name", "domainId"], {
        "@type": "User",
        name: "noreply",
        domainId: ref("domain"),
        description: "System mail sender",
        credentials: orderedList([{ "@type": "Password", secret: "$2b$12$abcdefghijklmnopqrstuuMLhMl3HfZ5w8bM0c0qfS2T9i/2SX5Ku" }]),
        aliases: orderedList([{ name: "pin", domainId: ref("domain"), enabled: true }]),
        roles: { "@type": "User" },
      })
      .upsert("DkimSignature", "dkim-ed25519", ["selector"], {
        "@type": "Dkim1Ed25519Sha256",
        domainId: ref("domain"),
        selector: "ed1",
        privateKey: secretFromFile("/etc/stalwart/dkim/ed25519.pem"),
        canonicalization: "relaxed/relaxed",
        headers: setOf(["From", "To", "Date", "Subject", "Message-ID"]),
        report: true,
        stage: "active",
      })
      .upsert("DkimSignature", "dkim-rsa", ["selector"], {
        "@type": "Dkim1RsaSha256",
        domainId: ref("domain"),
        selector: "rsa1",
        privateKey: secretFromEnv("DKIM_RSA_KEY"),
      });
    const objects = new Set(plan.operations.map((o) => o.object));
    expect([...objects].sort()).toEqual(
      ["Account", "Authentication", "Certificate", "Directory", "DkimSignature", "Domain", "Metrics", "MtaOutboundStrategy", "MtaRoute", "MtaStageAuth", "NetworkListener", "SpamSettings", "SystemSettings", "Tracer"],
    );
    expect(conformanceProblems(plan.operations)).toEqual([]);
  });

  it("plans of generated fleets conform", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(
      fc.property(label, fc.uniqueArray(label, { minLength: 1, maxLength: 3 }), fc.boolean(), (sov, ids, byo) => {
        const tenants = ids
          .map((id) => `      - {id: ${id}, domain: ${byo ? `{mode: byo, name: ${id}.customer.example}` : "{mode: free-subdomain}"}}`)
          .join("\n");
        const yaml = `version: 1\nsovereigns:\n  - name: ${sov}\n    fqdn: ${sov}.example.org\n    cluster: {context: c}\n    openbao: {address: \"https://bao.example.org\"}\n    tenants:\n${tenants}\n`;
        const { stacks: generated } = synthFleetYaml(yaml);
        for (const s of [...generated.relays, ...generated.tenants]) expect(conformanceProblems(s.mail.plan.operations)).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });

  describe("the validator rejects what Stalwart would reject", () => {
    const check = (op: PlanOperation) => validator!.validateOperation(op);
    const domain = (body: Record<string, unknown>): PlanOperation => ({ "@type": "upsert", object: "Domain", matchOn: ["name"], value: { d: { name: "example.org", ...body } } });

    it.each([
      ["an unknown property", domain({ colour: "blue" }), /unknown property of x:Domain/],
      ["a server-set property", domain({ dnsZoneFile: "x" }), /set by the server/],
      ["an enterprise property", domain({ logo: "x" }), /enterprise-only/],
      ["an unknown variant", domain({ dkimManagement: { "@type": "Sometimes" } }), /"@type" must be one of Automatic, Manual/],
      ["properties on a marker variant", domain({ dnsManagement: { "@type": "Manual", provider: "x" } }), /variant Manual has no properties/],
      ["a set encoded as a list", domain({ aliases: ["a.example.org"] }), /a set is encoded as/],
      ["a wrong value type", domain({ isEnabled: "yes" }), /expected a boolean/],
    ])("%s", (_what, op, message) => {
      expect(check(op)).toEqual([expect.stringMatching(message)]);
    });

    it("enum names, list encodings and number formats", () => {
      expect(check({ "@type": "upsert", object: "Tracer", matchOn: ["@type"], value: { t: { "@type": "Stdout", level: "verbose" } } })).toEqual([
        expect.stringMatching(/"verbose" is not one of enum TracingLevel/),
      ]);
      expect(check({ "@type": "update", object: "MtaStageAuth", value: { mustMatchSender: { match: [{ if: "true", then: "true" }], else: "true" } } })).toEqual([
        expect.stringMatching(/a list is encoded as/),
      ]);
      expect(check({ "@type": "update", object: "Authentication", value: { passwordDefaultExpiry: 1.5 } })).toEqual([expect.stringMatching(/whole number/)]);
      expect(check({ "@type": "upsert", object: "NetworkListener", matchOn: ["name"], value: { l: { name: "x", bind: { "*:25": true }, protocol: "smtp" } } })).toEqual([
        expect.stringMatching(/not a socket address/),
      ]);
    });

    it("object kinds and operation types", () => {
      expect(check({ "@type": "update", object: "Domain" as never, value: {} })).toEqual([expect.stringMatching(/needs a singleton/)]);
      expect(check({ "@type": "upsert", object: "SystemSettings" as never, matchOn: [], value: { s: {} } })).toEqual([expect.stringMatching(/singletons take "update"/)]);
      expect(check({ "@type": "upsert", object: "Mailbox" as never, matchOn: [], value: {} })).toEqual([expect.stringMatching(/unknown object/)]);
      // A destroy filter is a server query: only the object's queryable (indexed) properties (stalwart v0.16.18
      // crates/jmap/src/registry/query.rs); the schema's lists[].filters name them.
      expect(check({ "@type": "destroy", object: "DkimSignature", value: { domainId: "x" } })).toEqual([]);
      expect(check({ "@type": "destroy", object: "DkimSignature", value: { selector: "old" } })).toEqual([expect.stringMatching(/cannot filter on selector \(queryable: domainId, memberTenantId\)/)]);
      expect(check({ "@type": "destroy", object: "DkimSignature", value: { selectr: "old" } })).toEqual([expect.stringMatching(/destroy filter: unknown property selectr/)]);
      expect(check({ "@type": "destroy", object: "Account", value: { name: "noreply", "@type": "User" } })).toEqual([]);
      expect(check({ "@type": "destroy", object: "Tracer" as never, value: { "@type": "Log" } })).toEqual([expect.stringMatching(/cannot filter on @type \(queryable: nothing\)/)]);
      // create is for actions only; actions cannot be matched.
      expect(check({ "@type": "create", object: "Action", value: { r: { "@type": "ReloadSettings" } } })).toEqual([]);
      expect(check({ "@type": "create", object: "Domain" as never, value: { d: { name: "x.org" } } })).toEqual([expect.stringMatching(/"create" is for Action only/)]);
      expect(check({ "@type": "upsert", object: "Action" as never, matchOn: ["@type"], value: { r: { "@type": "ReloadSettings" } } })).toEqual([expect.stringMatching(/Actions cannot be queried/)]);
      // A reconcile scope names properties of the object.
      expect(check({ "@type": "reconcile", object: "DkimSignature", matchOn: ["selector"], scope: { domainIdd: "#d" }, value: {} })).toEqual([expect.stringMatching(/scope: unknown property domainIdd/)]);
    });

    it("checks every candidate of a Terraform choice, not its placeholder", () => {
      const plan = new ConfigPlan().upsert("Domain", "domain", ["name"], { name: "example.org" });
      const stage = plan.terraformChoice("${local.stage}", ["pending", "active", "bogus" as "active"]);
      plan.upsert("DkimSignature", "dkim", ["selector"], { "@type": "Dkim1Ed25519Sha256", domainId: ref("domain"), selector: "s", privateKey: secretFromFile("/k.pem"), stage });
      expect(plan.render()).toContain('"stage":"{{terraform:0}}"');
      expect(renderForTerraform(plan)).toContain('"stage":"${local.stage}"');
      const stages = plan.variants.map((ops) => (Object.values(ops[1].value)[0] as { stage: string }).stage);
      expect(stages).toEqual(["pending", "active", "bogus"]);
      expect(plan.variants.flatMap((ops) => ops.flatMap(check))).toEqual([expect.stringMatching(/"bogus" is not one of enum DkimRotationStage/)]);
    });
  });
});

describe("configuration plans", () => {
  const synthAgain = synthExample();

  it.each(stacks.map((s) => s.stackName))("%s: snapshot", (name) => {
    expect(stacks.find((s) => s.stackName === name)!.mail.plan.render()).toMatchSnapshot();
  });

  it.each(stacks.map((s) => s.stackName))("%s: only matched operations (upsert, reconcile, update) and filtered destroys, every #ref resolves to an earlier operation, byte-identical re-render", (name) => {
    const stack = stacks.find((s) => s.stackName === name)!;
    const text = stack.mail.plan.render();
    const ops = parsePlan(text);
    expect([...new Set(ops.map((o) => o["@type"]))].sort()).toEqual(name === "fsn1-mail" ? ["destroy", "reconcile", "update", "upsert"] : ["reconcile", "update", "upsert"]);
    // Exactly these listeners, tracers and DKIM signatures: what first boot created and we do not want goes.
    expect(ops.filter((o) => o["@type"] === "reconcile").map((o) => o.object)).toEqual(["NetworkListener", "Tracer", "DkimSignature"]);
    // A destroy never removes what the plan upserts (the CLI runs destroys first).
    const upserted = ops.flatMap((o) => (o["@type"] === "upsert" || o["@type"] === "reconcile" ? Object.values(o.value) : [])) as Record<string, unknown>[];
    for (const d of ops.filter((o) => o["@type"] === "destroy")) {
      expect(Object.keys(d.value).length).toBeGreaterThan(0);
      expect(upserted.filter((u) => Object.entries(d.value).every(([k, v]) => u[k] === v))).toEqual([]);
    }
    const created = new Set<string>();
    for (const op of ops) {
      for (const r of collectRefs(op.value)) {
        if ((op["@type"] === "upsert" || op["@type"] === "reconcile") && Object.keys(op.value).includes(r)) continue;
        expect({ op: op.object, ref: r, resolved: created.has(r) }).toEqual({ op: op.object, ref: r, resolved: true });
      }
      if (op["@type"] === "reconcile") for (const r of collectRefs(op.scope)) expect(created.has(r)).toBe(true);
      if (op["@type"] === "upsert" || op["@type"] === "reconcile") Object.keys(op.value).forEach((id) => created.add(id));
    }
    const again = synthAgain.stacks.tenants.concat(synthAgain.stacks.relays).find((s) => s.stackName === name)!;
    expect(again.mail.plan.render()).toBe(text);
  });

  it.each(stacks.map((s) => s.stackName))("%s: no secret value in the plan, secrets only as env/file references or Terraform-held hashes", (name) => {
    const stack = stacks.find((s) => s.stackName === name)!;
    const plan = stack.mail.plan;
    const text = plan.render();
    // Inline credential secrets are placeholders for a Terraform-generated bcrypt hash, nothing else.
    const inline = [...text.matchAll(/"secret":"([^"]*)"/g)].map((m) => m[1]);
    for (const value of inline) expect(value).toMatch(/^\{\{terraform:\d+\}\}$/);
    // In the synthesized ConfigMap each placeholder became an expression over generated passwords' bcrypt hashes
    // (the previous password's only while its overlap window is open).
    const applied = renderTemplate(planConfigMapText(name), function evaluate(expr): string {
      const choice = splitConditional(expr);
      return choice && expr.includes("plantimestamp()") ? renderTemplate(choice.whenTrue, evaluate) : `<${expr}>`;
    });
    const secrets = [...applied.matchAll(/"secret":"([^"]*)"/g)].map((m) => m[1]);
    expect(secrets).toHaveLength(inline.length);
    for (const value of secrets) {
      expect(value).toMatch(/^<.*\.bcrypt_hash.*>$/);
      expect(value.match(/\b[a-z_]+\.[\w-]+\.(result|bcrypt_hash)\b/g)!.every((r) => /^random_password\.[\w-]+\.bcrypt_hash$/.test(r))).toBe(true);
    }
    expect(renderForTerraform(plan)).not.toMatch(/\{\{terraform:/);
    // Every secret-bearing property holds a reference: an environment variable or a mounted file, never a value.
    const secretSources: string[] = [];
    const walk = (v: unknown, key = ""): void => {
      if (!v || typeof v !== "object") return;
      if (["authSecret", "privateKey", "certificate"].includes(key) && "@type" in (v as object)) secretSources.push((v as { "@type": string })["@type"]);
      for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    parsePlan(text).forEach((op) => walk(op.value));
    expect(secretSources.length).toBeGreaterThan(0);
    for (const source of secretSources) expect(["EnvironmentVariable", "File"]).toContain(source);
  });

  it("declares exactly the listeners the Kubernetes ports and Services use", () => {
    for (const s of stacks) {
      const listenerOps = s.mail.plan.operations.filter((o) => o.object === "NetworkListener");
      expect(listenerOps).toHaveLength(1);
      const planned = (Object.values(listenerOps[0].value) as { name: string; bind: Record<string, true> }[]).sort(byPort);
      const json = example.json[s.stackName];
      const [server] = podWorkloads(json);
      expect(planned.map((l) => [l.name, Number(Object.keys(l.bind)[0].split(":").pop())])).toEqual(server.ports.map((p) => [p.name, p.port]).sort((a, b) => Number(a[1]) - Number(b[1])));
    }
    // 587 and 143 are not created by a fresh v0.16 database: tenant plans must create them.
    for (const s of example.stacks.tenants) {
      const names = s.mail.plan.operations.filter((o) => o.object === "NetworkListener").flatMap((o) => Object.keys(o.value));
      expect(names).toEqual(expect.arrayContaining(["listener-submission", "listener-imap"]));
    }
    expect(LISTENERS.submission.createdByDefault || LISTENERS.imap.createdByDefault).toBe(false);
  });

  it("sets the EHLO name to the mail host and the default domain to the mail domain", () => {
    for (const s of stacks) {
      const settings = s.mail.plan.operations.find((o) => o.object === "SystemSettings")!.value as Record<string, string>;
      const domain = s.mail.plan.operations.find((o) => o.object === "Domain")!;
      expect(settings.defaultHostname).toBe(example.json[s.stackName].output.mail_host.value);
      expect(settings.defaultDomainId).toBe(`#${Object.keys(domain.value)[0]}`);
    }
  });

  it("turns spam filtering off on the send-only relay and leaves tenants at the default", () => {
    const spam = (name: string) => stacks.find((s) => s.stackName === name)!.mail.plan.operations.filter((o) => o.object === "SpamSettings");
    // The relay has no HTTPS egress: no spam-rule download either (stalwart v0.16.18 crates/common/src/manager/defaults.rs).
    expect(spam("fsn1-mail")).toEqual([{ "@type": "update", object: "SpamSettings", value: { enable: false, spamFilterRulesUrl: null } }]);
    expect(spam("fsn1-tenant-acme")).toEqual([]);
  });

  it("fetches nothing from the internet on the relay (no HTTPS egress): ASN data and the web UI off; tenants keep them", () => {
    const ops = (name: string) => stacks.find((s) => s.stackName === name)!.mail.plan.operations.filter((o) => o.object === "Asn" || o.object === "Application");
    expect(ops("fsn1-mail")).toEqual([
      { "@type": "update", object: "Asn", value: { "@type": "Disabled" } },
      { "@type": "upsert", object: "Application", matchOn: ["description"], value: { "web-ui": { description: "Stalwart Web Interface", enabled: false } } },
    ]);
    expect(ops("fsn1-tenant-acme")).toEqual([]);
  });
});

const byPort = (a: { bind: Record<string, true> }, b: { bind: Record<string, true> }) => Number(Object.keys(a.bind)[0].split(":").pop()) - Number(Object.keys(b.bind)[0].split(":").pop());

describe("plan builder", () => {
  it("refuses a reference to an object no earlier operation creates", () => {
    expect(() => new ConfigPlan().update("SystemSettings", { defaultDomainId: ref("domain") })).toThrow(/references #domain, which no earlier operation creates/);
  });

  it("refuses a duplicate client id and a missing matchOn value", () => {
    const plan = new ConfigPlan().upsert("Domain", "d", ["name"], { name: "example.org" });
    expect(() => plan.upsert("Domain", "d", ["name"], { name: "example.net" })).toThrow(/used twice/);
    expect(() => plan.upsert("Domain", "e", ["description"], { name: "example.net" })).toThrow(/matchOn key "description" has no value/);
  });

  it("refuses a single '=' in an expression, and quotes string literals", () => {
    expect(() => expression("false", [{ if: "rcpt_domain = 'example.org'", then: "true" }])).toThrow(/single "="/);
    expect(expression("false", [{ if: "rcpt_domain == 'a=b'", then: "true" }, { if: "local_port != 25", then: "true" }]).match["0"].if).toBe("rcpt_domain == 'a=b'");
    expect(quoted("it's")).toBe("'it\\'s'");
  });

  it("renders @type first and other keys sorted, whatever the insertion order", () => {
    const a = new ConfigPlan().upsert("Tracer", "t", ["@type"], { level: "info", "@type": "Stdout", enable: true }).render();
    expect(a).toBe('{"@type":"upsert","matchOn":["@type"],"object":"Tracer","value":{"t":{"@type":"Stdout","enable":true,"level":"info"}}}\n');
  });
});

describe("the apply Job", () => {
  const yamlWith = (domain: string, cpu: string) => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    tenants:
      - {id: acme, domain: {mode: byo, name: ${domain}}, capacity: {cpu: "${cpu}"}}
`;
  const jobName = (yaml: string) => {
    const { json } = synthFleetYaml(yaml);
    return resourcesOf(json["fsn1-tenant-acme"], "kubernetes_job_v1")[0].body.metadata.name as string;
  };

  it("is renamed (so it runs again) when the plan changes, and only then", () => {
    const base = jobName(yamlWith("acme.example.com", "500m"));
    expect(base).toMatch(/^stalwart-apply-[0-9a-f]{10}$/);
    expect(jobName(yamlWith("acme.example.com", "750m"))).toBe(base);
    expect(jobName(yamlWith("acme.example.net", "500m"))).not.toBe(base);
  });

  it.each(stacks.map((s) => s.stackName))("%s: waits for completion with bounded retries, least privilege, plan from the ConfigMap", (name) => {
    const json = example.json[name];
    const [job] = resourcesOf(json, "kubernetes_job_v1");
    const body = job.body;
    expect(body.wait_for_completion).toBe(true);
    expect(body.timeouts).toEqual({ create: "12m", update: "12m" });
    expect(body.spec.backoff_limit).toBe(3);
    expect(body.spec.active_deadline_seconds).toBe(600);
    const pod = body.spec.template.spec;
    expect(pod.restart_policy).toBe("Never");
    expect(pod.automount_service_account_token).toBe(false);
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } });
    // The plan, then the reloads as a second apply: Actions in the same plan would run before its reconcile deletions.
    const [c, reload] = [pod.init_container[0], pod.container[0]];
    expect(pod.init_container).toHaveLength(1);
    expect(pod.container).toHaveLength(1);
    for (const x of [c, reload]) {
      expect(x.resources.requests).toEqual(x.resources.limits);
      expect(x.security_context).toEqual({ run_as_non_root: true, allow_privilege_escalation: false, read_only_root_filesystem: true, capabilities: { drop: ["ALL"] } });
      expect(x.env).toEqual(c.env);
    }
    expect(c.args).toEqual(["apply", "--file", "/plan/plan.ndjson"]);
    expect(reload.args).toEqual(["apply", "--file", "/plan/reload.ndjson"]);
    expect(c.image).toMatch(/^ghcr\.io\/stalwartlabs\/cli:[\w.-]+@sha256:[0-9a-f]{64}$/);
    const env = Object.fromEntries(c.env.map((e: { name: string; value?: string; value_from?: unknown }) => [e.name, e.value ?? e.value_from]));
    expect(env.STALWART_URL).toBe(`http://${example.json[name].output.management_endpoint.value}`);
    // The recovery admin while bootstrapping (the stack's memory says not yet), the automation identity after.
    const login = '${tobool(local.bootstrap_done_6A4F3683) ? "stalwart-automation" : "stalwart-recovery-admin"}';
    expect(env.STALWART_USER).toEqual({ secret_key_ref: { name: login, key: "username" } });
    expect(env.STALWART_PASSWORD).toEqual({ secret_key_ref: { name: login, key: "password" } });
    // The plan it applies is the rendered plan, byte for byte.
    const planMap = resourcesOf(json, "kubernetes_config_map_v1").find((r) => r.body.metadata.name === "stalwart-plan")!;
    const stack = stacks.find((s) => s.stackName === name)!;
    // Terraform values as one marker on both sides; conditional entries taken (the shape render() shows).
    const asMarkers = renderTemplate(planMap.body.data["plan.ndjson"] as string, function evaluate(expr): string {
      const choice = splitConditional(expr);
      return choice && expr.includes("plantimestamp()") ? renderTemplate(choice.whenTrue, evaluate) : "<value>";
    });
    expect(asMarkers).toBe(stack.mail.plan.render().replace(/\{\{terraform:\d+\}\}/g, "<value>").replace(/"\{\{terraform-json:\d+\}\}"/g, "<value>"));
    // Settings take effect (ReloadSettings), and certificates where the server has files (ReloadTlsCertificates).
    const reloads = parsePlan(planMap.body.data["reload.ndjson"] as string);
    const tls = name !== "fsn1-mail";
    expect(reloads).toEqual([
      { "@type": "create", object: "Action", value: { "reload-settings": { "@type": "ReloadSettings" } } },
      ...(tls ? [{ "@type": "create", object: "Action", value: { "reload-tls": { "@type": "ReloadTlsCertificates" } } }] : []),
    ]);
    for (const op of reloads) expect(validator ? validator.validateOperation(op) : []).toEqual([]);
    // Then the pod template carries the listener set: a changed set (and the first deploy) restarts the server.
    const [restart] = resourcesOf(json, "kubernetes_annotations").map((r) => r.body);
    expect(restart).toMatchObject({ api_version: "apps/v1", kind: "StatefulSet", metadata: { name: "stalwart" }, force: true });
    expect(restart.template_annotations).toEqual({ "sovereign-mail.openova.io/listeners": stack.mail.applyJob.listenerHash });
    expect(restart.depends_on).toContain(job.address);
    const sts0 = resourcesOf(json, "kubernetes_stateful_set_v1")[0].body;
    expect(sts0.lifecycle.ignore_changes).toEqual(['spec[0].template[0].metadata[0].annotations["sovereign-mail.openova.io/listeners"]']);
    // A renewed certificate is served within a day: a daily CronJob reloads it.
    // (The backup's restart and prune CronJobs are backup.test.ts's.)
    const crons = resourcesOf(json, "kubernetes_cron_job_v1").map((r) => r.body).filter((cj) => !cj.metadata.name.startsWith("stalwart-backup-"));
    expect(crons.map((cj) => cj.spec.job_template.spec.template.spec.container[0].args)).toEqual(tls ? [["apply", "--file", "/plan/reload-tls.ndjson"]] : []);
    // It runs after the server is rolled out and both ends of its flow exist.
    const sts = resourcesOf(json, "kubernetes_stateful_set_v1")[0].address;
    expect(body.depends_on).toEqual(expect.arrayContaining([sts, expect.stringMatching(/ingress-management-from-stalwart-apply/), expect.stringMatching(/egress-management/)]));
    // No Kubernetes API permissions: no Role or binding in the stack but the backup restart's, which may delete the
    // server's pod and nothing else (backup.test.ts pins it down).
    expect(resourcesOf(json).filter((r) => /role/.test(r.type) && r.body.metadata.name !== "stalwart-backup-restart")).toEqual([]);
  });
});

describe("npm run plan:stalwart", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { formatOperation, readable } = require("../bin/plan-stalwart") as typeof import("../bin/plan-stalwart");

  it("prints one operation per line with secrets as references", () => {
    const lines = stacks[0].mail.plan.operations.map(formatOperation);
    expect(lines).toHaveLength(stacks[0].mail.plan.operations.length);
    expect(lines.find((l) => l.startsWith("update  Metrics"))).toContain('"authSecret":"env:STALWART_METRICS_PASSWORD"');
    expect(lines[0]).toMatch(/^upsert {2}Domain +#domain matchOn=name \{"name":"omantel\.example\.org"/);
    expect(readable({ credentials: { "0": { "@type": "Password", secret: "$2b$12$x" } }, key: { "@type": "File", filePath: "/k" } })).toEqual({
      credentials: { "0": { "@type": "Password", secret: "<hidden>" } },
      key: "file:/k",
    });
  });

  it("names the stacks when asked for one that does not exist", () => {
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const path = require("node:path") as typeof import("node:path");
    const script = path.join(__dirname, "..", "dist", "bin", "plan-stalwart.js");
    const result = spawnSync(process.execPath, [script, "nope"], { encoding: "utf8", cwd: path.join(__dirname, "..") });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no mail stack "nope"');
    expect(result.stderr).toContain("fsn1-mail, fsn1-tenant-acme, fsn1-tenant-globex");
  });
});
