/**
 * The synthesis cache: a stack is reused only when everything that decides its bytes is the same (each input class
 * changed on its own must miss), what it writes is byte for byte what a run without it writes, and a damaged or
 * half-written entry is never used.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { stringify } from "yaml";
import { buildFingerprint, SYNTH_ENV, withSynthesisEnv } from "../app/build-fingerprint";
import { canonicalJson } from "../app/canonical-json";
import { FileStamps } from "../app/file-stamps";
import { runCli } from "../app/cli";
import { SynthCache } from "../app/synth-cache";
import { synthesizeFleet, type SynthesizeOptions } from "../app/synthesize";
import { parseFleet } from "../fleet/load";
import { stackInputsOf } from "../fleet/stack-inputs";
import { filesUnder } from "./helpers/files";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "dist", "main.js");
const work = mkdtempSync(join(tmpdir(), "sovereign-mail-cache-"));
let counter = 0;
const fresh = (name: string) => join(work, `${name}-${counter++}`);


const KIT = ["bp-cilium", "bp-cert-manager", "bp-cert-manager-issuers", "bp-external-secrets-stores", "bp-keycloak", "bp-powerdns", "bp-hcloud-ccm", "bp-catalyst-platform"];

interface TenantSpec {
  id: string;
  domain: { mode: "free-subdomain" } | { mode: "byo"; name: string };
  capacity?: { cpu: string; memory: string; storage: string };
  webmail?: { enabled: boolean };
}

/** A fleet as data (one Sovereign with a kit, unless told), to change one thing at a time. */
function baseFleet() {
  return {
    version: 1,
    sovereigns: [
      {
        name: "fsn1",
        fqdn: "omantel.example.org",
        cluster: { context: "fsn1" },
        openbao: { address: "https://bao.example.org" },
        dns: { ttl: 300, rfc2136: { server: "ns1.omantel.example.org", zone: "omantel.example.org", keyName: "sovereign-mail." } },
        ptr: { location: "fsn1" },
        relay: { senders: ["alerts@omantel.example.org"] } as Record<string, unknown>,
        kit: { include: [...KIT], values: { "bp-hcloud-ccm": { networking: { enabled: true } } } as Record<string, unknown> } as Record<string, unknown> | undefined,
        tenants: [
          { id: "acme", domain: { mode: "free-subdomain" } },
          { id: "globex", domain: { mode: "byo", name: "globex.example.com" } },
          { id: "initech", domain: { mode: "free-subdomain" } },
        ] as TenantSpec[],
      },
    ] as Record<string, unknown>[],
  };
}
type FleetData = ReturnType<typeof baseFleet>;
const sov = (f: FleetData) => f.sovereigns[0] as ReturnType<typeof baseFleet>["sovereigns"][number] & { tenants: TenantSpec[]; kit?: Record<string, unknown> };
const parse = (f: FleetData) => parseFleet(stringify(f), "fleet.yaml");

/** Synthesizes with the cache (and a fixed build fingerprint unless told) and without; both must be the same bytes. */
function warmAndCold(f: FleetData, cacheDir: string, options: SynthesizeOptions = {}) {
  const fleet = parse(f);
  const warm = fresh("warm");
  const report = synthesizeFleet(fleet, warm, { fingerprint: "build-1", ...options, cache: options.cache ?? { dir: cacheDir, maxBytes: 2 ** 30 } });
  const cold = fresh("cold");
  synthesizeFleet(fleet, cold, { stacks: options.stacks });
  expect(filesUnder(warm)).toEqual(filesUnder(cold));
  return { report, warm, built: report.stacks.filter((s) => !report.reused.includes(s)) };
}

