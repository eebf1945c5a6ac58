/**
 * Offline apply: a synthesized stack rewritten so that real Terraform can plan and apply it with no provider.
 * Every resource becomes Terraform's built-in `terraform_data`: its configuration goes into `input` (evaluated by
 * Terraform exactly as the provider would receive it), what the provider would compute is a stand-in expression
 * over the instance (a new `id` on every replacement). Every data source becomes the built-in data source
 * `terraform_remote_state` reading a state file of stand-in values, so Terraform defers its read exactly as it
 * would the real one's. References, `depends_on` and `lifecycle` point at the stand-ins, and `plantimestamp()`
 * becomes `var.plan_timestamp` so tests can move time.
 *
 * The stand-ins copy what the pinned providers do, read from their source (docs/CONFORMANCE.md):
 * - random 3.7.2 `random_password`: every argument forces replacement; `result` and `bcrypt_hash` are sensitive
 *   and unknown until apply.
 * - time 0.13.1 `time_static`: `rfc3339` is the configured value or the apply time, unknown at plan when not
 *   configured; `triggers` force replacement. `time_rotating`: replaced when an argument changes and, at refresh,
 *   removed once the plan time is at or past `rotation_rfc3339`.
 * - tls 4.1.0 `tls_private_key`: every argument forces replacement; PEM sizes of real keys.
 * - kubernetes 2.38.0 `kubernetes_service_v1`: `status.load_balancer.ingress` as hcloud-cloud-controller-manager
 *   fills it (public IPv4, IPv6 unless disabled, the private address unless private ingress is disabled).
 * Everything else updates in place: its configuration is its state.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { epochDayExpression } from "../../constructs/credentials/rotation";
import { errorsOf, terraform, type Diagnostic } from "./terraform-cli";
import type { Json, TfJson } from "./terraform-json";

const META = new Set(["//", "depends_on", "lifecycle", "provider", "count", "for_each", "connection", "provisioner"]);
export const PLAN_TIMESTAMP = "var.plan_timestamp";
/** Prefix of the outputs through which a stack reads back a ConfigMap it writes itself. */
const OWN_OUTPUT = "own__";
/** Prefix of the outputs that expose a stand-in's computed values. */
const COMPUTED_OUTPUT = "computed__";

/** How one provider type behaves, as far as Terraform's evaluation of our configuration can tell. */
interface StandIn {
  /** Every argument forces replacement (the state keeps what was created; `input` changes are ignored). */
  readonly replacedOnAnyChange?: boolean;
  /** Arguments (dotted paths into nested blocks) that force replacement of an updatable resource. @default none */
  readonly forceNew?: readonly string[];
  /** Extra values fixed when the instance is created (`input`), as template strings of the original stack. */
  created?(body: Json): Record<string, string>;
  /** Computed attributes as HCL expressions; `self` is the stand-in's address. */
  computed?(self: string, body: Json, refs: ReferencedKeys): Record<string, string>;
  /** Replaced at refresh (a `time_rotating` past its rotation time): an HCL condition over the configuration. */
  expired?(body: Json): string;
  /** A data source's attributes (with the map keys the stack reads), served by a builtin data source. */
  read?(body: Json, keys: ReadonlySet<string>): Record<string, { value: Json; sensitive?: boolean }>;
}

/** Keys of maps read from a data source (`data.kubernetes_secret_v1.x.data["k"]`), by address. */
type ReferencedKeys = ReadonlyMap<string, ReadonlySet<string>>;

const hcl = (value: unknown) => JSON.stringify(value);
/** The plan time as a value known only after apply, as the provider's apply-time clock (Terraform has no "unknown" literal). */
const APPLY_TIME = "${plantimestamp()}${substr(uuid(), 0, 0)}";
/** Seconds since 1970 of an RFC 3339 UTC timestamp expression. */
const unixOf = (ts: string) =>
  `(${epochDayExpression(ts)}) * 86400 + tonumber(formatdate("h", ${ts})) * 3600 + tonumber(formatdate("m", ${ts})) * 60 + tonumber(formatdate("s", ${ts}))`;
