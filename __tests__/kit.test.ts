import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runKitCheck } from "../bin/kit-check";
import { closure, driftCheck, structuralCheck } from "../kit/audit";
import { formatDag, parseDag, readDagFile, registryFile } from "../kit/dag-file";
import { formatMermaid } from "../kit/report";
import { upgradesAtomically } from "../stacks/kit-stack";
import { synthExample, synthFleetYaml } from "./helpers/synth";
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

  it("2: a two-node cycle, listing the stalled slots", () => {
    const r = kitCheck("--registry", fixture("cycle.yaml"));
    expect(r.code).toBe(2);
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
  ])("3: %s", (_what, argv, message) => {
    const r = kitCheck(...argv.map((a) => (a.endsWith(".yaml") ? fixture(a) : a)));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("3: usage errors", () => {
    expect(kitCheck("--bogus").code).toBe(3);
    expect(kitCheck("--format", "dot").code).toBe(3);
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
  const edges = new Map(registry.map((s) => [s.name, s.dependsOn]));

  it("installs the closure of the fleet's includes, one release per slot, depends_on exactly the DAG edges", () => {
    const selected = closure(registry, ["bp-cilium", "bp-cert-manager", "bp-cert-manager-issuers", "bp-external-secrets-stores", "bp-keycloak", "bp-powerdns", "bp-hcloud-ccm", "bp-catalyst-platform"]);
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
    expect(byChart["bp-cert-manager"].version).toBe("0.1.4");
    expect(byChart["bp-keycloak"].version).toBe("~0.1");
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
      defaultVersion: "1.0.0"
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
    kit: {include: [bp-cilium, bp-cert-manager, bp-catalyst-platform, bp-cert-manager-issuers, bp-external-secrets-stores], defaultVersion: "1.0.0"}
    webmail: {enabled: false}
    tenants:
      - {id: acme, domain: {mode: free-subdomain}}
`;
    expect(() => synthFleetYaml(yaml)).toThrow(
      'stack fsn1-mail requires bootstrap-kit slot bp-hcloud-ccm, which the kit of Sovereign "fsn1" (sovereigns[0].kit) does not install: add it to kit.include',
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

  it("documents the registry as the README's mermaid source", () => {
    expect(readFileSync(join(__dirname, "..", "README.md"), "utf8")).toContain("npm run kit:check -- --format mermaid");
  });
});