describe("the key covers every input class: changing one rebuilds exactly the stacks that read it", () => {
  const cache = fresh("cache");
  beforeAll(() => {
    const first = warmAndCold(baseFleet(), cache);
    expect(first.report.reused).toEqual([]);
  });

  it("an unchanged fleet reuses every stack", () => {
    const { report } = warmAndCold(baseFleet(), cache);
    expect(report.reused).toEqual(["fsn1-kit", "fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex", "fsn1-tenant-initech"]);
  });

  it("a tenant field: that tenant's stack", () => {
    const f = baseFleet();
    sov(f).tenants[1].capacity = { cpu: "2", memory: "4Gi", storage: "20Gi" };
    expect(warmAndCold(f, cache).built).toEqual(["fsn1-tenant-globex"]);
  });

  it("a new tenant: its stack only; a removed one: nothing", () => {
    const f = baseFleet();
    sov(f).tenants.push({ id: "hooli", domain: { mode: "byo", name: "hooli.example.com" } });
    expect(warmAndCold(f, cache).built).toEqual(["fsn1-tenant-hooli"]);
    sov(f).tenants.splice(0, 1);
    expect(warmAndCold(f, cache).built).toEqual([]);
  });

  it("a tenant's place in the file: nothing (its stack does not see it)", () => {
    const f = baseFleet();
    sov(f).tenants.reverse();
    expect(warmAndCold(f, cache).built).toEqual([]);
  });

  it("with monitoring: a new tenant also rebuilds the kit (Alloy scrapes it), a tenant's other fields and its place do not", () => {
    const monitored = () => {
      const f = baseFleet();
      Object.assign(sov(f), { monitoring: {} });
      sov(f).kit!.include = [...KIT, "bp-alloy", "bp-grafana"];
      return f;
    };
    const own = fresh("cache-monitoring");
    expect(warmAndCold(monitored(), own).report.reused).toEqual([]);
    const added = monitored();
    sov(added).tenants.push({ id: "hooli", domain: { mode: "byo", name: "hooli.example.com" } });
    expect(warmAndCold(added, own).built).toEqual(["fsn1-kit", "fsn1-tenant-hooli"]);
    const resized = monitored();
    sov(resized).tenants[1].capacity = { cpu: "2", memory: "4Gi", storage: "20Gi" };
    expect(warmAndCold(resized, own).built).toEqual(["fsn1-tenant-globex"]);
    const moved = monitored();
    sov(moved).tenants.reverse();
    expect(warmAndCold(moved, own).built).toEqual([]);
  });

  it("a relay field: the relay stack", () => {
    const f = baseFleet();
    sov(f).relay = { senders: ["alerts@omantel.example.org", "billing@omantel.example.org"] };
    expect(warmAndCold(f, cache).built).toEqual(["fsn1-mail"]);
  });

  it("a Sovereign (platform) field: every stack of the Sovereign", () => {
    const f = baseFleet();
    (sov(f).dns as { ttl: number }).ttl = 600;
    expect(warmAndCold(f, cache).built).toEqual(["fsn1-kit", "fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex", "fsn1-tenant-initech"]);
  });

  it("a kit value: the kit stack; a kit that goes: every mail stack (its dependency goes)", () => {
    const f = baseFleet();
    sov(f).kit!.values = { "bp-hcloud-ccm": { networking: { enabled: false } } };
    expect(warmAndCold(f, cache).built).toEqual(["fsn1-kit"]);
    sov(f).kit = undefined;
    expect(warmAndCold(f, cache).built).toEqual(["fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex", "fsn1-tenant-initech"]);
  });

  it("another Sovereign: only its own stacks", () => {
    const f = baseFleet();
    f.sovereigns.push({ ...sov(baseFleet()), name: "hel1", fqdn: "hel.example.net", dns: { ttl: 300 }, relay: {}, ptr: { location: "hel1" }, tenants: [{ id: "umbrella", domain: { mode: "byo", name: "umbrella.example.com" } }] });
    expect(warmAndCold(f, cache).built).toEqual(["hel1-kit", "hel1-mail", "hel1-tenant-umbrella"]);
  });

  it("the build (code, lock file, Node.js, synthesis environment, as the fingerprint): every stack", () => {
    expect(warmAndCold(baseFleet(), cache, { fingerprint: "build-2" }).report.reused).toEqual([]);
    expect(warmAndCold(baseFleet(), cache, { fingerprint: "build-1" }).built).toEqual([]);
  });

  it("a selection: the selected stacks and their kit, from the cache", () => {
    const { report } = warmAndCold(baseFleet(), cache, { stacks: ["fsn1-kit", "fsn1-tenant-acme"] });
    expect(report.reused).toEqual(["fsn1-kit", "fsn1-tenant-acme"]);
  });

  it("a kit that lacks a slot a cached stack needs fails as without the cache, the earlier output untouched", () => {
    const f = baseFleet();
    sov(f).kit!.include = ["bp-cilium"];
    delete sov(f).kit!.values;
    const out = fresh("kit-out");
    synthesizeFleet(parse(baseFleet()), out);
    const before = filesUnder(out);
    const run = (cacheDir?: string) => () => synthesizeFleet(parse(f), out, { fingerprint: "build-1", cache: cacheDir ? { dir: cacheDir, maxBytes: 2 ** 30 } : undefined });
    expect(run(cache)).toThrow(/sovereigns\[0\]\.kit\.include: stack fsn1-mail requires bootstrap-kit slots? /);
    expect(run(cache)).toThrow(/fleet\.yaml:\d+:\d+: sovereigns\[0\]\.kit\.include/);
    expect(() => run()()).toThrow(/sovereigns\[0\]\.kit\.include: stack fsn1-mail requires bootstrap-kit slots? /);
    expect(filesUnder(out)).toEqual(before);
  });
});