/** `bytes` pseudo-random bytes of an instance, base64 (an ASCII string of that many hex digits, encoded). */
const base64Bytes = (self: string, salt: string, bytes: number) =>
  `base64encode(substr(join("", [for i in range(${Math.ceil(bytes / 64)}) : sha256("\${${self}.id}-${salt}-\${i}")]), 0, ${bytes}))`;
const pem = (label: string, b64: string) => `"-----BEGIN ${label}-----\\n\${join("\\n", regexall(".{1,64}", ${b64}))}\\n-----END ${label}-----\\n"`;
/** DER sizes of real keys: SubjectPublicKeyInfo and the private key encoding the tls provider writes. */
const KEY_BYTES: Record<string, { readonly publicDer: number; readonly privateDer: number; readonly privateLabel: string }> = {
  ED25519: { publicDer: 44, privateDer: 48, privateLabel: "PRIVATE KEY" },
  "RSA-2048": { publicDer: 294, privateDer: 1192, privateLabel: "RSA PRIVATE KEY" },
  "RSA-3072": { publicDer: 422, privateDer: 1766, privateLabel: "RSA PRIVATE KEY" },
  "RSA-4096": { publicDer: 550, privateDer: 2348, privateLabel: "RSA PRIVATE KEY" },
};
/** A small number derived from a name: stand-in addresses and ids that stay the same across applies. */
const hashByte = (name: string) => createHash("sha256").update(name).digest()[0];

const STAND_INS: Record<string, StandIn> = {
  random_password: {
    replacedOnAnyChange: true,
    computed: (self, body) => ({
      result: `sensitive(substr(join("", [sha256(${self}.id), sha256("\${${self}.id}-2")]), 0, ${body.length ?? 16}))`,
      bcrypt_hash: `sensitive(format("$2a$10$%s", replace(substr(join("", [base64sha256(${self}.id), base64sha256("\${${self}.id}-2")]), 0, 53), "/[+=]/", ".")))`,
    }),
  },
  time_static: {
    replacedOnAnyChange: true,
    created: (body) => ({ created: body.rfc3339 ?? APPLY_TIME }),
    computed: (self) => ({ rfc3339: `${self}.input.created`, unix: unixOf(`${self}.input.created`) }),
  },
  time_rotating: {
    replacedOnAnyChange: true,
    created: (body) => {
      if (body.rfc3339 === undefined) throw new Error("offline apply: the time_rotating stand-in needs a configured rfc3339");
      return { created: body.rfc3339 };
    },
    // `unix` and the calendar fields are the rotation time, not the base (time v0.13.1 setRotationValues).
    computed: (self, body) => ({ rfc3339: `${self}.input.created`, unix: unixOf(rotationOf(`${self}.input.created`, body)), rotation_rfc3339: rotationOf(`${self}.input.created`, body) }),
    // Read removes it from state once the plan time reaches rotation_rfc3339; the next apply creates it anew.
    expired: (body) => `\${timecmp(plantimestamp(), ${rotationOf(unwrap(body.rfc3339), body)}) >= 0}`,
  },
  tls_private_key: {
    replacedOnAnyChange: true,
    computed: (self, body) => {
      const size = KEY_BYTES[body.algorithm === "RSA" ? `RSA-${body.rsa_bits ?? 2048}` : body.algorithm];
      if (!size) throw new Error(`offline apply: no stand-in for tls_private_key ${JSON.stringify(body.algorithm)}`);
      return {
        public_key_pem: pem("PUBLIC KEY", base64Bytes(self, "public", size.publicDer)),
        private_key_pem: `sensitive(${pem(size.privateLabel, base64Bytes(self, "private", size.privateDer))})`,
      };
    },
  },
  kubernetes_service_v1: { forceNew: ["metadata.name", "metadata.namespace"], computed: (_self, body) => ({ status: loadBalancerStatus(body) }) },
  data__hcloud_load_balancer: {
    read: (body) => {
      const n = hashByte(String(body.name ?? body.id));
      return { id: { value: 1000 + n }, ipv4: { value: `203.0.113.${n}` }, ipv6: { value: `2001:db8::${n.toString(16)}` } };
    },
  },
  data__kubernetes_secret_v1: {
    read: (body, keys) => ({ data: { value: Object.fromEntries([...keys].map((k) => [k, `stand-in-${k}`])), sensitive: true } }),
  },
  dns_a_record_set: { forceNew: ["zone", "name"] },
  dns_aaaa_record_set: { forceNew: ["zone", "name"] },
  dns_txt_record_set: { forceNew: ["zone", "name"] },
  dns_mx_record_set: { forceNew: ["zone", "name"] },
  dns_cname_record: { forceNew: ["zone", "name"] },
  vault_kv_secret_v2: { forceNew: ["mount", "name"] },
  // hetznercloud/hcloud v1.68.0 internal/rdns/resource.go: every argument but dns_ptr requires replacement.
  hcloud_rdns: { forceNew: ["server_id", "primary_ip_id", "floating_ip_id", "load_balancer_id", "ip_address"] },
};

