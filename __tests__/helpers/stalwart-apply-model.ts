/**
 * An in-memory Stalwart v0.16.18 registry that replays an NDJSON plan the way `stalwart-cli apply` (newest stored
 * CLI source, with upsert + reconcile + scope) and the server would. Built from the upstream behaviour described in
 * the source notes (CLI `src/commands/apply.rs`; server `crates/jmap/src/registry/*`, `crates/common/src/manager/*`),
 * never from our renderer. Rule comments name the upstream file; "server" means stalwart tag v0.16.18.
 */
import { findRegistrySchema, RegistryValidator, type RegistrySchema } from "../../stalwart/registry-schema";

/** A stored object; `type` is the object name without `x:` (e.g. "NetworkListener"). */
export interface StoredObject { readonly id: string; readonly type: string; body: Record<string, unknown> }
export interface Write { readonly kind: "create" | "update" | "destroy"; readonly type: string; readonly id: string; readonly label: string }
/** `opsCompleted`: plan operations that finished (destroy pass + apply pass); a failed run keeps their writes (no rollback). */
export interface ApplyResult { readonly ok: boolean; readonly error?: string; readonly opsCompleted: number; readonly writes: readonly Write[]; readonly warnings: readonly string[] }
export interface BoundListener { readonly name: string; readonly protocol: string; readonly bind: readonly string[]; readonly tlsImplicit: boolean }
export type LoginResult = { authenticated: false } | { authenticated: true; canSend: boolean; accountId: string };
/** `secretMatches` verifies a bcrypt-shaped stored secret (tests use stand-in hashes, so the caller decides). */
export interface ModelOptions { recoveryMode?: boolean; schema?: RegistrySchema; secretMatches?: (secret: string, plaintext: string) => boolean }

type Body = Record<string, unknown>;
type Schema = RegistrySchema & { lists?: Record<string, { labelProperty?: string; filters?: { field: string }[] }> };
type OpKind = "create" | "update" | "destroy" | "upsert" | "reconcile";
interface Op { kind: OpKind; canonical: string; type: string; index: number; id?: string; value: unknown; matchOn?: string[] | "*"; scope?: Body }
interface RunState { createdIds: Map<string, string>; touched: Set<string>; writes: Write[]; warnings: string[] }

class ApplyError extends Error {}
const fail = (message: string): never => {
  throw new ApplyError(message);
};
const isObj = (v: unknown): v is Body => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const canon = (v: unknown): string =>
  isObj(v) ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}` : Array.isArray(v) ? `[${v.map(canon).join(",")}]` : JSON.stringify(v);
// CLI apply.rs values_match: null and absent compare equal, otherwise JSON (serde_json::Value) equality.
const valuesMatch = (a: unknown, b: unknown) => canon(a ?? null) === canon(b ?? null);
const clientRef = (v: unknown) => (typeof v === "string" && v.length > 1 && v.startsWith("#") ? v.slice(1) : undefined);

// CLI apply.rs RawOp: `#[serde(tag = "@type", rename_all = "lowercase", deny_unknown_fields)]`.
const OP_FIELDS: Record<OpKind, string[]> = {
  create: ["object", "scope", "value"],
  update: ["object", "id", "scope", "value"],
  destroy: ["object", "scope", "value"],
  upsert: ["object", "matchOn", "scope", "value"],
  reconcile: ["object", "matchOn", "scope", "value"],
};
// server crates/registry/src/schema/properties_impl.rs ObjectType::indexes() (notes §2); others fall back to schema lists filters.
const QUERY_INDEXES: Record<string, string[]> = {
  DkimSignature: ["domainId", "memberTenantId"], NetworkListener: ["name"], Tracer: [], MtaRoute: ["name"], Certificate: ["subjectAlternativeNames"],
  Account: ["text", "@type", "domainId", "memberGroupIds", "memberTenantId", "name"], Domain: ["text", "aliases", "memberTenantId", "name"],
  Role: ["description", "memberTenantId"], AllowedIp: ["address"], BlockedIp: ["address"], MemoryLookupKey: ["namespace"],
  MemoryLookupKeyValue: ["namespace"], Tenant: ["text"], OAuthClient: ["text", "clientId", "memberTenantId"],
};
// server crates/common/src/cache/invalidate.rs: these are cache-invalidated on write, effective immediately.
const IMMEDIATE = new Set(["Account", "Domain", "DkimSignature", "Role", "Tenant", "MailingList"]);
// server crates/common/src/manager/boot.rs: listeners are bound and storage parsed only at boot (reload discards them).
const RESTART = new Set(["NetworkListener", "DataStore", "BlobStore", "SearchStore", "InMemoryStore", "TracingStore", "MetricsStore"]);
const COMPARISONS = ["IsGreaterThanOrEqual", "IsLessThanOrEqual", "IsGreaterThan", "IsLessThan"];
const ANY_VARIANT = Symbol("any variant");
const BCRYPT = /^\$2[abxy]\$.{56}$/;