describe("the build fingerprint changes with each build input", () => {
  const code = fresh("code");
  const project = fresh("project");
  mkdirSync(join(code, "app"), { recursive: true });
  writeFileSync(join(code, "app", "synthesize.js"), "module.exports = 1;\n");
  writeFileSync(join(code, "main.js"), "require('./app/synthesize');\n");
  mkdirSync(join(project, "node_modules"), { recursive: true });
  writeFileSync(join(project, "package-lock.json"), '{"lockfileVersion":3}\n');
  writeFileSync(join(project, "node_modules", ".package-lock.json"), '{"packages":{}}\n');
  const fingerprint = (env: Record<string, string> = {}, nodeVersion = "v20.19.0") => buildFingerprint({ codeRoot: code, projectRoot: project, env, nodeVersion });

  it("is the same for the same build", () => {
    expect(fingerprint()).toBe(fingerprint());
  });

  it.each([
    ["a code file changes", () => appendFileSync(join(code, "app", "synthesize.js"), "// changed\n")],
    ["a code file is added", () => writeFileSync(join(code, "app", "extra.js"), "\n")],
    ["a code file is renamed", () => writeFileSync(join(code, "app", "extra2.js"), readFileSync(join(code, "app", "extra.js")))],
    ["a data file beside the code changes", () => writeFileSync(join(code, "app", "registry.yaml"), "a: 1\n")],
    ["the lock file changes", () => writeFileSync(join(project, "package-lock.json"), '{"lockfileVersion":3,"x":1}\n')],
    ["npm's record of what is installed changes", () => writeFileSync(join(project, "node_modules", ".package-lock.json"), '{"packages":{"a":1}}\n')],
  ])("when %s", (_, change) => {
    const before = fingerprint();
    change();
    expect(fingerprint()).not.toBe(before);
  });

  it("ignores what cannot be loaded as code (tests, dependencies, dot-folders)", () => {
    const before = fingerprint();
    mkdirSync(join(code, "__tests__"), { recursive: true });
    writeFileSync(join(code, "__tests__", "x.test.js"), "\n");
    mkdirSync(join(code, ".cache"), { recursive: true });
    writeFileSync(join(code, ".cache", "entry.json"), "{}\n");
    expect(fingerprint()).toBe(before);
  });

  it("changes with the Node.js release", () => {
    expect(fingerprint({}, "v20.19.1")).not.toBe(fingerprint({}, "v20.19.0"));
  });

  it.each(SYNTH_ENV)("changes with $%s (set, or set to another value)", (name) => {
    expect(fingerprint({ [name]: "1" })).not.toBe(fingerprint());
    expect(fingerprint({ [name]: "" })).not.toBe(fingerprint());
    expect(fingerprint({ [name]: "1" })).not.toBe(fingerprint({ [name]: "2" }));
  });

  it("ignores other environment variables", () => {
    expect(fingerprint({ HOME: "/elsewhere", SOVEREIGN_MAIL_CHUNK_SIZE: "1" })).toBe(fingerprint());
  });
});