/** The expression inside a `${…}`-only template string. */
const unwrap = (template: string) => {
  const m = /^\$\{(.*)\}$/s.exec(template);
  return m ? `(${m[1]})` : hcl(template);
};

function rotationOf(base: string, body: Json): string {
  const hours = (body.rotation_days ?? 0) * 24 + (body.rotation_hours ?? 0) + (body.rotation_minutes ?? 0) / 60;
  if (body.rotation_months !== undefined || body.rotation_years !== undefined || hours === 0) throw new Error("offline apply: time_rotating stand-in takes rotation_days/hours/minutes");
  return `timeadd(${base}, "${hours}h")`;
}

/**
 * What hcloud-cloud-controller-manager writes to a LoadBalancer Service's status: the public IPv4, the IPv6 unless
 * `ipv6-disabled`, and the private-network address unless `disable-private-ingress` (networking is on in the kit).
 */
function loadBalancerStatus(body: Json): string {
  const spec = [body.spec].flat()[0] ?? {};
  if (spec.type !== "LoadBalancer") return hcl([{ load_balancer: [{ ingress: [] }] }]);
  const annotations = [body.metadata].flat()[0]?.annotations ?? {};
  // The load balancer's own name, as the data source looks it up: both stand-ins give it the same addresses.
  const n = hashByte(String(annotations["load-balancer.hetzner.cloud/name"] ?? [body.metadata].flat()[0]?.name));
  const ingress = [{ ip: `203.0.113.${n}`, hostname: "" }];
  if (annotations["load-balancer.hetzner.cloud/ipv6-disabled"] !== "true") ingress.push({ ip: `2001:db8::${n.toString(16)}`, hostname: "" });
  if (annotations["load-balancer.hetzner.cloud/disable-private-ingress"] !== "true") ingress.push({ ip: `10.0.0.${n}`, hostname: "" });
  return hcl([{ load_balancer: [{ ingress }] }]);
}

/** The value at a dotted path; a nested block written as a one-element list is looked through. */
const at = (value: Json, path: string): Json => path.split(".").reduce((v, k) => [v].flat()[0]?.[k], value);

/** `type.name` (or `data.type.name`) → the stand-in's resource name. */
const standInName = (address: string) => address.replace(/\./g, "__");

interface Entry {
  readonly address: string;
  readonly type: string;
  readonly kind: "resource" | "data";
  readonly body: Json;
  readonly self: string;
}

