import fc from "fast-check";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../app/cli";
import { FleetError } from "../fleet/errors";
import { loadFleetFile, MAX_FLEET_BYTES, parseFleet } from "../fleet/load";
import { EXAMPLE_FLEET_FILE } from "./helpers/synth";

const INVALID_DIR = join(__dirname, "fixtures", "invalid");
const fixtures = readdirSync(INVALID_DIR).filter((f) => f.endsWith(".yaml")).sort();

/** Runs the CLI in-process against a fleet file with an existing output directory holding a sentinel. */
function runAgainstExistingOutput(fleetFile: string) {
  const work = mkdtempSync(join(tmpdir(), "fleet-invalid-"));
  const out = join(work, "cdktf.out");
  mkdirSync(join(out, "stacks"), { recursive: true });
  // An earlier synthesis (the only kind of directory --out replaces).
  writeFileSync(join(out, "manifest.json"), JSON.stringify({ stacks: {}, version: "0.21.0" }));
  let stderr = "";
  let stdout = "";
  const code = runCli(["--fleet", fleetFile, "--out", out], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stderr, stdout, work, out };
}

describe("malformed fleet files", () => {
  it("has at least 80 fixtures, each with an expectation", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(80);
    for (const name of fixtures) expect([name, readFileSync(join(INVALID_DIR, name), "utf8").startsWith("# expect: ")]).toEqual([name, true]);
  });

  it.each(fixtures)("%s: specific error, non-zero exit, previous output untouched", (name) => {
    const file = join(INVALID_DIR, name);
    const header = readFileSync(file, "utf8").split("\n")[0];
    const expected = header.replace(/^# expect:\s*/, "").split("|").map((s) => s.trim());
    const { code, stderr, stdout, work, out } = runAgainstExistingOutput(file);

    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`invalid fleet file ${file}`);
    for (const fragment of expected) expect(stderr).toContain(fragment);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe(JSON.stringify({ stacks: {}, version: "0.21.0" }));
    expect(readdirSync(work)).toEqual(["cdktf.out"]);
  });

  it("reports a missing file by name", () => {
    const { code, stderr } = runAgainstExistingOutput("/nonexistent/fleet.yaml");
    expect(code).toBe(1);
    expect(stderr).toContain("/nonexistent/fleet.yaml: (file): cannot read the fleet file: no such file");
  });

  it("collects every problem of a file, each with its own path", () => {
    const err = captureFleetError(`version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    loadBalancer: {type: NodePort}
    tenants:
      - {id: acme, domain: {mode: free-subdomain}}
      - {id: acme, domain: {mode: byo, name: x.omantel.example.org}}
`);
    expect(err.problems.map((p) => p.path)).toEqual([
      "sovereigns[0].loadBalancer.type",
      "sovereigns[0].tenants[1].id",
      "sovereigns[0].tenants[1].id",
      "sovereigns[0].tenants[1].domain.name",
    ]);
  });
});

describe("input limits and encodings", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleet-limits-"));
  const file = (name: string, content: string | Buffer) => (writeFileSync(join(dir, name), content), join(dir, name));
  const aliasBomb = ["a0: &a0 [x,x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(",")}]`)].join("\n");
  const cases: [string, () => string, RegExp][] = [
    ["a device (reads forever)", () => (symlinkSync("/dev/zero", join(dir, "zero.yaml")), join(dir, "zero.yaml")), /\(file\): cannot read the fleet file: not a regular file/],
    ["a directory", () => dir, /\(file\): cannot read the fleet file: it is a directory/],
    ["a file over the size limit", () => file("big.yaml", `# ${"x".repeat(MAX_FLEET_BYTES)}\n`), /\(file\): the fleet file is \d+ bytes; at most 524288 \(512 KiB\) are read: split the fleet/],
    ["UTF-16", () => file("u16.yaml", Buffer.from("\ufeffversion: 1\n", "utf16le")), /\(file\): the fleet file is UTF-16; save it as UTF-8/],
    ["bytes that are not UTF-8", () => file("latin1.yaml", Buffer.from([0x76, 0x3a, 0x20, 0xe9, 0x0a])), /\(file\): the fleet file is not valid UTF-8/],
    ["an empty file", () => file("empty.yaml", ""), /\(top level\): the file is empty/],
    ["two documents", () => file("two.yaml", "version: 1\n---\nversion: 1\n"), /\(top level\): the file holds more than one YAML document/],
    ["an alias bomb", () => file("bomb.yaml", `${aliasBomb}\n`), /\(top level\): the file expands aliases more than 1000 times/],
    ["20,000 nested lists", () => file("deep.yaml", `version: ${"[".repeat(20000)}${"]".repeat(20000)}\n`), /the file nests too deeply to read/],
  ];
  it.each(cases)("%s: a fleet error naming the file, exit 1, nothing written", (_what, make, message) => {
    const fleet = make();
    let stderr = "";
    const out = join(dir, "out");
    const code = runCli(["--fleet", fleet, "--out", out], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {} });
    expect(code).toBe(1);
    expect(stderr).toContain(`invalid fleet file ${fleet}`);
    expect(stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it("prints at most 50 problems, then a count", () => {
    const tenants = Array.from({ length: 80 }, (_, i) => `      - {id: t${i}, domain: {mode: byo}}`).join("\n");
    const yaml = `version: 1\nsovereigns:\n  - name: fsn1\n    fqdn: omantel.example.org\n    cluster: {context: c}\n    tenants:\n${tenants}\n`;
    const err = (() => {
      try {
        parseFleet(yaml, "many.yaml");
      } catch (e) {
        return e as FleetError;
      }
      throw new Error("expected a FleetError");
    })();
    expect(err.problems).toHaveLength(80);
    const lines = err.message.split("\n");
    expect(lines[0]).toBe("invalid fleet file many.yaml (80 problems):");
    expect(lines).toHaveLength(52);
    expect(lines[51]).toBe("  … and 30 more problems");
  });
});

describe("CLI usage errors", () => {
  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["a.yaml", "b.yaml"], "give the fleet file once"],
    [["--fleet", "a.yaml", "b.yaml"], "give the fleet file once"],
    [["--out", ""], "--out needs a value"],
    [["--fleet="], "--fleet needs a value"],
  ])("%j exits 2 with usage", (argv, message) => {
    let stderr = "";
    const code = runCli(argv, { stdout: () => undefined, stderr: (t) => (stderr += t), env: {} });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("usage:");
  });
});