describe("the key of a stack input", () => {
  const inputs = stackInputsOf(parse(baseFleet()));

  /** Every leaf of a value, with a way to change it. */
  function leaves(value: unknown, path: PropertyKey[] = []): { path: PropertyKey[]; changed: unknown }[] {
    if (typeof value === "string") return [{ path, changed: `${value}x` }];
    if (typeof value === "number") return [{ path, changed: value + 1 }];
    if (typeof value === "boolean") return [{ path, changed: !value }];
    if (Array.isArray(value)) return [{ path, changed: [...value, "x"] }, ...value.flatMap((v, i) => leaves(v, [...path, i]))];
    if (value && typeof value === "object") return [{ path, changed: { ...value, extra: 1 } }, ...Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))];
    return [];
  }
  const withLeaf = (value: unknown, path: PropertyKey[], changed: unknown): unknown => {
    if (path.length === 0) return changed;
    const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<PropertyKey, unknown>;
    copy[path[0] as string] = withLeaf(copy[path[0] as string], path.slice(1), changed);
    return copy;
  };

  it("changes with every single value a stack is built from", () => {
    for (const input of inputs) {
      const key = SynthCache.keyOf("build", input);
      const all = leaves(input);
      expect(all.length).toBeGreaterThan(20);
      for (const { path, changed } of all) {
        expect({ path, same: SynthCache.keyOf("build", withLeaf(input, path, changed)) === key }).toEqual({ path, same: false });
      }
    }
  });

  it("is frozen: no stack can change what another reads", () => {
    const tenant = inputs.find((i) => i.kind === "tenant")!;
    expect(Object.isFrozen(tenant)).toBe(true);
    expect(Object.isFrozen(tenant.platform.dns)).toBe(true);
    expect("fleetPath" in (tenant as { tenant: object }).tenant).toBe(false);
  });
});

describe("canonical JSON", () => {
  it("is equal exactly for deeply equal values (key order aside)", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (a, b) => {
        expect(canonicalJson(a) === canonicalJson(b)).toBe(isDeepStrictEqual(a, b) && isDeepStrictEqual(b, a));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(o));
      }),
    );
  });

  it("tells apart what JSON collapses", () => {
    expect(canonicalJson({ a: undefined })).not.toBe(canonicalJson({}));
    expect(canonicalJson(-0)).not.toBe(canonicalJson(0));
    expect(canonicalJson(NaN)).not.toBe(canonicalJson(null));
    expect(canonicalJson([undefined])).not.toBe(canonicalJson([null]));
  });

  it.each([
    ["a Map", new Map([["a", 1]])],
    ["a Date", new Date(0)],
    ["a class instance", new (class Point {})()],
    ["a function", () => 1],
    ["a symbol key", { [Symbol("s")]: 1 }],
    ["an accessor", Object.defineProperty({}, "a", { get: () => 1, enumerable: true })],
    ["an array hole", [1, , 3]], // eslint-disable-line no-sparse-arrays
  ])("refuses %s rather than hashing it as something else", (_, value) => {
    expect(() => canonicalJson({ value })).toThrow(TypeError);
  });
});