function entriesOf(stack: TfJson): Entry[] {
  const out: Entry[] = [];
  for (const kind of ["resource", "data"] as const) {
    for (const [type, byName] of Object.entries((stack[kind] ?? {}) as Record<string, Record<string, Json>>)) {
      for (const [name, body] of Object.entries(byName)) {
        const address = kind === "data" ? `data.${type}.${name}` : `${type}.${name}`;
        const self = kind === "data" ? `data.terraform_remote_state.${standInName(address)}` : `terraform_data.${standInName(address)}`;
        out.push({ address, type: kind === "data" ? `data__${type}` : type, kind, body, self });
      }
    }
  }
  return out;
}

/** Rewrites every reference in every string of `value` to the stand-ins. */
/** Data sources that read a ConfigMap the same stack writes (its memory): data address → resource address. */
function ownReadsOf(entries: readonly Entry[]): Map<string, string> {
  const key = (b: Json) => { const m = [b.metadata].flat()[0] ?? {}; return `${m.namespace}/${m.name}`; };
  const written = new Map(entries.filter((e) => e.type === "kubernetes_config_map_v1").map((e) => [key(e.body), e.address]));
  return new Map(entries.filter((e) => e.type === "data__kubernetes_config_map_v1" && written.has(key(e.body))).map((e) => [e.address, written.get(key(e.body))!]));
}

function rewriter(entries: readonly Entry[], ownReads: ReadonlyMap<string, string>) {
  const byAddress = new Map(entries.map((e) => [e.address, e]));
  const refs = new Map<string, Set<string>>();
  const pattern = /(?<![\w.-])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)(?:\.([a-z_][a-z0-9_]*))?(\[0\])?(\["([^"\\]+)"\])?/g;
  const computedCache = new Map<string, Record<string, string>>();
  const computedOf = (e: Entry) => {
    if (!computedCache.has(e.address)) computedCache.set(e.address, { id: `${e.self}.id`, ...(STAND_INS[e.type]?.computed?.(e.self, e.body, refs) ?? {}) });
    return computedCache.get(e.address)!;
  };

  const rewriteExpression = (text: string): string =>
    text.replace(pattern, (match, address: string, attr: string | undefined, index: string | undefined, keyIndex: string | undefined) => {
      const e = byAddress.get(address);
      if (!e) return match;
      const rest = (index ?? "") + (keyIndex ?? "");
      if (attr === undefined) return e.self + rest;
      if (ownReads.has(e.address)) return `${e.self}.outputs.${OWN_OUTPUT}${standInName(ownReads.get(e.address)!)}${rest}`;
      if (e.kind === "data") return `${e.self}.outputs.${attr}${rest}`;
      const computed = computedOf(e)[attr];
      if (computed !== undefined) return `(${computed})${rest}`;
      if (!(attr in e.body)) throw new Error(`offline apply: ${address}.${attr} is neither configured nor a known computed attribute`);
      // A nested block written as one JSON object is still a list to Terraform (`metadata[0].name`).
      const configured = e.body[attr];
      const asList = index !== undefined && configured !== null && typeof configured === "object" && !Array.isArray(configured);
      return `${asList ? `[${e.self}.input.${attr}]` : `${e.self}.input.${attr}`}${rest}`;
    });

  /** Only the expression parts of a template string: `${…}` not preceded by `$`. */
  const rewriteString = (s: string): string => {
    let out = "";
    let i = 0;
    while (i < s.length) {
      const start = s.indexOf("${", i);
      if (start < 0) break;
      if (start > 0 && s[start - 1] === "$") {
        out += s.slice(i, start + 2);
        i = start + 2;
        continue;
      }
      const end = closingBrace(s, start + 2);
      out += s.slice(i, start + 2) + rewriteExpression(s.slice(start + 2, end).replace(/\bplantimestamp\(\)/g, PLAN_TIMESTAMP));
      i = end;
    }
    return out + s.slice(i);
  };

  const rewrite = (value: Json): Json => {
    if (typeof value === "string") return rewriteString(value);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };

  // Data sources' map keys read anywhere: collect them before computing stand-ins.
  const collectKeys = (value: Json) => {
    if (typeof value === "string") {
      for (const m of value.matchAll(pattern)) if (m[5] !== undefined && byAddress.has(m[1])) refs.set(byAddress.get(m[1])!.self, new Set([...(refs.get(byAddress.get(m[1])!.self) ?? []), m[5]]));
    } else if (value && typeof value === "object") Object.values(value).forEach(collectKeys);
  };
  const bareAddress = (a: string) => {
    const e = byAddress.get(a);
    if (!e) throw new Error(`offline apply: ${a} is not an address of this stack (Terraform expects a bare resource address here)`);
    return e.self;
  };
  return { rewrite, collectKeys, bareAddress, refs: refs as ReferencedKeys };
}