describe("valid fleets", () => {
  it("resolves the example fleet with its documented defaults", () => {
    const fleet = loadFleetFile(EXAMPLE_FLEET_FILE);
    const [sov] = fleet.sovereigns;
    expect(sov.relay).toEqual({
      stackName: "fsn1-mail",
      domain: "omantel.example.org",
      mailHost: "mail.omantel.example.org",
      namespace: "stalwart-sovereign",
      capacity: { cpu: "250m", memory: "512Mi", storage: "10Gi" },
      mode: "sovereign-local",
      submissionListener: "submissions",
      senderAddress: "noreply@omantel.example.org",
      aliases: [],
      clients: [{ namespace: "catalyst-system", podLabels: {} }],
      mothership: undefined,
      keycloakProjection: undefined,
      credentialsPath: "sovereign/omantel.example.org/stalwart/relay",
      dkimPath: "sovereign/omantel.example.org/stalwart/relay/dkim",
      requiredSlots: ["bp-catalyst-platform", "bp-cert-manager"],
    });
    expect(sov.tenants.map((t) => [t.stackName, t.domainMode, t.domain, t.mailHost, t.namespace])).toEqual([
      ["fsn1-tenant-acme", "free-subdomain", "acme.omantel.example.org", "mail.acme.omantel.example.org", "org-acme"],
      ["fsn1-tenant-globex", "byo", "globex.example.com", "mail.globex.example.com", "org-globex"],
    ]);
    expect(sov.tenants[0].capacity).toEqual({ cpu: "500m", memory: "1Gi", storage: "20Gi" });
    expect(sov.tenants[1].capacity).toEqual({ cpu: "1", memory: "2Gi", storage: "50Gi" });
    expect(sov.platform.image).toBe("stalwartlabs/stalwart:v0.16.18");
    expect(sov.platform.credentials).toEqual({ rotationDays: { admin: 180, submission: 180, metrics: 180, oidc: 180, dkim: 180 }, overlapDays: 7 });
    expect(sov.tenants[0].secrets.basePath).toBe("sovereign/omantel.example.org/stalwart/acme");
  });

  it("uses a configured parent zone for free subdomains and appends a digest pin", () => {
    const fleet = parseFleet(
      `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    stalwart: {digest: "sha256:${"a".repeat(64)}"}
    tenantParentZone: mail.omantel.example.org
    tenants:
      - {id: acme, domain: {mode: free-subdomain}}
      - {id: beta, domain: {mode: free-subdomain, parentZone: sme.example.org}}
`,
      "inline.yaml",
    );
    expect(fleet.sovereigns[0].tenants.map((t) => t.domain)).toEqual(["acme.mail.omantel.example.org", "beta.sme.example.org"]);
    expect(fleet.sovereigns[0].platform.image).toBe(`stalwartlabs/stalwart:v0.16.18@sha256:${"a".repeat(64)}`);
  });

  it("accepts generated fleets whose names fit, and every derived name is a valid label ≤ 63", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
    // "relay" is reserved and "mail" names the relay's mail host (both rejected by their own fixtures).
    const tenantId = label.filter((id) => id !== "relay" && id !== "mail");
    fc.assert(
      fc.property(label, fc.uniqueArray(tenantId, { minLength: 0, maxLength: 6 }), (sov, ids) => {
        const tenants = ids.map((id) => `      - {id: ${id}, domain: {mode: free-subdomain}}`).join("\n");
        const fleet = parseFleet(
          `version: 1\nsovereigns:\n  - name: ${sov}\n    fqdn: ${sov}.example.org\n    cluster: {context: c}\n    openbao: {address: \"https://bao.example.org\"}\n    tenants:${ids.length ? `\n${tenants}` : " []"}\n`,
          "generated.yaml",
        );
        for (const t of fleet.sovereigns[0].tenants) {
          for (const name of [t.stackName, t.namespace]) expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("synthesizes punycode IDNs and '--' in tenant ids and domains", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-idn-"));
    const file = join(dir, "idn.yaml");
    writeFileSync(
      file,
      `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.omantel.example.org"}
    tenants:
      - {id: my--shop, domain: {mode: free-subdomain}}
      - {id: idn, domain: {mode: byo, name: xn--mnchen-3ya.example.com}}
`,
    );
    let stderr = "";
    const code = runCli(["--fleet", file, "--out", join(dir, "out")], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {} });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const stack = readFileSync(join(dir, "out", "stacks", "fsn1-tenant-idn", "cdk.tf.json"), "utf8");
    expect(stack).toContain("v=DMARC1; p=reject; rua=mailto:postmaster@xn--mnchen-3ya.example.com");
  });
});

function captureFleetError(yaml: string): FleetError {
  try {
    parseFleet(yaml, "inline.yaml");
  } catch (err) {
    if (err instanceof FleetError) return err;
    throw err;
  }
  throw new Error("expected a FleetError");
}