describe("warm runs equal cold runs, byte for byte (random fleet changes)", () => {
  const change = fc.oneof(
    fc.record({ kind: fc.constant("capacity" as const), tenant: fc.nat(10), cpu: fc.constantFrom("1", "2", "500m") }),
    fc.record({ kind: fc.constant("add" as const), id: fc.constantFrom("hooli", "umbrella", "wonka"), byo: fc.boolean() }),
    fc.record({ kind: fc.constant("remove" as const), tenant: fc.nat(10) }),
    fc.record({ kind: fc.constant("move" as const), tenant: fc.nat(10) }),
    fc.record({ kind: fc.constant("webmail" as const), tenant: fc.nat(10), enabled: fc.boolean() }),
    fc.record({ kind: fc.constant("ttl" as const), ttl: fc.constantFrom(60, 300, 3600) }),
    fc.record({ kind: fc.constant("kit" as const), enabled: fc.boolean() }),
    fc.record({ kind: fc.constant("senders" as const), n: fc.nat(2) }),
  );
  type Change = typeof change extends fc.Arbitrary<infer T> ? T : never;
  const apply = (f: FleetData, c: Change) => {
    const s = sov(f);
    const at = (i: number) => s.tenants[i % s.tenants.length];
    if (c.kind === "capacity" && s.tenants.length) at(c.tenant).capacity = { cpu: c.cpu, memory: "2Gi", storage: "10Gi" };
    if (c.kind === "add" && !s.tenants.some((t) => t.id === c.id)) s.tenants.push({ id: c.id, domain: c.byo ? { mode: "byo", name: `${c.id}.example.com` } : { mode: "free-subdomain" } });
    if (c.kind === "remove" && s.tenants.length > 1) s.tenants.splice(c.tenant % s.tenants.length, 1);
    if (c.kind === "move" && s.tenants.length) s.tenants.push(...s.tenants.splice(c.tenant % s.tenants.length, 1));
    if (c.kind === "webmail" && s.tenants.length) at(c.tenant).webmail = { enabled: c.enabled };
    if (c.kind === "ttl") (s.dns as { ttl: number }).ttl = c.ttl;
    if (c.kind === "kit") s.kit!.values = { "bp-hcloud-ccm": { networking: { enabled: c.enabled } } };
    if (c.kind === "senders") s.relay = { senders: ["alerts", "billing", "ops"].slice(0, c.n).map((l) => `${l}@omantel.example.org`) };
  };

  it("after any sequence of changes, with a cache warmed by the earlier ones", () => {
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 3 }), (changes) => {
        const cache = fresh("prop-cache");
        const f = baseFleet();
        warmAndCold(f, cache);
        for (const c of changes) {
          apply(f, c);
          warmAndCold(f, cache);
        }
      }),
      { numRuns: 6 },
    );
  });
});

describe("damaged and half-written entries are never used", () => {
  const entriesOf = (cache: string) =>
    readdirSync(join(cache, "entries")).flatMap((shard) => readdirSync(join(cache, "entries", shard)).map((k) => join(cache, "entries", shard, k)));
  /** An entry's stack JSON (its largest file) and its header. */
  const stackFileOf = (entry: string) => join(entry, "files", "cdk.tf.json");
  const headerOf = (entry: string) => join(entry, "entry.json");

  it.each([
    ["a flipped byte in a stack file", (entry: string) => flip(stackFileOf(entry), statSync(stackFileOf(entry)).size - 10)],
    ["a flipped byte in the header", (entry: string) => flip(headerOf(entry), 60)],
    ["a truncated stack file (a torn copy)", (entry: string) => truncateSync(stackFileOf(entry), statSync(stackFileOf(entry)).size - 1)],
    ["a missing stack file", (entry: string) => rmSync(stackFileOf(entry))],
    ["an empty header", (entry: string) => truncateSync(headerOf(entry), 0)],
    ["another stack's entry under this key", (entry: string, entries: string[], originals: Map<string, Buffer>) => {
      const other = entries[(entries.indexOf(entry) + 1) % entries.length];
      writeFileSync(headerOf(entry), originals.get(headerOf(other))!);
      writeFileSync(stackFileOf(entry), originals.get(stackFileOf(other))!);
    }],
  ])("%s is a miss, removed and rebuilt", (_, damage) => {
    const cache = fresh("damaged-cache");
    warmAndCold(baseFleet(), cache);
    const entries = entriesOf(cache);
    expect(entries.length).toBe(5);
    const originals = new Map(entries.flatMap((e) => [headerOf(e), stackFileOf(e)]).map((f) => [f, readFileSync(f)]));
    for (const entry of entries) damage(entry, entries, originals);
    const { report } = warmAndCold(baseFleet(), cache);
    expect(report.reused).toEqual([]);
    expect(warmAndCold(baseFleet(), cache).built).toEqual([]);
  });

  it("a file an interrupted run left in the cache is never read as an entry, and goes once stale", () => {
    const cache = fresh("crash-cache");
    warmAndCold(baseFleet(), cache);
    const tmp = join(cache, "tmp", "12345-abcdef");
    writeFileSync(tmp, "half an entry");
    expect(warmAndCold(baseFleet(), cache).built).toEqual([]);
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    require("node:fs").utimesSync(tmp, old, old);
    const f = baseFleet();
    sov(f).tenants[0].capacity = { cpu: "3", memory: "1Gi", storage: "1Gi" };
    warmAndCold(f, cache);
    expect(existsSync(tmp)).toBe(false);
  });

  it("editing a synthesized output never changes the cache (files are linked only from the output they replace)", () => {
    const cache = fresh("edit-cache");
    const fleet = parse(baseFleet());
    const out = fresh("edit-out");
    const options = { fingerprint: "build-1", cache: { dir: cache, maxBytes: 2 ** 30 } };
    synthesizeFleet(fleet, out, options);
    synthesizeFleet(fleet, out, options);
    const file = join(out, "stacks", "fsn1-tenant-acme", "cdk.tf.json");
    expect(statSync(file).nlink).toBe(1);
    writeFileSync(file, "edited");
    const again = fresh("edit-again");
    expect(synthesizeFleet(fleet, again, options).reused).toHaveLength(5);
    const cold = fresh("edit-cold");
    synthesizeFleet(fleet, cold);
    expect(filesUnder(again)).toEqual(filesUnder(cold));
    // Over the edited output: the edited file is not taken for the cached one.
    synthesizeFleet(fleet, out, options);
    expect(filesUnder(out)).toEqual(filesUnder(cold));
  });
});