/** The index just past the `}` closing a template interpolation that starts at `from` (strings and braces nest). */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      else if (c === "$" && s[i + 1] === "{") {
        const end = closingBrace(s, i + 2);
        i = end - 1;
      }
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  throw new Error(`offline apply: unterminated interpolation in ${JSON.stringify(s.slice(from - 2, from + 60))}`);
}

/** The stack as a configuration real Terraform applies with no provider. */
export function offlineConfiguration(stack: TfJson): TfJson {
  const entries = entriesOf(stack);
  const ownReads = ownReadsOf(entries);
  const { rewrite, collectKeys, bareAddress, refs } = rewriter(entries, ownReads);
  collectKeys(stack);
  const standIns: Record<string, Json> = {};
  const reads: Record<string, Json> = {};
  const files: Record<string, string> = {};
  const writeOnly: Record<string, Json> = {};
  const own: Record<string, Json> = {};
  for (const [read, written] of ownReads) {
    // A ConfigMap the stack writes and reads back (its memory): served from the offline directory's own state,
    // as the cluster would serve it; nothing before the first apply, like a ConfigMap that does not exist yet.
    const resource = `${OWN_OUTPUT}${standInName(written)}`;
    reads[standInName(read)] = { backend: "local", config: { path: "${path.module}/terraform.tfstate" }, defaults: { [resource]: {} } };
    own[resource] = { value: `\${terraform_data.${standInName(written)}.input.data}` };
  }
  for (const e of entries.filter((d) => d.kind === "data" && !ownReads.has(d.address))) {
    const model = STAND_INS[e.type];
    if (!model?.read) throw new Error(`offline apply: no stand-in for ${e.address}`);
    const file = `data/${standInName(e.address)}.tfstate`;
    files[file] = stateFileOf({ ...Object.fromEntries(Object.entries(e.body).filter(([k]) => !META.has(k)).map(([k, v]) => [k, { value: v }])), ...model.read(e.body, refs.get(e.self) ?? new Set()) });
    reads[standInName(e.address)] = { backend: "local", config: { path: `\${path.module}/${file}` }, ...(e.body.depends_on ? { depends_on: e.body.depends_on.map(bareAddress) } : {}) };
  }
  for (const e of entries.filter((r) => r.kind === "resource")) {
    const model = STAND_INS[e.type] ?? {};
    const config = Object.fromEntries(Object.entries(e.body).filter(([k]) => !META.has(k) && !k.endsWith("_wo")));
    // Write-only arguments are evaluated (an error in them fails the plan) and kept out of the stand-in's input;
    // sensitive outputs let the tests read what the provider would have sent.
    for (const [k, v] of Object.entries(e.body)) if (k.endsWith("_wo")) writeOnly[`${COMPUTED_OUTPUT}${standInName(e.address)}`] = { value: { [k]: rewrite(v) }, sensitive: true };
    const input = rewrite({ ...config, ...model.created?.(e.body) });
    const replaceOn = model.replacedOnAnyChange ? rewrite(config) : model.forceNew ? rewrite(Object.fromEntries(model.forceNew.map((k) => [k, at(config, k) ?? null]))) : undefined;
    const expired = model.expired ? rewrite(model.expired(e.body)) : undefined;
    const lifecycle: Json = {};
    const triggered = e.body.lifecycle?.replace_triggered_by;
    if (triggered) lifecycle.replace_triggered_by = triggered.map(bareAddress);
    if (model.replacedOnAnyChange) lifecycle.ignore_changes = ["input"];
    standIns[standInName(e.address)] = {
      input,
      ...(replaceOn !== undefined || expired !== undefined ? { triggers_replace: { config: replaceOn ?? null, expired: expired ?? false } } : {}),
      ...(e.body.depends_on ? { depends_on: e.body.depends_on.map(bareAddress) } : {}),
      ...(e.body.count !== undefined ? { count: rewrite(e.body.count) } : {}),
      ...(Object.keys(lifecycle).length > 0 ? { lifecycle } : {}),
    };
  }
  // What the providers computed, readable after apply (`terraform output`): the tests look for leaked secrets.
  const computed: Record<string, Json> = {};
  for (const e of entries.filter((r) => r.kind === "resource")) {
    const values = STAND_INS[e.type]?.computed?.(e.self, e.body, refs);
    if (values && Object.keys(values).length > 0) computed[`${COMPUTED_OUTPUT}${standInName(e.address)}`] = { value: `\${{${Object.entries(values).map(([k, v]) => `${k} = ${v}`).join(", ")}}}`, sensitive: true };
  }
  const { backend: _backend, required_providers: _providers, ...terraformBlock } = stack.terraform ?? {};
  return {
    terraform: terraformBlock,
    variable: { plan_timestamp: { type: "string", description: "Stands for plantimestamp()" } },
    ...(stack.locals ? { locals: rewrite(stack.locals) } : {}),
    resource: { terraform_data: standIns },
    ...(Object.keys(reads).length > 0 ? { data: { terraform_remote_state: reads } } : {}),
    output: { ...rewrite(stack.output ?? {}), ...computed, ...writeOnly, ...own },
    [FILES]: files,
  };
}

