/**
 * Unit tests of the Stalwart v0.16 apply model (helpers/stalwart-apply-model.ts) on handcrafted plans: each upstream
 * rule it models has a test that fails without the rule. The model is built from the upstream CLI/server behaviour,
 * not from our renderer, so it can later judge the plans the project renders.
 */
import { findRegistrySchema } from "../stalwart/registry-schema";
import { StalwartModel, type ModelOptions } from "./helpers/stalwart-apply-model";

const schema = findRegistrySchema();
const plan = (...ops: object[]) => ops.map((o) => JSON.stringify(o)).join("\n") + "\n";
const STAND_IN_HASH = "$2b$12$" + "a".repeat(53); // bcrypt-shaped, 60 characters
const standInMatches = (secret: string, plaintext: string) => secret === STAND_IN_HASH && plaintext === "correct horse";

describe("Stalwart v0.16 apply model", () => {
  if (!schema) {
    const message = "stalwart-registry-schema.json.gz not found (expected in ../shared/reference or $STALWART_REGISTRY_SCHEMA): apply model NOT tested";
    process.stderr.write(`\n*** ${message} ***\n\n`);
    (process.env.CI ? it : it.skip)(`is present (${message})`, () => {
      throw new Error(message);
    });
    return;
  }
  const booted = (options: ModelOptions = {}) => StalwartModel.fresh({ schema, secretMatches: standInMatches, ...options }).boot();
  const domain = (cid: string, name: string) => ({ "@type": "upsert", object: "Domain", matchOn: ["name"], value: { [cid]: { name } } });
  const listener = (name: string, port: number) => ({ name, protocol: "smtp", bind: { [`[::]:${port}`]: true }, useTls: true, tlsImplicit: false });

  describe("first-boot defaults (defaults.rs)", () => {
    it("normal mode inserts listeners, tracer, roles with Authentication role ids, routes, Asn and the web UI", () => {
      const m = booted();
      expect(m.objects("NetworkListener").map((l) => [l.body.name, Object.keys(l.body.bind as object)[0], l.body.tlsImplicit])).toEqual([
        ["smtp", "[::]:25", false],
        ["submissions", "[::]:465", true],
        ["imaps", "[::]:993", true],
        ["pop3s", "[::]:995", true],
        ["sieve", "[::]:4190", false],
        ["https", "[::]:443", true],
        ["http", "[::]:8080", false],
      ]);
      expect(m.objects("Tracer").map((t) => t.body)).toEqual([expect.objectContaining({ "@type": "Log", path: "/var/log/stalwart", prefix: "stalwart.log" })]);
      const roles = m.objects("Role");
      expect(roles.map((r) => r.body.description)).toEqual(["User", "Group", "Tenant Administrator", "System Administrator"]);
      const [user, , , admin] = roles.map((r) => r.id);
      expect(m.singleton("Authentication")).toMatchObject({ defaultUserRoleIds: { [user]: true }, defaultAdminRoleIds: { [admin]: true, [user]: true } });
      expect(m.objects("MtaRoute").map((r) => r.body.name)).toEqual(["mx", "local"]);
      expect(m.singleton("Asn")).toMatchObject({ "@type": "Resource" });
      expect(m.objects("Application").map((a) => a.body.description)).toEqual(["Stalwart Web Interface"]);
      expect(m.boundListeners().map((l) => l.name)).toEqual(["smtp", "submissions", "imaps", "pop3s", "sieve", "https", "http"]);
    });

    it("the defaults conform to the registry schema (an upsert of each default body back onto itself is accepted)", () => {
      const m = booted();
      for (const type of ["NetworkListener", "Tracer", "Role", "MtaRoute", "Application"]) {
        const matchOn = type === "Tracer" ? ["@type"] : type === "Role" || type === "Application" ? ["description"] : ["name"];
        const value = Object.fromEntries(m.objects(type).map((o, i) => [`d${i}`, o.body]));
        expect(m.apply(plan({ "@type": "upsert", object: type, matchOn, value }))).toMatchObject({ ok: true });
      }
      // defaultTenantRoleIds is enterprise-only in the schema; upstream inserts it anyway, and a plan cannot write it.
      const { defaultTenantRoleIds, ...authentication } = m.singleton("Authentication")!;
      expect(defaultTenantRoleIds).toBeDefined();
      expect(m.apply(plan({ "@type": "update", object: "Authentication", value: authentication }))).toMatchObject({ ok: true });
      expect(m.apply(plan({ "@type": "update", object: "Asn", value: m.singleton("Asn") }))).toMatchObject({ ok: true });
      expect(m.apply(plan({ "@type": "update", object: "Authentication", value: { defaultTenantRoleIds } })).error).toMatch(/enterprise-only/);
    });

    it("recovery mode inserts only the web UI Application and binds only the recovery HTTP listener", () => {
      const m = booted({ recoveryMode: true });
      expect(m.objects("NetworkListener")).toEqual([]);
      expect(m.objects("Tracer")).toEqual([]);
      expect(m.objects("Role")).toEqual([]);
      expect(m.singleton("Asn")).toBeUndefined();
      expect(m.objects("Application")).toHaveLength(1);
      expect(m.boundListeners()).toEqual([{ name: "http-recovery", protocol: "http", bind: ["[::]:8080"], tlsImplicit: false }]);
    });

    it("defaults are re-inserted at restart only for empty types; a plan-created Role suppresses the 4 roles and their Authentication ids", () => {
      const m = booted({ recoveryMode: true });
      const r = m.apply(
        plan(
          { "@type": "upsert", object: "Role", matchOn: ["description"], value: { automation: { description: "Automation" } } },
          { "@type": "upsert", object: "NetworkListener", matchOn: ["name"], value: { smtp: listener("smtp", 25) } },
        ),
      );
      expect(r).toMatchObject({ ok: true });
      m.restart();
      expect(m.objects("Role").map((x) => x.body.description)).toEqual(["Automation"]);
      expect(m.singleton("Authentication")).toBeUndefined();
      expect(m.objects("NetworkListener").map((l) => l.body.name)).toEqual(["smtp"]);
      expect(m.objects("Tracer")).toHaveLength(1); // was empty: defaulted
      // Reconciling a type down to zero brings its defaults back at the next boot.
      expect(m.apply(plan({ "@type": "reconcile", object: "Tracer", matchOn: ["@type"], value: {} }))).toMatchObject({ ok: true });
      expect(m.objects("Tracer")).toEqual([]);
      m.restart();
      expect(m.objects("Tracer").map((t) => t.body["@type"])).toEqual(["Log"]);
    });
  });

  describe("plan parsing (apply.rs parse_ndjson_plan, Plan::resolve)", () => {
    it("rejects unknown top-level keys with the line number, before anything runs; blank lines are skipped", () => {
      const m = booted();
      const text = plan(domain("a", "a.example")) + "\n   \n" + JSON.stringify({ "@type": "destroy", object: "Domain", where: { name: "x" } }) + "\n";
      const r = m.apply(text);
      expect(r.error).toMatch(/^invalid plan NDJSON on line 4: unknown field `where`/);
      expect(r.opsCompleted).toBe(0);
      expect(m.objects("Domain")).toEqual([]);
      expect(m.apply("not json\n").error).toMatch(/^invalid plan NDJSON on line 1/);
    });

    it("scope only on upsert/reconcile; singletons only through update without an id; no empty matchOn", () => {
      const m = booted();
      expect(m.apply(plan({ "@type": "create", object: "Domain", scope: { name: "a" }, value: { a: { name: "a.example" } } })).error).toMatch(/only upsert and reconcile/);
      expect(m.apply(plan({ "@type": "upsert", object: "SystemSettings", value: { s: { defaultHostname: "mx.example" } } })).error).toMatch(/use update instead/);
      expect(m.apply(plan({ "@type": "update", object: "SystemSettings", id: "x", value: { defaultHostname: "mx.example" } })).error).toMatch(/BadSingletonId/);
      expect(m.apply(plan({ "@type": "destroy", object: "Asn" })).error).toMatch(/cannot destroy singleton/);
      // The CLI lets `create` of a singleton through; the server refuses it, after earlier operations ran.
      const created = m.apply(plan(domain("a", "a.example"), { "@type": "create", object: "SystemSettings", value: { s: { defaultHostname: "mx.example" } } }));
      expect(created).toMatchObject({ ok: false, opsCompleted: 1 });
      expect(m.apply(plan({ "@type": "upsert", object: "Domain", matchOn: [], value: { a: { name: "a.example" } } })).error).toMatch(/matchOn/);
      expect(m.apply(plan({ "@type": "update", object: "SystemSettings", value: { defaultHostname: "mx.example" } }))).toMatchObject({ ok: true });
      expect(m.singleton("SystemSettings")).toEqual({ defaultHostname: "mx.example" }); // never stored: the update inserts
    });

    it("reconcile without matchOn on a type without a labelProperty is rejected at plan time; with one it uses it", () => {
      const m = booted();
      expect(m.apply(plan({ "@type": "reconcile", object: "Tracer", value: {} })).error).toMatch(/has no match key/);
      // NetworkListener's labelProperty is `name`: the default smtp listener is matched (updated), not duplicated.
      const r = m.apply(plan({ "@type": "upsert", object: "NetworkListener", value: { smtp: { ...listener("smtp", 25), maxConnections: 100 } } }));
      expect(r).toMatchObject({ ok: true, warnings: [] });
      expect(m.objects("NetworkListener").filter((l) => l.body.name === "smtp").map((l) => l.body.maxConnections)).toEqual([100]);
    });
  });

  describe("execution (apply.rs run)", () => {
    it("destroys first in reverse file order, then the rest in file order, then reconcile deletions in reverse", () => {
      const m = booted();
      expect(m.apply(plan(domain("a", "a.example"), domain("b", "b.example")))).toMatchObject({ ok: true });
      const r = m.apply(
        plan(
          domain("c", "c.example"),
          { "@type": "destroy", object: "Domain", value: { name: "a.example" } },
          { "@type": "reconcile", object: "MtaRoute", matchOn: ["name"], value: { mx: { "@type": "Mx", name: "mx", description: "remote" } } },
          { "@type": "destroy", object: "Domain", value: { name: "b.example" } },
          { "@type": "reconcile", object: "Tracer", matchOn: ["@type"], value: { out: { "@type": "Stdout", enable: true } } },
        ),
      );
      expect(r).toMatchObject({ ok: true, opsCompleted: 5 });
      expect(r.writes.map((w) => `${w.kind} ${w.type} ${w.label}`)).toEqual([
        "destroy Domain b.example",
        "destroy Domain a.example",
        "create Domain c.example",
        "update MtaRoute mx",
        "create Tracer Stdout",
        "destroy Tracer Log", // the later reconcile's deletions first
        "destroy MtaRoute local",
      ]);
    });

    it("aborts on the first error without rollback", () => {
      const m = booted();
      const r = m.apply(
        plan(domain("a", "a.example"), { "@type": "upsert", object: "Domain", matchOn: ["name"], value: { b: { name: "b.example", bogus: 1 } } }, domain("c", "c.example")),
      );
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/unknown property/);
      expect(r.opsCompleted).toBe(1);
      expect(m.objects("Domain").map((d) => d.body.name)).toEqual(["a.example"]);
    });

    it("destroy filters only on the type's indexes: DkimSignature by selector fails, by domainId works; none found is fine", () => {
      const m = booted();
      expect(m.apply(plan({ "@type": "destroy", object: "DkimSignature", value: { selector: "old" } })).error).toMatch(/unsupportedFilter.*selector/);
      expect(m.apply(plan({ "@type": "destroy", object: "Tracer", value: { "@type": "Log" } })).error).toMatch(/unsupportedFilter/);
      const dkim = (cid: string, selector: string) => ({
        "@type": "upsert",
        object: "DkimSignature",
        matchOn: ["domainId", "selector"],
        value: { [cid]: { "@type": "Dkim1Ed25519Sha256", domainId: "#dom", selector, privateKey: { "@type": "File", filePath: `/k/${selector}.pem` } } },
      });
      expect(m.apply(plan(domain("dom", "a.example"), dkim("k1", "s1"), dkim("k2", "s2")))).toMatchObject({ ok: true });
      const domainId = m.objects("Domain")[0].id;
      expect(m.apply(plan({ "@type": "destroy", object: "DkimSignature", value: { domainId: "nope" } }))).toMatchObject({ ok: true, writes: [] });
      expect(m.apply(plan({ "@type": "destroy", object: "DkimSignature", value: { domainId } })).writes).toHaveLength(2);
      expect(m.objects("DkimSignature")).toEqual([]);
      expect(m.apply(plan({ "@type": "destroy", object: "Tracer" })).writes).toHaveLength(1); // unfiltered works
    });

    it("reconcile removes the default listeners not in the plan; only a restart binds the result", () => {
      const m = booted();
      const r = m.apply(plan({ "@type": "reconcile", object: "NetworkListener", matchOn: ["name"], value: { smtp: listener("smtp", 25), sub: listener("submission", 587) } }));
      expect(r).toMatchObject({ ok: true });
      expect(m.objects("NetworkListener").map((l) => l.body.name)).toEqual(["smtp", "submission"]);
      expect(m.boundListeners()).toHaveLength(7); // still the sockets of the last boot
      expect(m.pending().restart).toEqual(expect.arrayContaining(["create NetworkListener submission", "destroy NetworkListener imaps"]));
      m.restart();
      expect(m.boundListeners().map((l) => [l.name, l.bind])).toEqual([
        ["smtp", ["[::]:25"]],
        ["submission", ["[::]:587"]],
      ]);
      expect(m.pending()).toEqual({ reloadSettings: [], reloadTls: [], restart: [] });
      // Re-applying converges: matched and updated, nothing created or deleted.
      const again = m.apply(plan({ "@type": "reconcile", object: "NetworkListener", matchOn: ["name"], value: { smtp: listener("smtp", 25), sub: listener("submission", 587) } }));
      expect(again.writes.map((w) => w.kind)).toEqual(["update", "update"]);
    });

    it("scope limits matching and reconcile deletion to the scoped objects", () => {
      const m = booted();
      const r = m.apply(plan({ "@type": "reconcile", object: "MtaRoute", matchOn: ["name"], scope: { "@type": "Local" }, value: { l: { name: "local2" } } }));
      expect(r).toMatchObject({ ok: true });
      expect(m.objects("MtaRoute").map((x) => `${x.body["@type"]} ${x.body.name}`)).toEqual(["Mx mx", "Local local2"]); // `@type` inherited from the scope
      expect(m.apply(plan({ "@type": "upsert", object: "MtaRoute", scope: { "@type": "Local" }, value: { l: { "@type": "Mx", name: "x" } } })).error).toMatch(/contradicts its scope/);
    });
  });

  describe("upsert matching (apply.rs upsert_core, find_match)", () => {
    it("a second apply matches and updates (minus immutable fields) instead of creating", () => {
      const m = booted();
      const p = plan({ "@type": "upsert", object: "NetworkListener", matchOn: ["name"], value: { sub: listener("submission", 587) } });
      expect(m.apply(p).writes.map((w) => w.kind)).toEqual(["create"]);
      const again = m.apply(p);
      expect(again.writes.map((w) => w.kind)).toEqual(["update"]);
      expect(m.objects("NetworkListener").filter((l) => l.body.name === "submission")).toHaveLength(1);
      // Matched on bind: the immutable `name` is left out of the patch, so the listener keeps its name.
      m.apply(plan({ "@type": "upsert", object: "NetworkListener", matchOn: ["bind"], value: { s: { ...listener("submission-renamed", 587), maxConnections: 9 } } }));
      expect(m.objects("NetworkListener").filter((l) => l.body.maxConnections === 9).map((l) => l.body.name)).toEqual(["submission"]);
      // A patch left empty (only @type and immutable fields) is not sent at all.
      expect(m.apply(plan({ "@type": "upsert", object: "MtaRoute", matchOn: ["name"], value: { mx: { "@type": "Mx", name: "mx" } } }))).toMatchObject({ ok: true, writes: [] });
    });

    it("ambiguous matches are an error; so are two entries with the same key", () => {
      const m = booted();
      const role = (cid: string, enabled: string) => ({ [cid]: { description: "Ops", enabledPermissions: { [enabled]: true } } });
      expect(m.apply(plan({ "@type": "create", object: "Role", value: { ...role("r1", "authenticate"), ...role("r2", "emailSend") } }))).toMatchObject({ ok: true });
      expect(m.apply(plan({ "@type": "upsert", object: "Role", value: role("r", "authenticate") })).error).toMatch(/ambiguous upsert; 2 existing objects match on description/);
      expect(m.apply(plan(domain("x", "x.example"), { "@type": "upsert", object: "Domain", matchOn: ["name"], value: { a: { name: "d.example" }, b: { name: "d.example" } } })).error).toMatch(
        /two entries \(`a`, `b`\) with the same match key/,
      );
    });

    it('"*" matches by value: a changed object is created anew; candidates are filtered by @type', () => {
      const m = booted();
      const stdout = { "@type": "Stdout", enable: true, level: "info" };
      expect(m.apply(plan({ "@type": "upsert", object: "Tracer", matchOn: "*", value: { t: stdout } })).writes.map((w) => w.kind)).toEqual(["create"]);
      expect(m.apply(plan({ "@type": "upsert", object: "Tracer", matchOn: "*", value: { t: stdout } })).writes.map((w) => w.kind)).toEqual(["update"]);
      expect(m.apply(plan({ "@type": "upsert", object: "Tracer", matchOn: "*", value: { t: { ...stdout, level: "debug" } } })).writes.map((w) => w.kind)).toEqual(["create"]);
      // matchOn ["@type"]: the default Log tracer is not a candidate for a Stdout entry.
      expect(m.objects("Tracer").map((t) => t.body["@type"])).toEqual(["Log", "Stdout", "Stdout"]);
      expect(m.apply(plan({ "@type": "upsert", object: "Tracer", matchOn: ["@type"], value: { t: { "@type": "Log", enable: false } } })).writes.map((w) => w.kind)).toEqual(["update"]);
      expect(m.apply(plan({ "@type": "upsert", object: "Tracer", matchOn: ["enable"], value: { t: { enable: true } } })).error).toMatch(/missing `@type`/);
      // The Log tracer (enable: true) is no candidate for a Journal entry matched on `enable`.
      expect(m.apply(plan({ "@type": "upsert", object: "Tracer", matchOn: ["enable"], value: { t: { "@type": "Journal", enable: false } } })).writes.map((w) => w.kind)).toEqual(["create"]);
    });

    it("an upsert without matchOn on a type without labelProperty falls back to value matching with a warning", () => {
      const m = booted();
      const r = m.apply(plan({ "@type": "upsert", object: "Tracer", value: { t: { "@type": "Stdout", enable: true } } }));
      expect(r.warnings).toEqual([expect.stringMatching(/no match key/)]);
    });
  });

  describe("#id client references (apply.rs collect_refs, execute_update, resolve_match_value)", () => {
    it("resolves values and set keys from earlier created or matched ids, on re-runs too", () => {
      const m = booted();
      const p = plan(
        domain("dom", "a.example"),
        { "@type": "upsert", object: "Account", matchOn: ["name", "domainId"], value: { grp: { "@type": "Group", name: "team", domainId: "#dom" } } },
        { "@type": "upsert", object: "Account", matchOn: ["name", "domainId"], value: { u: { "@type": "User", name: "ana", domainId: "#dom", memberGroupIds: { "#grp": true } } } },
        { "@type": "update", object: "Domain", id: "#dom", value: { description: "main" } },
      );
      expect(m.apply(p)).toMatchObject({ ok: true });
      const [dom] = m.objects("Domain");
      const group = m.objects("Account").find((a) => a.body.name === "team")!;
      expect(m.objects("Account").find((a) => a.body.name === "ana")!.body).toMatchObject({ domainId: dom.id, memberGroupIds: { [group.id]: true } });
      expect(dom.body.description).toBe("main");
      // Second run: every entry matches (registering its client id), so the references still resolve.
      const again = m.apply(p);
      expect(again).toMatchObject({ ok: true });
      expect(again.writes.map((w) => w.kind)).toEqual(["update", "update", "update", "update"]);
      expect(m.sendableAddresses("ana")).toEqual(["ana@a.example", "team@a.example"]);
    });

    it("unresolved references are errors", () => {
      const m = booted();
      expect(m.apply(plan({ "@type": "update", object: "Domain", id: "#nope", value: { description: "x" } })).error).toMatch(/update references unknown created id `#nope`/);
      expect(m.apply(plan({ "@type": "create", object: "Account", value: { u: { "@type": "User", name: "x", domainId: "#nope" } } })).error).toMatch(/unresolved reference `#nope`/);
      // A match value on an objectId property is checked at plan time: nothing runs.
      const r = m.apply(plan(domain("a", "a.example"), { "@type": "upsert", object: "Account", matchOn: ["name", "domainId"], value: { u: { "@type": "User", name: "x", domainId: "#nope" } } }));
      expect(r).toMatchObject({ ok: false, opsCompleted: 0 });
      expect(r.error).toMatch(/match property `domainId` references unresolved id `#nope`/);
    });
  });

  describe("server write rules (principal.rs, set.rs)", () => {
    const user = (credentials: object) => ({ "@type": "create", object: "Account", value: { u: { "@type": "User", name: "ana", credentials } } });

    it("one password credential only, and no secondary credentials", () => {
      const m = booted();
      const pw = (secret: string) => ({ "@type": "Password", secret });
      expect(m.apply(plan(user({ 0: pw(STAND_IN_HASH), 1: pw(STAND_IN_HASH) }))).error).toMatch(/Only one password credential is allowed\./);
      expect(m.apply(plan(user({ 0: pw(STAND_IN_HASH), 1: { "@type": "AppPassword", description: "phone" } }))).error).toMatch(/Secondary credentials cannot be set directly\./);
      expect(m.apply(plan(user({ 0: { "@type": "ApiKey", description: "ci" } }))).error).toMatch(/Secondary credentials cannot be set directly\./);
      expect(m.apply(plan(user({ 0: pw(STAND_IN_HASH) })))).toMatchObject({ ok: true });
    });

    it("every written body is validated against the registry schema", () => {
      const m = booted();
      expect(m.apply(plan({ "@type": "update", object: "SystemSettings", value: { noSuchSetting: true } })).error).toMatch(/unknown property/);
      expect(m.apply(plan({ "@type": "upsert", object: "NetworkListener", matchOn: ["name"], value: { x: { ...listener("x", 26), protocol: "SMTP" } } })).error).toMatch(/not one of enum/);
    });
  });

  describe("effects and actions (reload.rs, action.rs, boot.rs)", () => {
    it("records what each write needs; reload actions clear their set; upsert on Action fails", () => {
      const m = booted();
      const cert = { "@type": "create", object: "Certificate", value: { c: { certificate: { "@type": "File", filePath: "/c.pem" }, privateKey: { "@type": "File", filePath: "/k.pem" } } } };
      const r = m.apply(
        plan(domain("d", "a.example"), { "@type": "update", object: "SystemSettings", value: { defaultHostname: "mx.a.example" } }, cert, {
          "@type": "upsert",
          object: "NetworkListener",
          matchOn: ["name"],
          value: { s: listener("submission", 587) },
        }),
      );
      expect(r).toMatchObject({ ok: true });
      expect(m.pending()).toEqual({
        reloadSettings: ["update SystemSettings singleton"],
        reloadTls: [expect.stringMatching(/^create Certificate/)],
        restart: ["create NetworkListener submission"],
      }); // the Domain took effect immediately
      expect(m.apply(plan({ "@type": "create", object: "Action", value: { reload: { "@type": "ReloadSettings" } } }))).toMatchObject({ ok: true, writes: [] });
      expect(m.pending().reloadSettings).toEqual([]);
      expect(m.pending().reloadTls).toHaveLength(1);
      m.apply(plan({ "@type": "create", object: "Action", value: { tls: { "@type": "ReloadTlsCertificates" } } }));
      expect(m.pending()).toEqual({ reloadSettings: [], reloadTls: [], restart: ["create NetworkListener submission"] });
      expect(m.apply(plan({ "@type": "upsert", object: "Action", matchOn: "*", value: { r: { "@type": "ReloadSettings" } } })).error).toMatch(/Actions cannot be queried/);
      expect(m.apply(plan({ "@type": "reconcile", object: "Action", matchOn: "*", value: {} })).error).toMatch(/Actions cannot be queried/);
    });

    it("a reload in the same plan runs before the reconcile deletions, which stay pending", () => {
      const m = booted();
      const r = m.apply(
        plan(
          { "@type": "reconcile", object: "Tracer", matchOn: ["@type"], value: { t: { "@type": "Stdout", enable: true } } },
          { "@type": "create", object: "Action", value: { reload: { "@type": "ReloadSettings" } } },
        ),
      );
      expect(r).toMatchObject({ ok: true });
      expect(m.pending().reloadSettings).toEqual(["destroy Tracer Log"]);
    });

    it("reconcile does not delete an object another op of the plan touched", () => {
      const m = booted();
      const r = m.apply(
        plan(
          { "@type": "reconcile", object: "Tracer", matchOn: ["@type"], scope: { "@type": "Log" }, value: {} },
          { "@type": "update", object: "Tracer", id: m.objects("Tracer")[0].id, value: { level: "warn" } },
        ),
      );
      expect(r).toMatchObject({ ok: true });
      expect(m.objects("Tracer").map((t) => t.body.level)).toEqual(["warn"]);
    });
  });

  describe("login (authentication.rs, access_token.rs)", () => {
    const setup = (expiresAt?: string) => {
      const m = booted();
      const pw = { "@type": "Password", secret: STAND_IN_HASH, ...(expiresAt ? { expiresAt } : {}) };
      const r = m.apply(plan(domain("d", "a.example"), { "@type": "upsert", object: "Account", matchOn: ["name", "domainId"], value: { u: { "@type": "User", name: "ana", domainId: "#d", credentials: { 0: pw } } } }));
      expect(r).toMatchObject({ ok: true });
      return m;
    };
    const at = new Date("2026-12-01T10:00:00Z");

    it("the first Password credential authenticates through secretMatches for a bcrypt-shaped secret", () => {
      const m = setup();
      expect(m.login("ana", "correct horse", at)).toMatchObject({ authenticated: true, canSend: true });
      expect(m.login("ana@a.example", "correct horse", at)).toMatchObject({ authenticated: true });
      expect(m.login("ana", "wrong", at)).toEqual({ authenticated: false });
      expect(m.login("bob", "correct horse", at)).toEqual({ authenticated: false });
    });

    it("an expired password still authenticates but cannot send", () => {
      expect(setup("2026-12-01T10:00:00Z").login("ana", "correct horse", at)).toMatchObject({ authenticated: true, canSend: false });
      expect(setup("2026-12-02T10:00:00Z").login("ana", "correct horse", at)).toMatchObject({ authenticated: true, canSend: true });
    });
  });

  // The project's rendered plans are replayed in stalwart-apply.test.ts (the bytes the Job receives).
});