describe("a warm run over its earlier output", () => {
  it("moves each unchanged stack's directory over (same inode), rewrites a changed one, and leaves no stray file", () => {
    const cache = fresh("move-cache");
    const out = fresh("move-out");
    const options = { fingerprint: "build-1", cache: { dir: cache, maxBytes: 2 ** 30 } };
    const before = baseFleet();
    synthesizeFleet(parse(before), out, options);
    // A moved stack keeps its directory; a rewritten one gets a new directory.
    const inode = (stack: string) => statSync(join(out, "stacks", stack)).ino;
    const [kitInode, acmeInode, globexInode] = [inode("fsn1-kit"), inode("fsn1-tenant-acme"), inode("fsn1-tenant-globex")];
    // A stray file beside a stack's JSON: that stack's directory is not moved, so the stray file goes.
    writeFileSync(join(out, "stacks", "fsn1-kit", "stray.txt"), "left by hand");
    const after = baseFleet();
    sov(after).tenants[0] = { ...sov(after).tenants[0], capacity: { cpu: "2", memory: "4Gi", storage: "80Gi" } } as TenantSpec;
    synthesizeFleet(parse(after), out, options);
    expect(inode("fsn1-tenant-globex")).toBe(globexInode);
    expect(inode("fsn1-kit")).not.toBe(kitInode);
    expect(existsSync(join(out, "stacks", "fsn1-kit", "stray.txt"))).toBe(false);
    expect(inode("fsn1-tenant-acme")).not.toBe(acmeInode);
    const cold = fresh("move-cold");
    synthesizeFleet(parse(after), cold);
    expect(filesUnder(out)).toEqual(filesUnder(cold));
    // Unchanged again: every stack directory is the same one.
    const inodes = readdirSync(join(out, "stacks")).map(inode);
    synthesizeFleet(parse(after), out, options);
    expect(readdirSync(join(out, "stacks")).map(inode)).toEqual(inodes);
    expect(filesUnder(out)).toEqual(filesUnder(cold));
  });
});