/** Key of the extra files (data source states) in {@link offlineConfiguration}'s result; not Terraform's. */
const FILES = "//files";

/** A state file whose outputs are a data source's attributes (`terraform_remote_state` serves them). */
function stateFileOf(outputs: Record<string, { value: Json; sensitive?: boolean }>): string {
  const typeOf = (v: Json): Json =>
    typeof v === "string" ? "string" : typeof v === "number" ? "number" : typeof v === "boolean" ? "bool" : ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeOf(x)]))];
  const entries = Object.entries(outputs).map(([k, o]) => [k, { value: o.value, type: typeOf(o.value), ...(o.sensitive ? { sensitive: true } : {}) }]);
  return JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 1, lineage: "offline-stand-in", outputs: Object.fromEntries(entries), resources: [] });
}

export interface StandInState {
  /** The original address (`random_password.x`, `data.hcloud_load_balancer.y`). */
  readonly address: string;
  /** The configuration as the provider would have received it, and the values fixed at creation. */
  readonly input: Json;
  readonly id: string;
}

/** A directory holding one offline stack: apply, re-plan and read back its state with real Terraform. */
export class OfflineStack {
  constructor(readonly dir: string) {}

  static create(dir: string, stack: TfJson): OfflineStack {
    const offline = new OfflineStack(dir);
    mkdirSync(dir, { recursive: true });
    // An empty state, so a stack reading its own ConfigMap back reads "nothing yet" on the first apply.
    writeFileSync(join(dir, "terraform.tfstate"), stateFileOf({}));
    offline.configure(stack);
    const init = terraform(dir, ["init", "-input=false", "-no-color", "-json"]);
    if (init.status !== 0) throw new Error(`terraform init failed in ${dir}:\n${describe(errorsOf(init))}${init.stderr}`);
    return offline;
  }

  /** Replaces the configuration (a new synthesis of the stack); the state stays. */
  configure(stack: TfJson): void {
    mkdirSync(join(this.dir, "data"), { recursive: true });
    const { [FILES]: files, ...config } = offlineConfiguration(stack);
    writeFileSync(join(this.dir, "main.tf.json"), JSON.stringify(config, null, 2));
    for (const [file, text] of Object.entries(files as Record<string, string>)) writeFileSync(join(this.dir, file), text);
  }