export class StalwartModel {
  private readonly schema: Schema;
  private readonly validator: RegistryValidator;
  private recoveryMode: boolean;
  private store: StoredObject[] = [];
  private singletons = new Map<string, Body>();
  private bound: BoundListener[] = [];
  private pendingSets = { reloadSettings: new Set<string>(), reloadTls: new Set<string>(), restart: new Set<string>() };
  private nextId = 1;

  private constructor(private readonly options: ModelOptions) {
    const schema = options.schema ?? findRegistrySchema();
    if (!schema) throw new Error("stalwart-registry-schema.json.gz not found: the apply model needs the registry schema");
    this.schema = schema as Schema;
    this.validator = new RegistryValidator(schema);
    this.recoveryMode = options.recoveryMode ?? false;
  }

  /** An empty registry (nothing booted yet). */
  static fresh(options: ModelOptions = {}): StalwartModel {
    return new StalwartModel(options);
  }

  /** server crates/common/src/manager/boot.rs BootManager::init: insert_safe_defaults, then bind listeners. */
  boot(): this {
    this.insertDefaults();
    // boot.rs bind_and_drop_priv; recovery mode binds only `http-recovery` (config/server/listener.rs, port 8080).
    this.bound = this.recoveryMode
      ? [{ name: "http-recovery", protocol: "http", bind: ["[::]:8080"], tlsImplicit: false }]
      : this.objects("NetworkListener").map((l) => ({
          name: String(l.body.name),
          protocol: String(l.body.protocol),
          bind: Object.keys((l.body.bind as Body) ?? {}),
          tlsImplicit: l.body.tlsImplicit === true,
        }));
    Object.values(this.pendingSets).forEach((s) => s.clear());
    return this;
  }

  /** A process restart in normal mode (or recovery mode if asked): defaults for empty types, listeners re-bound. */
  restart(options: { recoveryMode?: boolean } = {}): this {
    this.recoveryMode = options.recoveryMode ?? false;
    return this.boot();
  }

  /** server crates/common/src/manager/defaults.rs insert_safe_defaults: each block only `if count_object(T) == 0`. */
  private insertDefaults(): void {
    const ifEmpty = (type: string, bodies: Body[]) => (this.count(type) === 0 ? bodies.map((b) => this.insert(type, b)) : undefined);
    // defaults.rs l.58: the WebUI Application is inserted in every mode.
    ifEmpty("Application", [
      { description: "Stalwart Web Interface", enabled: true, resourceUrl: "https://github.com/stalwartlabs/webui/releases/latest/download/webui.zip", urlPrefix: { "/admin": true, "/account": true }, autoUpdateFrequency: 30 * 86_400_000 },
    ]);
    if (this.recoveryMode) return; // defaults.rs l.96: recovery mode returns here.
    ifEmpty("MtaRoute", [
      { "@type": "Mx", name: "mx", ipLookupStrategy: "v4ThenV6", maxMultihomed: 2, maxMxHosts: 2 },
      { "@type": "Local", name: "local" },
    ]);
    const roles = ifEmpty("Role", ["User", "Group", "Tenant Administrator", "System Administrator"].map((description) => ({ description })));
    // defaults.rs: Authentication default role ids only if it is empty too and all 4 roles were inserted.
    if (roles?.length === 4 && !this.singletons.has("Authentication")) {
      const [user, group, tenant, admin] = roles;
      this.singletons.set("Authentication", {
        defaultUserRoleIds: { [user]: true },
        defaultGroupRoleIds: { [group]: true },
        defaultTenantRoleIds: { [tenant]: true, [user]: true },
        defaultAdminRoleIds: { [admin]: true, [user]: true },
      });
    }
    const listener = (name: string, protocol: string, port: number, tlsImplicit: boolean) => ({ name, protocol, bind: { [`[::]:${port}`]: true }, useTls: true, tlsImplicit });
    ifEmpty("NetworkListener", [
      listener("smtp", "smtp", 25, false),
      listener("submissions", "smtp", 465, true),
      listener("imaps", "imap", 993, true),
      listener("pop3s", "pop3", 995, true),
      listener("sieve", "manageSieve", 4190, false),
      listener("https", "http", 443, true),
      listener("http", "http", 8080, false),
    ]);
    if (!this.singletons.has("Asn")) {
      const db = "https://github.com/sapics/ip-location-db/releases/download/latest";
      this.singletons.set("Asn", {
        "@type": "Resource",
        asnUrls: { [`${db}/origin-asn-ipv4.csv`]: true, [`${db}/origin-asn-ipv6.csv`]: true },
        geoUrls: { [`${db}/user-country-ipv4.csv`]: true, [`${db}/user-country-ipv6.csv`]: true },
        maxSize: 100 * 1024 * 1024,
        expires: 86_400_000,
        timeout: 300_000,
      });
    }
    ifEmpty("Tracer", [{ "@type": "Log", enable: true, ansi: false, prefix: "stalwart.log", rotate: "daily", path: "/var/log/stalwart" }]);
  }