describe("file stamps: a file is read again exactly when it may have changed", () => {
  const digest = (text: string) => createHash("sha256").update(text).digest("hex");
  it("an unchanged stamped file is not read; one rewritten in place is, even with its size and modification time put back", () => {
    const dir = fresh("stamps");
    mkdirSync(dir);
    const file = join(dir, "f.json");
    writeFileSync(file, "aaaa");
    const stamps = new FileStamps(join(dir, "stamps.json"));
    expect(stamps.digestOf(file)).toBe(digest("aaaa"));
    stamps.save();
    const reads: string[] = [];
    const again = new FileStamps(join(dir, "stamps.json"), (p) => (reads.push(p), readFileSync(p)));
    expect(again.digestOf(file)).toBe(digest("aaaa"));
    expect(reads).toEqual([]);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, "bbbb");
    utimesSync(file, atime, mtime);
    expect(again.digestOf(file)).toBe(digest("bbbb"));
    expect(reads).toEqual([file]);
    expect(again.digestOf(join(dir, "absent"))).toBeUndefined();
  });

  it("damaged or foreign stamps are ignored, never believed", () => {
    const dir = fresh("stamps-bad");
    mkdirSync(dir);
    const file = join(dir, "f.json");
    writeFileSync(file, "cccc");
    for (const content of ["{not json", "[]", JSON.stringify({ [file]: ["1", "2"] }), JSON.stringify({ [file]: [1, 2, 3, 4, 5, "x"] })]) {
      writeFileSync(join(dir, "stamps.json"), content);
      expect(new FileStamps(join(dir, "stamps.json")).digestOf(file)).toBe(digest("cccc"));
    }
  });

  it("the build fingerprint is the same through stamps as read afresh, and follows a code file changed in place", () => {
    const root = fresh("stamped-code");
    mkdirSync(join(root, "dist"), { recursive: true });
    writeFileSync(join(root, "dist", "a.js"), "one");
    writeFileSync(join(root, "package-lock.json"), "{}");
    const stamps = new FileStamps(join(root, "stamps.json"));
    const options = { codeRoot: join(root, "dist"), projectRoot: root, env: {}, nodeVersion: "v20" };
    const plain = buildFingerprint(options);
    expect(buildFingerprint({ ...options, digestOf: (p) => stamps.digestOf(p) })).toBe(plain);
    expect(buildFingerprint({ ...options, digestOf: (p) => stamps.digestOf(p) })).toBe(plain);
    const { atime, mtime } = statSync(join(root, "dist", "a.js"));
    writeFileSync(join(root, "dist", "a.js"), "two");
    utimesSync(join(root, "dist", "a.js"), atime, mtime);
    expect(buildFingerprint({ ...options, digestOf: (p) => stamps.digestOf(p) })).not.toBe(plain);
  });
});