  /** The resource changes of a plan as of `now`, by original address, with the stand-ins' values before and after. */
  plan(now: string): { address: string; actions: string[]; before: Json; after: Json; afterUnknown: Json }[] {
    const run = terraform(this.dir, ["plan", "-input=false", "-no-color", "-out=offline.tfplan", `-var=plan_timestamp=${now}`]);
    if (run.status !== 0) throw new Error(`terraform plan at ${now} failed in ${this.dir}:\n${run.stdout.slice(-4000)}${run.stderr}`);
    const shown = terraform(this.dir, ["show", "-json", "offline.tfplan"]);
    return (JSON.parse(shown.stdout).resource_changes ?? [])
      .filter((c: Json) => !c.change.actions.includes("no-op") && !c.change.actions.includes("read"))
      .map((c: Json) => ({ address: originalAddress(c.name), actions: c.change.actions, before: c.change.before, after: c.change.after, afterUnknown: c.change.after_unknown }));
  }

  /** `terraform apply` as of `now` (RFC 3339); throws with every diagnostic when it fails. */
  apply(now: string, extra: readonly string[] = []): void {
    const run = terraform(this.dir, ["apply", "-auto-approve", "-input=false", "-no-color", "-json", `-var=plan_timestamp=${now}`, ...extra]);
    if (run.status !== 0) throw new Error(`terraform apply at ${now} failed in ${this.dir}:\n${describe(errorsOf(run))}${run.stderr}`);
  }

  /** The addresses (original names) a plan as of `now` would change, with the action. */
  plannedChanges(now: string): { address: string; actions: string[] }[] {
    const run = terraform(this.dir, ["plan", "-input=false", "-no-color", "-json", `-var=plan_timestamp=${now}`]);
    if (run.status !== 0) throw new Error(`terraform plan at ${now} failed in ${this.dir}:\n${describe(errorsOf(run))}${run.stderr}`);
    return run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .filter((m) => m.type === "planned_change")
      .map((m) => ({ address: originalAddress(m.change.resource.resource_name), actions: [m.change.action] }));
  }

  /** Every stand-in in state, by original address. */
  state(): Map<string, StandInState> {
    const run = terraform(this.dir, ["show", "-json", "-no-color"]);
    if (run.status !== 0) throw new Error(`terraform show failed in ${this.dir}: ${run.stderr}`);
    const resources: Json[] = (JSON.parse(run.stdout).values?.root_module?.resources ?? []).filter((r: Json) => r.mode === "managed");
    return new Map(resources.map((r) => [originalAddress(r.name), { address: originalAddress(r.name), input: r.values.input, id: r.values.id }]));
  }

  /** The stack's own outputs (value and whether Terraform holds it sensitive). */
  outputs(): Record<string, { value: Json; sensitive: boolean }> {
    return Object.fromEntries(Object.entries(this.allOutputs()).filter(([k]) => !k.startsWith(COMPUTED_OUTPUT)));
  }

  /** What the providers computed, by original address (`random_password.x` → `{ result, bcrypt_hash, id }`). */
  computed(): Map<string, Record<string, Json>> {
    const outputs = Object.entries(this.allOutputs()).filter(([k]) => k.startsWith(COMPUTED_OUTPUT));
    return new Map(outputs.map(([k, v]) => [originalAddress(k.slice(COMPUTED_OUTPUT.length)), v.value]));
  }

  private allOutputs(): Record<string, { value: Json; sensitive: boolean }> {
    const run = terraform(this.dir, ["output", "-json", "-no-color"]);
    if (run.status !== 0) throw new Error(`terraform output failed in ${this.dir}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  }
}

const originalAddress = (standIn: string) => standIn.replace(/__/g, ".");
const describe = (errors: readonly Diagnostic[]) => errors.map((d) => `  ${d.summary}${d.where ? ` (${d.where})` : ""}: ${d.detail}\n`).join("");