  objects(type: string): StoredObject[] {
    const t = type.replace(/^x:/, "");
    return this.store.filter((o) => o.type === t).map(clone);
  }
  singleton(name: string): Body | undefined {
    return clone(this.singletons.get(name.replace(/^x:/, "")));
  }
  boundListeners(): BoundListener[] {
    return clone(this.bound);
  }
  pending(): { reloadSettings: string[]; reloadTls: string[]; restart: string[] } {
    return { reloadSettings: [...this.pendingSets.reloadSettings], reloadTls: [...this.pendingSets.reloadTls], restart: [...this.pendingSets.restart] };
  }

  /**
   * SMTP AUTH PLAIN. server crates/common/src/auth/authentication.rs route_auth_request: the account's first Password
   * credential (crates/registry/src/utils/account.rs password_credential). access_token.rs: an expired password still
   * authenticates, but permissions drop to authenticate/emailReceive, so SMTP submission (EmailSend) fails.
   */
  login(username: string, password: string, at: Date): LoginResult {
    const account = this.objects("Account").find((a) => a.body["@type"] === "User" && (a.body.name === username || this.addressOf(a) === username));
    const credential = Object.values((account?.body.credentials as Body) ?? {}).find((c) => isObj(c) && c["@type"] === "Password") as Body | undefined;
    const secret = String(credential?.secret ?? "");
    const matches = credential !== undefined && (secret === password || (BCRYPT.test(secret) && (this.options.secretMatches?.(secret, password) ?? false)));
    if (!account || !matches) return { authenticated: false };
    const expiresAt = credential.expiresAt === undefined || credential.expiresAt === null ? undefined : Date.parse(String(credential.expiresAt));
    return { authenticated: true, canSend: expiresAt === undefined || expiresAt > at.getTime(), accountId: account.id };
  }

  /** The account's address, its enabled aliases, and those of the groups in `memberGroupIds`. */
  sendableAddresses(account: StoredObject | string): string[] {
    const a = typeof account === "string" ? this.objects("Account").find((o) => o.body.name === account || o.id === account) : account;
    if (!a) return [];
    const own = (o: StoredObject) => [
      this.addressOf(o),
      ...Object.values((o.body.aliases as Body) ?? {})
        .filter((x): x is Body => isObj(x) && x.enabled !== false)
        .map((x) => `${x.name}@${this.domainName(x.domainId ?? o.body.domainId)}`),
    ];
    const groups = Object.keys((a.body.memberGroupIds as Body) ?? {}).flatMap((id) => this.store.filter((o) => o.id === id));
    return [...new Set([a, ...groups].flatMap(own))].filter((x) => !x.endsWith("@undefined")).sort();
  }

  /** `stalwart-cli apply` (without --continue-on-error and --dry-run). CLI apply.rs `run`. */
  apply(ndjson: string): ApplyResult {
    const st: RunState = { createdIds: new Map(), touched: new Set(), writes: [], warnings: [] };
    let done = 0;
    const result = (error?: string): ApplyResult => ({ ok: error === undefined, error, opsCompleted: done, writes: st.writes, warnings: st.warnings });
    try {
      const ops = this.parse(ndjson);
      // Pass 1: destroys in reverse file order. Pass 2: everything else in file order. Pass 3: reconcile leaks reversed.
      for (const op of [...ops].reverse().filter((o) => o.kind === "destroy")) {
        for (const o of this.query(op.type, op.value)) this.serverDestroy(o, st);
        done++;
      }
      const leaks: { type: string; ids: string[] }[] = [];
      for (const op of ops) {
        if (op.kind === "upsert" || op.kind === "reconcile") {
          const leaked = this.upsert(op, st);
          if (op.kind === "reconcile") leaks.push({ type: op.type, ids: leaked });
        } else if (op.kind === "create") {
          this.createAll(op.type, Object.entries(op.value as Body), st);
        } else if (op.kind === "update") {
          // apply.rs execute_update: a `#x` id is resolved client-side from earlier created/matched ids.
          const ref = clientRef(op.id);
          const id = ref === undefined ? op.id! : (st.createdIds.get(ref) ?? fail(`${op.type}: update references unknown created id \`#${ref}\``));
          this.serverUpdate(op.type, id, op.value, st);
          st.touched.add(id);
        }
        if (op.kind !== "destroy") done++;
      }
      // apply.rs pass 3: skip ids any op touched (created, matched, updated) and ids already destroyed.
      const destroyed = new Set<string>();
      for (const leak of leaks.reverse()) {
        for (const id of leak.ids.filter((i) => !st.touched.has(i) && !destroyed.has(i))) {
          destroyed.add(id);
          const o = this.store.find((x) => x.id === id);
          if (o) this.serverDestroy(o, st);
        }
      }
      return result();
    } catch (e) {
      if (e instanceof ApplyError) return result(e.message); // first error aborts; earlier writes stay.
      throw e;
    }
  }