describe("eviction", () => {
  it("keeps the cache within its size, least recently used first, never what the run used", () => {
    const cache = fresh("evict-cache");
    warmAndCold(baseFleet(), cache, { fingerprint: "old-build" });
    const sizeOf = () => readdirSync(join(cache, "entries")).flatMap((s) => readdirSync(join(cache, "entries", s)).map((k) => statSync(join(cache, "entries", s, k)).size));
    const oneBuild = sizeOf().reduce((a, b) => a + b, 0);
    // Room for one build's entries (the same sizes in both builds): the new build's stay, the old build's go.
    const { report } = warmAndCold(baseFleet(), cache, { fingerprint: "new-build", cache: { dir: cache, maxBytes: oneBuild * 1.01 } });
    expect(report.reused).toEqual([]);
    expect(sizeOf().reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(oneBuild * 1.01);
    expect(warmAndCold(baseFleet(), cache, { fingerprint: "new-build" }).built).toEqual([]);
    expect(warmAndCold(baseFleet(), cache, { fingerprint: "old-build" }).report.reused).toEqual([]);
  });
});

describe("the command line", () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT });
  });
  const fleetFile = join(work, "cli-fleet.yaml");
  writeFileSync(fleetFile, stringify(baseFleet()));
  const cli = (args: string[], env: Record<string, string> = {}) => {
    let stdout = "";
    let stderr = "";
    const code = runCli(["--fleet", fleetFile, ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
    return { code, stdout, stderr };
  };

  it("--cache-dir and $SOVEREIGN_MAIL_CACHE_DIR name the cache; the second run reuses every stack", () => {
    const cache = fresh("cli-cache");
    expect(cli(["--out", fresh("o"), "--cache-dir", cache]).stdout).toContain("cache: 0 of 5 stacks reused");
    expect(cli(["--out", fresh("o")], { SOVEREIGN_MAIL_CACHE_DIR: cache }).stdout).toContain("cache: 5 of 5 stacks reused");
  });

  it("--no-cache and $SOVEREIGN_MAIL_NO_CACHE read and write no cache", () => {
    const cache = fresh("off-cache");
    const r = cli(["--out", fresh("o"), "--no-cache"], { SOVEREIGN_MAIL_CACHE_DIR: cache });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("cache:");
    expect(cli(["--out", fresh("o"), "--cache-dir", cache], { SOVEREIGN_MAIL_NO_CACHE: "1" }).stdout).not.toContain("cache:");
    expect(existsSync(cache)).toBe(false);
    expect(cli(["--out", fresh("o"), "--no-cache", "--cache-dir", cache]).code).toBe(2);
    expect(cli(["--out", fresh("o")], { SOVEREIGN_MAIL_CACHE_DIR: cache, SOVEREIGN_MAIL_CACHE_MAX_MB: "lots" }).code).toBe(2);
  });

  it.each([
    // The compiled modules: cdktf's files are required or not.
    ["modules", join(ROOT, "dist", "app", "main.js"), 'Object.keys(require.cache).some((p) => p.includes("/node_modules/cdktf/"))'],
    // The esbuild bundle (what dist/main.js runs after npm run build) initializes a bundled module only when it is
    // required: cdktf's token map, created by its first token, exists or not.
    ["bundle", MAIN, "globalThis.__cdktfTokenMap !== undefined"],
  ])("the compiled app (%s) loads no cdktf when every stack is in the cache, and writes the same bytes", (_kind, entry, loaded) => {
    const cache = fresh("dist-cache");
    const probe = join(work, `probe-${_kind}.js`);
    writeFileSync(probe, `process.on("exit", () => process.stderr.write(\`cdktf loaded: \${${loaded}}\\n\`));\n`);
    const run = (out: string) => spawnSync(process.execPath, ["-r", probe, entry, "--fleet", fleetFile, "--out", out, "--cache-dir", cache], { encoding: "utf8" });
    const [first, second] = [fresh("dist-out"), fresh("dist-out")];
    expect(run(first).stderr).toBe("cdktf loaded: true\n");
    const warm = run(second);
    expect(warm.stderr).toBe("cdktf loaded: false\n");
    expect(warm.stdout).toContain("cache: 5 of 5 stacks reused");
    expect(filesUnder(second)).toEqual(filesUnder(first));
  });

});

describe("the synthesis environment", () => {
  it("$SOVEREIGN_MAIL_TOKEN_TRACES changes no byte (it is in the key all the same)", () => {
    const fleet = parse(baseFleet());
    const [plain, traced] = [fresh("plain"), fresh("traced")];
    synthesizeFleet(fleet, plain);
    process.env.SOVEREIGN_MAIL_TOKEN_TRACES = "1";
    try {
      synthesizeFleet(fleet, traced);
    } finally {
      delete process.env.SOVEREIGN_MAIL_TOKEN_TRACES;
    }
    expect(filesUnder(traced)).toEqual(filesUnder(plain));
  });

  it("synthesis sees only the variables of the key", () => {
    process.env.SOVEREIGN_MAIL_UNRELATED = "1";
    try {
      const seen = withSynthesisEnv(() => Object.keys(process.env));
      expect(seen.filter((k) => !(SYNTH_ENV as readonly string[]).includes(k))).toEqual([]);
      expect(process.env.SOVEREIGN_MAIL_UNRELATED).toBe("1");
    } finally {
      delete process.env.SOVEREIGN_MAIL_UNRELATED;
    }
  });

  it("one of them changes what cdktf writes: so they are in the key", () => {
    const fleet = parse(baseFleet());
    const [plain, hcl] = [fresh("plain"), fresh("hcl")];
    synthesizeFleet(fleet, plain);
    process.env.SYNTH_HCL_OUTPUT = "true";
    try {
      synthesizeFleet(fleet, hcl);
    } catch {
      // Failing is a change too.
    } finally {
      delete process.env.SYNTH_HCL_OUTPUT;
    }
    expect(existsSync(hcl) && filesUnder(hcl)).not.toEqual(filesUnder(plain));
  });
});

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= 0x01;
  writeFileSync(file, bytes);
}
