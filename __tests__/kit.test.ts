import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { parse as parseYaml } from "yaml";
import { runKitCheck } from "../bin/kit-check";
import { FleetError } from "../fleet/errors";
import { checkKits } from "../fleet/checks";
import { parseFleet } from "../fleet/load";
import { resolveFleet } from "../fleet/resolve";
import { fleetSchema } from "../fleet/schema";
import { closure, driftCheck, structuralCheck } from "../kit/audit";
import { chartVersionsFile, formatChartLock, isExactVersion, parseChartLock, readProjectChartLock, type ChartLock } from "../kit/chart-versions";
import { formatDag, KitInputError, parseDag, readDagFile, registryFile } from "../kit/dag-file";
import { formatMermaid } from "../kit/report";
import { SLOT, upgradesAtomically } from "../kit/slots";
import { KitStack } from "../stacks/kit-stack";
import { EXAMPLE_FLEET_FILE, synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf } from "./helpers/terraform-json";

const FIXTURES = join(__dirname, "fixtures", "kit");
const REFERENCE = join(__dirname, "..", "..", "shared", "reference", "openova-bootstrap-deps.yaml");
const fixture = (name: string) => join(FIXTURES, name);

function kitCheck(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = runKitCheck(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("the project's slot registry", () => {
  const registry = readDagFile(registryFile());

  it("is the upstream DAG plus slot 95 and nothing else: the only drift against the reference", () => {
    const result = kitCheck("--expected", REFERENCE);
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n").filter((l) => /^(error|warning):/.test(l))).toEqual(["error: bp-stalwart-sovereign is in the registry but not expected"]);
    expect(registry.find((s) => s.slot === "95")).toEqual({ slot: "95", name: "bp-stalwart-sovereign", dependsOn: ["bp-catalyst-platform", "bp-cert-manager"], wave: "present" });
  });

  it("is acyclic with every dependency declared (the structural checks synthesis also runs)", () => {
    const structure = structuralCheck(registry);
    expect(structure.undeclared).toEqual([]);
    expect(structure.stalled).toEqual([]);
    expect(structure.order).toHaveLength(registry.length);
    const position = new Map(structure.order.map((n, i) => [n, i]));
    for (const s of registry) for (const d of s.dependsOn) expect(position.get(d)!).toBeLessThan(position.get(s.name)!);
    expect(kitCheck().code).toBe(0);
  });

  it("round-trips through the upstream file format", () => {
    expect(parseDag(formatDag(registry), "roundtrip.yaml")).toEqual(registry);
    const reference = readDagFile(REFERENCE);
    expect(parseDag(formatDag(reference), "roundtrip.yaml")).toEqual(reference);
  });

  it("computes closures over the DAG", () => {
    expect([...closure(registry, ["bp-cert-manager"])].sort()).toEqual(["bp-cert-manager", "bp-cilium", "bp-gateway-api"]);
    expect(closure(registry, ["bp-external-secrets-stores"])).toEqual(
      new Set(["bp-external-secrets-stores", "bp-external-secrets", "bp-openbao", "bp-cert-manager", "bp-cilium", "bp-gateway-api", "bp-cnpg", "bp-flux", "bp-hcloud-csi", "bp-huawei-evs-csi", "bp-reflector"]),
    );
    expect(() => closure(registry, ["bp-nope"])).toThrow(/unknown bootstrap-kit slot "bp-nope"/);
  });
});

describe("npm run kit:check exit codes", () => {
  it("0: a consistent pair", () => {
    const r = kitCheck("--registry", fixture("base.yaml"), "--expected", fixture("base.yaml"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("summary: 3 present, 3 declared, 0 deferred, 0 drift, 0 cycles — OK");
  });

  it("1: a two-node cycle, listing the stalled slots", () => {
    const r = kitCheck("--registry", fixture("cycle.yaml"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error: dependency cycle; Kahn's algorithm stalled on: bp-a, bp-b");
  });

  it("1: a missing edge", () => {
    const r = kitCheck("--registry", fixture("missing-edge.yaml"), "--expected", fixture("base.yaml"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error: bp-c: missing edges bp-b");
  });

  it("1: an extra edge", () => {
    const r = kitCheck("--registry", fixture("extra-edge.yaml"), "--expected", fixture("base.yaml"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error: bp-c: extra edges bp-a");
  });

  it("1: a dependency on an undeclared name", () => {
    const r = kitCheck("--registry", fixture("undeclared.yaml"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error: bp-a depends on undeclared "bp-ghost"');
  });

  it("0 with a warning: an expected slot absent from the registry is deferred", () => {
    const r = kitCheck("--registry", fixture("deferred.yaml"), "--expected", fixture("base.yaml"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[.] slot 1a   bp-b");
    expect(r.stdout).toContain("warning: bp-b is expected but not in the registry (deferred)");
    expect(r.stdout).toContain("1 present, 3 declared, 2 deferred");
  });

  it.each([
    ["a duplicate name", ["--registry", "duplicate.yaml"], /duplicate name "bp-a" \(slots\[0\] and slots\[1\]\)/],
    ["an empty slot list", ["--registry", "empty.yaml"], /the slot list is empty/],
    ["an unparsable file", ["--registry", "unparsable.yaml"], /not valid YAML/],
    ["an unreadable file", ["--registry", "absent.yaml"], /cannot read \(ENOENT\)/],
    ["an unreadable expected file", ["--expected", "absent.yaml"], /absent\.yaml: cannot read/],
  ])("1: %s", (_what, argv, message) => {
    const r = kitCheck(...argv.map((a) => (a.endsWith(".yaml") ? fixture(a) : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("2: usage errors", () => {
    expect(kitCheck("--bogus").code).toBe(2);
    expect(kitCheck("--format", "dot").code).toBe(2);
  });

  it("prints waves in order with present/deferred markers and mermaid for the docs", () => {
    const r = kitCheck("--registry", fixture("base.yaml"));
    const lines = r.stdout.split("\n");
    expect(lines.indexOf("== wave present ==")).toBeLessThan(lines.indexOf("== wave W2.K1 =="));
    expect(r.stdout).toContain("  [P] slot 01   bp-a                               (root, no deps)");
    expect(r.stdout).toContain("  [P] slot 02   bp-c                               <-- bp-b");
    expect(r.stdout).toMatch(/== wave W2\.K2 ==\n {2}\(none\)/);
    const mermaid = kitCheck("--registry", fixture("base.yaml"), "--format", "mermaid").stdout;
    expect(mermaid).toBe(formatMermaid(readDagFile(fixture("base.yaml"))));
    expect(mermaid).toContain("  bp_b --> bp_c");
  });

  it("drift is a set comparison: order and duplicates of depends_on do not matter", () => {
    const a = parseDag("slots:\n  - {slot: 1, name: x, depends_on: [b, a, a]}\n  - {slot: 2, name: a}\n  - {slot: 3, name: b}\n", "a");
    const b = parseDag("slots:\n  - {slot: 1, name: x, depends_on: [a, b]}\n  - {slot: 2, name: a}\n  - {slot: 3, name: b}\n", "b");
    expect(driftCheck(a, b)).toEqual({ edges: [], unexpected: [], deferred: [] });
  });
});

describe("the <sovereign>-kit stack", () => {
  const example = synthExample();
  const [kit] = example.stacks.kits;
  const json = example.json["fsn1-kit"];
  const releases = resourcesOf(json, "helm_release");
  const registry = readDagFile(registryFile());
  const lock = readProjectChartLock();
  const edges = new Map(registry.map((s) => [s.name, s.dependsOn]));

  it("installs the closure of the fleet's includes, one release per slot, depends_on exactly the DAG edges", () => {
    const selected = closure(registry, ["bp-cilium", "bp-cert-manager", "bp-cert-manager-issuers", "bp-external-secrets-stores", "bp-keycloak", "bp-powerdns", "bp-hcloud-ccm", "bp-catalyst-platform", "bp-alloy", "bp-grafana"]);
    expect(new Set(releases.map((r) => r.body.chart))).toEqual(selected);
    for (const r of releases) {
      const expected = (edges.get(r.body.chart) ?? []).map((d) => `helm_release.${d}`).sort();
      expect([r.body.chart, [...(r.body.depends_on ?? [])].sort()]).toEqual([r.body.chart, expected]);
    }
    const order = json.output.slots.value as string[];
    for (const name of order) for (const d of edges.get(name)!) expect(order.indexOf(d)).toBeLessThan(order.indexOf(name));
  });

  it("waits for each release with an explicit timeout, atomic where safe, pinned versions, escaped values", () => {
    for (const r of releases) {
      expect(r.body).toMatchObject({ wait: true, timeout: 600, create_namespace: true, repository: "oci://ghcr.io/openova-io", atomic: upgradesAtomically(r.body.chart) });
    }
    const byChart = Object.fromEntries(releases.map((r) => [r.body.chart, r.body]));
    // The fleet's pin overrides the lock; every other slot gets the lock's exact version.
    expect(byChart["bp-cert-manager"].version).toBe("0.1.4");
    expect(byChart["bp-keycloak"].version).toBe(lock.charts["bp-keycloak"].version);
    expect(byChart["bp-keycloak"].version).toBe("0.1.0");
    expect(byChart["bp-cilium"].atomic).toBe(false);
    expect(byChart["bp-hcloud-ccm"]).toMatchObject({ name: "hcloud-ccm", namespace: "kube-system", atomic: true, values: ['{"networking":{"enabled":true}}'] });
    expect(byChart["bp-catalyst-platform"].namespace).toBe("catalyst-system");
    expect(kit.slotNames.has("bp-stalwart-sovereign")).toBe(false);
  });

  it("never mixes CRD-dependent manifests with the releases that install the CRDs", () => {
    expect(resourcesOf(json, "kubernetes_manifest")).toEqual([]);
    for (const s of [...example.stacks.relays, ...example.stacks.tenants]) expect(resourcesOf(example.json[s.stackName], "helm_release")).toEqual([]);
  });

  it("orders mail stacks after the kit; nothing depends on the relay", () => {
    const deps = (s: { dependencies: { stackName?: string }[] }) => s.dependencies.map((d) => (d as { stackName: string }).stackName);
    for (const s of [...example.stacks.relays, ...example.stacks.tenants]) expect(deps(s as never)).toEqual(["fsn1-kit"]);
    const all = [...example.stacks.kits, ...example.stacks.relays, ...example.stacks.tenants];
    expect(all.filter((s) => deps(s as never).includes("fsn1-mail"))).toEqual([]);
    expect(deps(kit as never)).toEqual([]);
  });

  it("escapes Flux-style ${VARS} in values so Terraform passes them through", () => {
    const { json: j } = synthFleetYaml(`version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    kit:
      include: [bp-cilium, bp-cert-manager, bp-catalyst-platform, bp-external-secrets-stores]
      values: {bp-cilium: {cluster: {name: "\${SOVEREIGN_FQDN}"}}}
`);
    const cilium = resourcesOf(j["fsn1-kit"], "helm_release").find((r) => r.body.chart === "bp-cilium")!;
    expect(cilium.body.values).toEqual(['{"cluster":{"name":"$\${SOVEREIGN_FQDN}"}}']);
  });

  it("fails synthesis, naming the stack, the slot and the Sovereign, when a stack needs a slot the kit lacks", () => {
    const yaml = `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    loadBalancer: {annotations: {load-balancer.hetzner.cloud/location: fsn1}}
    kit: {include: [bp-cilium, bp-cert-manager, bp-catalyst-platform, bp-cert-manager-issuers, bp-external-secrets-stores]}
    webmail: {enabled: false}
    tenants:
      - {id: acme, domain: {mode: free-subdomain}}
`;
    expect(() => synthFleetYaml(yaml)).toThrow(
      'sovereigns[0].kit.include: stack fsn1-mail requires bootstrap-kit slot bp-hcloud-ccm, which the kit of Sovereign "fsn1" does not install: add it here',
    );
    const withoutHetzner = yaml.replace("    loadBalancer: {annotations: {load-balancer.hetzner.cloud/location: fsn1}}\n", "");
    const { stacks } = synthFleetYaml(withoutHetzner);
    expect(stacks.tenants[0].requiredSlots).toEqual(["bp-cert-manager", "bp-cert-manager-issuers", "bp-cilium", "bp-external-secrets-stores"]);
    // The relay needs what slot 95 depends on in the registry, derived, not restated.
    expect(stacks.relays[0].requiredSlots).toEqual(["bp-catalyst-platform", "bp-cert-manager", "bp-cilium", "bp-external-secrets-stores"]);
    expect(() => synthFleetYaml(withoutHetzner.replace("include: [bp-cilium, bp-cert-manager, bp-catalyst-platform,", "include: [bp-cilium,"))).toThrow(
      'stack fsn1-mail requires bootstrap-kit slot bp-catalyst-platform, which the kit of Sovereign "fsn1"',
    );
  });

  it("documents the registry as the kit page's mermaid source", () => {
    expect(readFileSync(join(__dirname, "..", "docs", "KIT.md"), "utf8")).toContain("npm run kit:check -- --format mermaid");
  });
});

describe("exact chart versions (kit/chart-versions.yaml)", () => {
  const registry = readDagFile(registryFile());
  const lock = readProjectChartLock();
  const lockText = readFileSync(chartVersionsFile(), "utf8");
  const fleetWith = (kit: string) => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    kit: ${kit}
`;
  const problemsOf = (yaml: string) => {
    try {
      parseFleet(yaml, "inline.yaml");
    } catch (err) {
      if (err instanceof FleetError) return err.problems.map((p) => `${p.path}: ${p.message}`);
      throw err;
    }
    throw new Error("the fleet was accepted");
  };
  /** The project's lock without some slots (or with their versions unresolved). */
  const lockWithout = (slots: readonly string[], keepConstraint = false): ChartLock => {
    const charts = { ...lock.charts };
    for (const s of slots) {
      if (keepConstraint) charts[s] = { constraint: charts[s].constraint };
      else delete charts[s];
    }
    return { ...lock, charts };
  };

  it("locks every registry slot but the relay, each an exact version within its constraint, in canonical form", () => {
    expect(Object.keys(lock.charts).sort()).toEqual(registry.map((s) => s.name).filter((n) => n !== SLOT.relay).sort());
    for (const [slot, entry] of Object.entries(lock.charts)) {
      expect([slot, isExactVersion(entry.version!), semver.satisfies(entry.version!, entry.constraint)]).toEqual([slot, true, true]);
    }
    expect(lock.repository).toBe("oci://ghcr.io/openova-io");
    expect(formatChartLock(lock)).toBe(lockText);
    // Honest about where the committed versions came from, and how to refresh them.
    expect(lock.header).toContain("NOT resolved against the live registry");
    expect(lock.header).toContain("npm run kit:lock");
  });

  it("accepts only canonical exact versions", () => {
    for (const v of ["0.1.0", "1.2.3-rc.1", "1.0.0+build.7", "10.20.30"]) expect([v, isExactVersion(v)]).toEqual([v, true]);
    for (const v of ["~0.1", "^1.0.0", "0.1", "0.1.x", ">=1.0.0", "*", "latest", "v1.0.0", "=1.0.0", " 1.0.0", "01.0.0", ""]) expect([v, isExactVersion(v)]).toEqual([v, false]);
  });

  it("rejects malformed lock files, naming the file and the entry", () => {
    const parse = (text: string) => () => parseChartLock(text, "lock.yaml");
    expect(parse('repository: oci://r/x\ncharts:\n  bp-a: {constraint: "~0.1", version: "~0.1"}\n')).toThrow(/lock\.yaml: charts\.bp-a\.version: "~0\.1" is not an exact chart version/);
    expect(parse('repository: oci://r/x\ncharts:\n  bp-a: {constraint: "nope", version: "0.1.0"}\n')).toThrow(/charts\.bp-a\.constraint: "nope" is not a semver version range/);
    expect(parse('repository: oci://r/x\ncharts:\n  bp-a: {constraint: "~0.1", version: "0.1.0", pin: true}\n')).toThrow(/charts\.bp-a: unknown key "pin"/);
    expect(parse('repository: ftp://r/x\ncharts: {}\n')).toThrow(/repository: "ftp:\/\/r\/x": unsupported scheme ftp:/);
    expect(parse('charts: {}\n')).toThrow(/repository: missing/);
    expect(parse('repository: oci://r/x\ncharts: {}\nextra: 1\n')).toThrow(/unknown key "extra"/);
    expect(parse("repository: [\n")).toThrow(KitInputError);
    // An entry added by hand without a version is readable (kit:lock --slot fills it in).
    expect(parseChartLock('repository: oci://r/x\ncharts:\n  bp-a: {constraint: "~0.1"}\n', "lock.yaml").charts).toEqual({ "bp-a": { constraint: "~0.1" } });
  });

  it("rejects a version range in kit.versions, naming the slot", () => {
    expect(problemsOf(fleetWith('{include: [bp-cilium], versions: {bp-cilium: "~0.1", bp-gateway-api: "^0.1.0"}}'))).toEqual([
      'sovereigns[0].kit.versions.bp-cilium: "~0.1" is a version range; the helm provider needs an exact chart version: pin an exact version such as "0.1.0" (the locked one), or delete this entry to use kit/chart-versions.yaml (npm run kit:lock refreshes it)',
      'sovereigns[0].kit.versions.bp-gateway-api: "^0.1.0" is a version range; the helm provider needs an exact chart version: pin an exact version such as "0.1.0" (the locked one), or delete this entry to use kit/chart-versions.yaml (npm run kit:lock refreshes it)',
    ]);
  });

  it("rejects kit.defaultVersion, which no longer exists, saying what to do instead", () => {
    for (const value of ['"~0.1"', '"1.0.0"']) {
      const [problem, ...rest] = problemsOf(fleetWith(`{include: [bp-cilium], defaultVersion: ${value}}`));
      expect(rest).toEqual([]);
      expect(problem).toMatch(/^sovereigns\[0\]\.kit\.defaultVersion: kit\.defaultVersion was removed: delete it\. .*kit\/chart-versions\.yaml.*kit\.versions/);
    }
  });

  it("rejects a selected slot that neither the lock nor the fleet versions, naming the slot", () => {
    const input = fleetSchema.parse(parseYaml(fleetWith("{include: [bp-cert-manager], versions: {bp-gateway-api: \"0.2.0\"}}")));
    expect(checkKits(input, registry, lock)).toEqual([]);
    expect(checkKits(input, registry, lockWithout(["bp-cilium", "bp-cert-manager"]))).toEqual([
      { path: ["sovereigns", 0, "kit", "versions"], message: expect.stringMatching(/^no chart version for bp-cert-manager: kit\/chart-versions\.yaml has no entry for it; .*npm run kit:lock -- --slot bp-cert-manager.* or pin an exact version in kit\.versions$/) },
      { path: ["sovereigns", 0, "kit", "versions"], message: expect.stringMatching(/^no chart version for bp-cilium: kit\/chart-versions\.yaml has no entry for it/) },
    ]);
    // The fleet's exact pin stands in for a missing lock entry (bp-gateway-api is pinned above).
    expect(checkKits(input, registry, lockWithout(["bp-gateway-api"]))).toEqual([]);
    expect(checkKits(input, registry, lockWithout(["bp-cilium"], true))).toEqual([
      { path: ["sovereigns", 0, "kit", "versions"], message: expect.stringContaining("no chart version for bp-cilium: its entry in kit/chart-versions.yaml is not resolved yet (run npm run kit:lock -- --slot bp-cilium)") },
    ]);
  });

  it("synthesizes only exact versions: the lock's, or the fleet's override, and the lock's repository", () => {
    const input = fleetSchema.parse(parseYaml(fleetWith('{include: [bp-cert-manager-issuers], versions: {bp-cilium: "1.16.3"}}')));
    const mirror: ChartLock = { ...lock, repository: "oci://mirror.example.org/charts", charts: { ...lock.charts, "bp-cert-manager": { constraint: "~0.1", version: "0.1.9" } } };
    expect(checkKits(input, registry, mirror)).toEqual([]);
    const fleet = resolveFleet(input, "inline.yaml", registry, mirror);
    expect(fleet.sovereigns[0].kit!.releases.map((r) => [r.name, r.version, r.versionSource])).toEqual([
      ["bp-gateway-api", "0.1.0", "lock"],
      ["bp-cilium", "1.16.3", "fleet"],
      ["bp-cert-manager", "0.1.9", "lock"],
      ["bp-cert-manager-issuers", "0.1.0", "lock"],
    ]);
    // The kit stack alone: this fleet's mail stacks would need more slots than the test selects.
    const kitStack = new KitStack(Testing.app(), fleet.sovereigns[0].platform, fleet.sovereigns[0].kit!);
    const releases = resourcesOf(JSON.parse(Testing.synth(kitStack)), "helm_release");
    expect(Object.fromEntries(releases.map((r) => [r.body.chart, [r.body.version, r.body.repository]]))).toEqual({
      "bp-gateway-api": ["0.1.0", "oci://mirror.example.org/charts"],
      "bp-cilium": ["1.16.3", "oci://mirror.example.org/charts"],
      "bp-cert-manager": ["0.1.9", "oci://mirror.example.org/charts"],
      "bp-cert-manager-issuers": ["0.1.0", "oci://mirror.example.org/charts"],
    });
  });

  it("gives every helm_release of the example fleet's kit an exact version, equal to the lock or the fleet's pin", () => {
    // hashicorp/terraform-provider-helm v3.1.1, helm/resource_helm_release.go, ModifyPlan: the planned version is
    // the resolved chart's version, and a configured version that differs fails the plan with "Planned version is
    // different from configured version" (provider issues 1662, 1745). A range always differs, so only exact
    // versions may reach a helm_release.
    const pins = (parseYaml(readFileSync(EXAMPLE_FLEET_FILE, "utf8")) as { sovereigns: { kit: { versions?: Record<string, string> } }[] }).sovereigns[0].kit.versions ?? {};
    expect(pins).toEqual({ "bp-cert-manager": "0.1.4" });
    const releases = resourcesOf(synthExample().json["fsn1-kit"], "helm_release");
    expect(releases.length).toBeGreaterThan(10);
    for (const r of releases) {
      const version = r.body.version as string;
      expect([r.body.chart, semver.valid(version)]).toEqual([r.body.chart, version]);
      expect([r.body.chart, version]).toEqual([r.body.chart, pins[r.body.chart] ?? lock.charts[r.body.chart].version]);
    }
  });
});