  /** CLI apply.rs parse_ndjson_plan + Plan::resolve + validate_plan_references: all before anything is sent. */
  private parse(ndjson: string): Op[] {
    const ops: Op[] = [];
    ndjson.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      const bad = (why: string) => fail(`invalid plan NDJSON on line ${i + 1}: ${why}`);
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        bad((e as Error).message);
      }
      if (!isObj(raw)) return bad("expected a JSON object");
      const kind = raw["@type"] as OpKind;
      if (!Object.hasOwn(OP_FIELDS, kind)) return bad(`unknown variant ${JSON.stringify(raw["@type"])}`);
      const unknown = Object.keys(raw).find((k) => k !== "@type" && !OP_FIELDS[kind].includes(k));
      if (unknown !== undefined) bad(`unknown field \`${unknown}\``);
      if (typeof raw.object !== "string") bad("missing field `object`");
      ops.push({ kind, index: ops.length, ...this.resolveOp(kind, raw, ops.length) });
    });
    this.validateReferences(ops);
    return ops;
  }

  private resolveOp(kind: OpKind, raw: Body, index: number): Omit<Op, "kind" | "index"> {
    const n = index + 1;
    const canonical = this.canonical(String(raw.object));
    const type = canonical.replace(/^x:/, "");
    const singleton = this.schema.objects[canonical].type === "singleton";
    // apply.rs reject_scope: "only upsert and reconcile match against existing objects".
    if (raw.scope !== undefined && raw.scope !== null && (kind === "create" || kind === "update" || kind === "destroy")) {
      fail(`${kind} operation #${n} has a \`scope\`; only upsert and reconcile match against existing objects`);
    }
    if (kind === "update") {
      // apply.rs resolve_update_id: singletons take no id (or "singleton"); other objects need one.
      if (singleton && raw.id !== undefined && raw.id !== null && raw.id !== "singleton") fail(`BadSingletonId: operation #${n} on ${type}`);
      if (!singleton && (typeof raw.id !== "string" || raw.id === "")) fail(`update operation #${n} on \`${type}\` is missing the top-level \`id\` field`);
      return { canonical, type, id: singleton ? "singleton" : String(raw.id), value: raw.value ?? {} };
    }
    if (kind === "destroy") {
      if (singleton) fail(`cannot destroy singleton \`${type}\` (operation #${n})`);
      return { canonical, type, value: raw.value ?? null };
    }
    // Plan::resolve rejects upsert/reconcile on singletons; a `create` of one is only refused by the server (below).
    if (singleton && kind !== "create") fail(`cannot ${kind} singleton \`${type}\` (operation #${n}); use update instead`);
    const value = isObj(raw.value) ? raw.value : {};
    if (Object.keys(value).length === 0 && kind !== "reconcile") fail(`${kind} operation #${n} has an empty \`value\` map`);
    // A leading `#` on a client id is stripped; duplicates are an error.
    const normalised: Body = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k.replace(/^#/, "");
      if (Object.hasOwn(normalised, key)) fail(`${kind} operation #${n} has duplicate id \`${key}\``);
      normalised[key] = v;
    }
    if (kind === "create") return { canonical, type, value: normalised };
    // apply.rs validate_match_on: a non-empty list, or the string "*".
    const matchOn = raw.matchOn as string[] | "*" | undefined;
    if (matchOn !== undefined && !(matchOn === "*" || (Array.isArray(matchOn) && matchOn.length > 0))) fail(`${kind} operation #${n}: \`matchOn\` must be a non-empty list or "*"`);
    if (kind === "reconcile" && matchOn === undefined && this.labelOf(canonical) === undefined) {
      fail(`reconcile operation #${n} on \`${type}\` has no match key; add a \`matchOn\``);
    }
    return { canonical, type, value: normalised, matchOn, scope: this.checkScope(canonical, raw.scope, normalised, `${kind} operation #${n}`) };
  }

  /** apply.rs resolve_scope_field: flat map of `@type` or declared, non-serverSet properties; no nulls, no contradictions. */
  private checkScope(canonical: string, scope: unknown, value: Body, where: string): Body | undefined {
    if (scope === undefined || scope === null || (isObj(scope) && Object.keys(scope).length === 0)) return undefined;
    if (!isObj(scope)) return fail(`${where} has a \`scope\` that is not a JSON object`);
    const props = this.allProperties(canonical);
    for (const [p, wanted] of Object.entries(scope)) {
      if (wanted === null) fail(`${where} has a null \`scope\` value for \`${p}\``);
      if (p === "@type" && !this.variants(canonical).includes(String(wanted))) fail(`${where} has a \`scope\` on \`@type\` = ${JSON.stringify(wanted)}, not a variant`);
      if (p !== "@type" && !props.has(p)) fail(`${where}: \`scope\` property \`${p}\` is not a property of ${canonical}`);
      if (props.get(p)?.update === "serverSet") fail(`${where}: \`scope\` on server-set property \`${p}\``);
      for (const [cid, body] of Object.entries(value)) {
        if (isObj(body) && body[p] !== undefined && !valuesMatch(body[p], wanted)) fail(`${where}: entry \`${cid}\` contradicts its scope on \`${p}\``);
      }
    }
    return scope;
  }

  /** apply.rs validate_plan_references: `#x` in objectId scope and match values must be declared by an earlier (or this) op. */
  private validateReferences(ops: Op[]): void {
    const declared = new Set<string>();
    for (const op of ops) {
      for (const [p, v] of Object.entries(op.scope ?? {})) {
        const r = clientRef(v);
        if (r !== undefined && this.isRef(op.canonical, p, ANY_VARIANT) && !declared.has(r)) fail(`${op.type}: \`scope\` property \`${p}\` references unresolved id \`#${r}\``);
      }
      if (op.kind === "update" || op.kind === "destroy") continue;
      Object.keys(op.value as Body).forEach((k) => declared.add(k));
      if (op.kind === "create") continue;
      const key = this.matchKey(op);
      for (const body of Object.values(op.value as Body).filter(isObj)) {
        for (const p of key === "value" ? [] : key) {
          const r = clientRef(body[p]);
          if (r !== undefined && this.isRef(op.canonical, p, body["@type"]) && !declared.has(r)) fail(`${op.type}: match property \`${p}\` references unresolved id \`#${r}\``);
        }
      }
    }
  }

  /** apply.rs resolve_match_key: explicit matchOn; "*" = value match; else lists[T].labelProperty; else value match. */
  private matchKey(op: Op): string[] | "value" {
    if (op.matchOn === "*") return "value";
    if (op.matchOn) return op.matchOn;
    const label = this.labelOf(op.canonical);
    return label === undefined ? "value" : [label];
  }

  /** apply.rs upsert_core/find_match/leaked_ids: client-side matching over every object of the type (x:T/query filter {}). */
  private upsert(op: Op, st: RunState): string[] {
    // server crates/jmap/src/registry/query.rs: "Actions cannot be queried" (upsert/reconcile load objects first).
    if (op.type === "Action") fail("Actions cannot be queried");
    const resolveRef = (p: string, v: unknown, atType?: unknown) => {
      const r = clientRef(v);
      if (r === undefined || !this.isRef(op.canonical, p, atType)) return v; // a `#` in a non-reference field is a literal
      return st.createdIds.get(r) ?? fail(`${op.type}: property \`${p}\` references unresolved id \`#${r}\``);
    };
    const scope = op.scope && Object.fromEntries(Object.entries(op.scope).map(([p, v]) => [p, resolveRef(p, v, ANY_VARIANT)]));
    const inScope = (o: StoredObject) => Object.entries(scope ?? {}).every(([p, v]) => valuesMatch(o.body[p], v));
    const key = this.matchKey(op);
    if (key === "value" && op.matchOn === undefined) st.warnings.push(`${op.type} has no match key; matching existing objects by value`);
    // apply.rs scoped_body: an entry that omits a scoped property inherits it.
    const entries = Object.entries(op.value as Body).map(([cid, b]) => [cid, { ...(scope ?? {}), ...(isObj(b) ? b : fail(`${op.type}: entry \`${cid}\` is not a JSON object`)) }] as const);
    const multi = this.variants(op.canonical).length > 0;
    const signature = (body: Body) => {
      const props = key === "value" ? [...this.comparable(op.canonical, body["@type"])] : key;
      return JSON.stringify([body["@type"] ?? null, ...props.map((p) => (key === "value" ? (body[p] ?? null) : resolveRef(p, body[p], body["@type"])))]);
    };
    // apply.rs reject_duplicate_match_keys: two entries with the same key in one op.
    const seen = new Map<string, string>();
    for (const [cid, body] of entries) {
      const s = signature(body);
      if (seen.has(s)) fail(`${op.type}: operation #${op.index + 1} has two entries (\`${seen.get(s)}\`, \`${cid}\`) with the same match key`);
      seen.set(s, cid);
    }
    const toCreate: [string, Body][] = [];
    const toUpdate: [string, Body][] = [];
    const matched = new Set<string>();
    for (const [cid, body] of entries) {
      if (multi && typeof body["@type"] !== "string") fail(`${op.type}: upsert entry is missing \`@type\` (required to match a multi-variant object)`);
      const candidates = this.store.filter((o) => o.type === op.type && (!multi || o.body["@type"] === body["@type"]) && inScope(o));
      const props = key === "value" ? [...this.comparable(op.canonical, body["@type"])] : key;
      for (const p of key === "value" ? [] : key) if (body[p] === undefined) fail(`${op.type}: match property \`${p}\` is missing from the object body`);
      const hits = candidates.filter((c) => props.every((p) => valuesMatch(c.body[p], key === "value" ? body[p] : resolveRef(p, body[p], body["@type"]))));
      if (hits.length > 1) fail(`${op.type}: ambiguous upsert; ${hits.length} existing objects match on ${key === "value" ? "value" : key.join(", ")}`);
      const fields = this.fieldsOf(op.canonical, body["@type"]) ?? {};
      if (hits.length === 1) {
        matched.add(hits[0].id);
        st.createdIds.set(cid, hits[0].id);
        // On a match the patch is the body minus @type and immutable/serverSet fields, sent even if unchanged.
        const patch = Object.fromEntries(Object.entries(body).filter(([k]) => k !== "@type" && fields[k]?.update !== "immutable" && fields[k]?.update !== "serverSet"));
        if (Object.keys(patch).length > 0) toUpdate.push([hits[0].id, patch]);
      } else {
        toCreate.push([cid, Object.fromEntries(Object.entries(body).filter(([k]) => fields[k]?.update !== "serverSet"))]);
      }
    }
    // apply.rs upsert_core: the create batch goes first, then one update per matched object.
    for (const id of this.createAll(op.type, toCreate, st)) matched.add(id);
    for (const [id, patch] of toUpdate) this.serverUpdate(op.type, id, patch, st);
    matched.forEach((id) => st.touched.add(id));
    return this.store.filter((o) => o.type === op.type && !matched.has(o.id) && inScope(o)).map((o) => o.id);
  }

  /** One `x:T/set {create}`: the server attempts every entry; the CLI then fails on the first `notCreated`. */
  private createAll(type: string, entries: readonly (readonly [string, unknown])[], st: RunState): string[] {
    const ids: string[] = [];
    let firstError: string | undefined;
    for (const [cid, body] of entries) {
      try {
        const id = this.serverCreate(type, body, st);
        if (id === undefined) continue;
        st.createdIds.set(cid, id);
        st.touched.add(id);
        ids.push(id);
      } catch (e) {
        if (!(e instanceof ApplyError)) throw e;
        firstError ??= `${type}: create failed for \`${cid}\`: ${e.message}`;
      }
    }
    if (firstError) fail(firstError);
    return ids;
  }

  private serverCreate(type: string, raw: unknown, st: RunState): string | undefined {
    if (!isObj(raw)) return fail("expected an object");
    const body = this.resolveRefs(raw, st) as Body;
    if (type === "Action") return this.runAction(body);
    // set.rs: a singleton is written only through `update` of id "singleton" (exact server error text not in the notes).
    if (this.schema.objects[`x:${type}`]?.type === "singleton") fail(`${type} is a singleton: it cannot be created`);
    this.checkWrite(type, body);
    const id = this.insert(type, body);
    this.record({ kind: "create", type, id, label: labelOf(body, id) }, st);
    return id;
  }

  /** server crates/jmap/src/registry/set.rs; a singleton never stored (revision 0) is inserted. */
  private serverUpdate(type: string, id: string, rawPatch: unknown, st: RunState): void {
    if (type === "Action") fail("Actions cannot be updated"); // mapping/action.rs action_set
    if (!isObj(rawPatch)) fail("update value must be an object");
    const patch = this.resolveRefs(rawPatch, st) as Body;
    const singleton = this.schema.objects[`x:${type}`]?.type === "singleton";
    const target = singleton ? undefined : this.store.find((o) => o.id === id && o.type === type);
    if (!singleton && !target) fail(`${type}: server returned no \`updated\` entry for id \`${id}\` (the id may not exist)`);
    const merged = applyPatch(singleton ? (this.singletons.get(type) ?? {}) : target!.body, patch);
    this.checkWrite(type, merged, [...new Set(Object.keys(patch).map((k) => k.split("/")[0]))]);
    if (singleton) this.singletons.set(type, merged);
    else target!.body = merged;
    this.record({ kind: "update", type, id, label: labelOf(merged, id) }, st);
  }

  private serverDestroy(o: StoredObject, st: RunState): void {
    this.store = this.store.filter((x) => x.id !== o.id);
    this.record({ kind: "destroy", type: o.type, id: o.id, label: labelOf(o.body, o.id) }, st);
  }

  /** server crates/jmap/src/registry/query.rs registry_query: filters only on the type's indexes, AND only. */
  private query(type: string, filter: unknown): StoredObject[] {
    if (type === "Action") fail("Actions cannot be queried");
    if (filter === null || filter === undefined) return this.store.filter((o) => o.type === type);
    if (!isObj(filter)) return fail(`${type}: filter must be an object`);
    if ("operator" in filter && filter.operator !== "AND") fail(`${type}: Only AND is supported in filters`);
    const conditions = "operator" in filter ? ((filter.conditions as Body[]) ?? []) : [filter];
    const indexes = QUERY_INDEXES[type] ?? this.schema.lists?.[`x:${type}`]?.filters?.map((f) => f.field) ?? [];
    const tests = conditions.flatMap((c) =>
      Object.entries(c).map(([k, v]) => {
        const cmp = COMPARISONS.find((s) => k.endsWith(s));
        const prop = cmp ? k.slice(0, -cmp.length) : k;
        if (!indexes.includes(prop)) fail(`unsupportedFilter: Filter on property ${prop} is not supported or invalid (${type})`);
        return (o: StoredObject) => {
          const actual = o.body[prop];
          if (cmp) return compare(actual, v, cmp);
          if (prop === "text") return JSON.stringify(o.body).toLowerCase().includes(String(v).toLowerCase()); // full-text, approximated
          return isObj(actual) ? actual[String(v)] === true : actual === v; // sets: membership
        };
      }),
    );
    return this.store.filter((o) => o.type === type && tests.every((t) => t(o)));
  }

  /** server crates/jmap/src/registry/mapping/action.rs action_set: only create; reloads clear what they apply. */
  private runAction(body: Body): undefined {
    const problems = this.validator.validateBody("x:Action", body, "Action");
    if (problems.length > 0) fail(problems.join("; "));
    if (body["@type"] === "ReloadSettings") this.pendingSets.reloadSettings.clear();
    if (body["@type"] === "ReloadTlsCertificates") this.pendingSets.reloadTls.clear();
    return undefined;
  }

  /** Schema validation of the stored body, and server crates/jmap/src/registry/mapping/principal.rs credential rules. */
  private checkWrite(type: string, body: Body, touched?: string[]): void {
    // An update is judged on the properties it writes (first-boot Authentication holds the enterprise-only defaultTenantRoleIds).
    const written = (problem: string) => !touched || !problem.startsWith(`${type}.`) || touched.some((k) => new RegExp(`^${type}\\.${k}[.:\\[ ]`).test(problem));
    const problems = this.validator.validateBody(`x:${type}`, body, type).filter(written);
    if (problems.length > 0) fail(`invalidProperties: ${problems.join("; ")}`);
    if (type !== "Account" || body["@type"] !== "User" || (touched && !touched.includes("credentials"))) return;
    // principal.rs validate_credential_creation: a Password only as the first entry; no AppPassword/ApiKey.
    Object.values((body.credentials as Body) ?? {}).forEach((c, index) => {
      const kind = isObj(c) ? c["@type"] : undefined;
      if (kind === "Password" && index > 0) fail("Only one password credential is allowed.");
      if (kind === "AppPassword" || kind === "ApiKey") fail("Secondary credentials cannot be set directly.");
      // secret.rs is_password_hash: a `$`/`{` hash is stored as is; plaintext must pass the length policy (zxcvbn not modelled).
      const secret = isObj(c) ? String(c.secret ?? "") : "";
      const auth = this.singletons.get("Authentication") ?? {};
      if (kind === "Password" && !/^[${]/.test(secret) && (secret.length < Number(auth.passwordMinLength ?? 8) || secret.length > Number(auth.passwordMaxLength ?? 128))) {
        fail("Password does not meet the length policy.");
      }
    });
  }

  /** notes §4: immediate (cache invalidation), ReloadTlsCertificates, restart (boot-only), else ReloadSettings. */
  private record(write: Write, st: RunState): void {
    st.writes.push(write);
    const what = `${write.kind} ${write.type} ${write.label}`;
    if (IMMEDIATE.has(write.type)) return;
    if (RESTART.has(write.type)) this.pendingSets.restart.add(what);
    else if (write.type === "Certificate") this.pendingSets.reloadTls.add(what);
    else this.pendingSets.reloadSettings.add(what);
  }

  /** CLI collect_refs/createdIds: `#x` string values and object keys become server ids; an unknown one fails. */
  private resolveRefs(value: unknown, st: RunState): unknown {
    const id = (s: string) => {
      const r = clientRef(s);
      return r === undefined ? s : (st.createdIds.get(r) ?? fail(`invalidProperties: unresolved reference \`#${r}\``));
    };
    if (typeof value === "string") return id(value);
    if (Array.isArray(value)) return value.map((v) => this.resolveRefs(v, st));
    if (!isObj(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [id(k), this.resolveRefs(v, st)]));
  }

  /** CLI resolve::require_object: case-insensitive, `x:` prefix optional. */
  private canonical(name: string): string {
    const want = name.toLowerCase();
    return Object.keys(this.schema.objects).find((k) => k.toLowerCase() === want || k.toLowerCase() === `x:${want}`) ?? fail(`unknown object \`${name}\``);
  }
  private labelOf(canonical: string): string | undefined {
    return this.schema.lists?.[canonical]?.labelProperty;
  }
  private variants(canonical: string): string[] {
    const s = this.schema.schemas[canonical];
    return s?.type === "multiple" ? s.variants.map((v) => v.name) : [];
  }
  private fieldsOf(canonical: string, atType?: unknown) {
    const s = this.schema.schemas[canonical];
    const name = s?.type === "multiple" ? s.variants.find((v) => v.name === atType)?.schemaName : s?.schemaName;
    return name === undefined ? undefined : this.schema.fields[name]?.properties;
  }
  /** apply.rs resolve_match_value / scope_prop_is_reference: is `p` an objectId (in this variant, or any for scopes)? */
  private isRef(canonical: string, p: string, atType: unknown): boolean {
    const spec = atType === ANY_VARIANT ? this.allProperties(canonical).get(p) : this.fieldsOf(canonical, atType)?.[p];
    return spec?.type.type === "objectId";
  }
  private allProperties(canonical: string) {
    const s = this.schema.schemas[canonical];
    const names = s?.type === "multiple" ? s.variants.map((v) => v.schemaName) : [s?.schemaName];
    return new Map(names.flatMap((n) => Object.entries(this.schema.fields[n ?? ""]?.properties ?? {})));
  }
  /** apply.rs is_comparable_scalar: string/number/boolean/enum/utcDateTime, not secret, not serverSet. */
  private comparable(canonical: string, atType: unknown): string[] {
    return Object.entries(this.fieldsOf(canonical, atType) ?? {})
      .filter(([, f]) => f.update !== "serverSet" && !["secret", "secretText"].includes(f.type.format ?? "") && ["string", "number", "boolean", "enum", "utcDateTime"].includes(f.type.type))
      .map(([n]) => n)
      .sort();
  }

  private count(type: string): number {
    return this.store.filter((o) => o.type === type).length;
  }
  private insert(type: string, body: Body): string {
    const id = String(this.nextId++);
    this.store.push({ id, type, body: clone(body) });
    return id;
  }
  private domainName(id: unknown): string | undefined {
    return this.store.find((o) => o.type === "Domain" && o.id === id)?.body.name as string | undefined;
  }
  private addressOf(a: StoredObject): string {
    const name = String(a.body.name);
    return name.includes("@") ? name : `${name}@${this.domainName(a.body.domainId)}`;
  }
}

const labelOf = (body: Body, id: string) => String(body.name ?? body.description ?? body.selector ?? body["@type"] ?? id);

const compare = (a: unknown, b: unknown, cmp: string) => {
  if (a === undefined || a === null) return false;
  const [x, y] = [a as number | string, b as number | string];
  return cmp === "IsGreaterThan" ? x > y : cmp === "IsGreaterThanOrEqual" ? x >= y : cmp === "IsLessThan" ? x < y : x <= y;
};

/** A JMAP patch: top-level keys replace; JSON-pointer keys (`aliases/2/name`, `memberGroupIds/<id>`) set nested values, null removes. */
function applyPatch(body: Body, patch: Body): Body {
  const out = clone(body);
  for (const [key, value] of Object.entries(patch)) {
    const path = key.split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    let at: Body = out;
    for (const p of path.slice(0, -1)) at = (isObj(at[p]) ? at[p] : (at[p] = {})) as Body;
    const last = path[path.length - 1];
    if (value === null && path.length > 1) delete at[last];
    else at[last] = clone(value);
  }
  return out;
}
