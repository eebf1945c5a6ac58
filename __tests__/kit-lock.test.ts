import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `npm run kit:lock` end to end: the compiled command as a child process against a real HTTP server on loopback
 * serving a Helm repository index and an OCI registry (tags behind a 401 Bearer challenge, token endpoint on the
 * same server). The child must run asynchronously: the server answers from this process's event loop.
 */

const ROOT = join(__dirname, "..");
const KIT_LOCK = join(ROOT, "dist", "bin", "kit-lock.js");
const SOURCES = ["bin/kit-lock.ts", "kit/chart-versions.ts", "kit/chart-repository.ts", "kit/dag-file.ts"].map((f) => join(ROOT, f));
const TOKEN = "anonymous-pull-token";
const SERVICE = "loopback-registry";

/** OCI tags per repository name (as helm pushes them: `+` → `_`), served two per page. */
const OCI_TAGS: Record<string, string[]> = {
  "charts/bp-a": ["0.1.0", "0.1.3", "latest", "0.1.5_build.7", "0.1.9-rc.1", "0.2.0", "sha256-0123abcd.sig"],
  "charts/bp-b": ["1.0.0", "1.2.0", "2.0.0"],
};

const HELM_INDEX = `apiVersion: v1
entries:
  bp-a:
    - {name: bp-a, version: 0.1.11-rc.1}
    - {name: bp-a, version: 0.1.10}
    - {name: bp-a, version: 0.1.9}
    - {name: bp-a, version: 0.2.0}
  bp-b:
    - {name: bp-b, version: 1.0.0}
    - {name: bp-b, version: 1.1.1}
generated: "2026-01-01T00:00:00Z"
`;

interface Recorded {
  readonly path: string;
  readonly authorization?: string;
}

let server: Server;
let origin: string;
let host: string;
const requests: Recorded[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", origin);
  requests.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
  if (url.pathname === "/helm/index.yaml") {
    res.writeHead(200, { "content-type": "application/yaml" }).end(HELM_INDEX);
    return;
  }
  if (url.pathname === "/slow/index.yaml") return; // never answers
  if (url.pathname === "/token") {
    const scope = url.searchParams.get("scope") ?? "";
    const ok = url.searchParams.get("service") === SERVICE && /^repository:[^:]+:pull$/.test(scope);
    res.writeHead(ok ? 200 : 400, { "content-type": "application/json" }).end(JSON.stringify(ok ? { token: TOKEN } : { errors: [{ code: "DENIED" }] }));
    return;
  }
  const tags = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
  if (tags) {
    const name = tags[1];
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res
        .writeHead(401, { "www-authenticate": `Bearer realm="${origin}/token",service="${SERVICE}",scope="repository:${name}:pull"`, "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }));
      return;
    }
    const all = OCI_TAGS[name];
    if (!all) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN" }] }));
      return;
    }
    const last = url.searchParams.get("last");
    const start = last === null ? 0 : all.indexOf(last) + 1;
    const page = all.slice(start, start + 2);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (start + 2 < all.length) headers.link = `</v2/${name}/tags/list?n=2&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name, tags: page }));
    return;
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  // The command runs compiled; build when dist is missing or older than its sources.
  const built = existsSync(KIT_LOCK) ? statSync(KIT_LOCK).mtimeMs : 0;
  if (SOURCES.some((f) => statSync(f).mtimeMs > built)) spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT });
  if (!existsSync(KIT_LOCK)) throw new Error(`${KIT_LOCK} is missing: run npm run build`);
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin = `http://${host}`;
});

afterAll(async () => {
  server.closeAllConnections(); // the /slow request is still open
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
});

const HEADER = "# Exact chart versions per bootstrap-kit slot. Written by `npm run kit:lock`; commit it.\n# A second header line, kept verbatim.\n";

/** A temporary lock file (entries deliberately out of order). */
function lockFile(repository: string, charts: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "kit-lock-")), "chart-versions.yaml");
  writeFileSync(file, `${HEADER}repository: ${repository}\ncharts:\n${charts}`);
  return file;
}
const OUTDATED = '  bp-b: {constraint: "^1.0", version: "1.0.0"}\n  bp-a: {constraint: "~0.1", version: "0.1.0"}\n';

function kitLock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KIT_LOCK, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm run kit:lock against an OCI registry (anonymous Bearer token, paginated tags)", () => {
  it("resolves each constraint to the highest release, maps _ back to +, and rewrites the file deterministically", async () => {
    const file = lockFile(`oci://${host}/charts`, OUTDATED);
    const r = await kitLock("--file", file, "--plain-http");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "bp-a: 0.1.0 -> 0.1.5+build.7 (~0.1)",
        "bp-b: 1.0.0 -> 1.2.0 (^1.0)",
        `${file}: 2 changes (2 slots resolved against oci://${host}/charts)`,
        "",
      ].join("\n"),
    );
    // Header kept, slots sorted, prerelease 0.1.9-rc.1 and the non-version tags skipped.
    const expected = `${HEADER}repository: oci://${host}/charts\ncharts:\n  bp-a: {constraint: "~0.1", version: "0.1.5+build.7"}\n  bp-b: {constraint: "^1.0", version: "1.2.0"}\n`;
    expect(readFileSync(file, "utf8")).toBe(expected);

    // The token flow: a 401 challenge, an anonymous pull-scoped token, then every page with the token.
    const paths = requests.map((q) => q.path);
    expect(paths).toContain(`/token?service=${SERVICE}&scope=${encodeURIComponent("repository:charts/bp-a:pull")}`);
    expect(paths).toContain(`/token?service=${SERVICE}&scope=${encodeURIComponent("repository:charts/bp-b:pull")}`);
    const pages = requests.filter((q) => q.path.startsWith("/v2/charts/bp-a/tags/list"));
    expect(pages.map((q) => [q.path, q.authorization])).toEqual([
      ["/v2/charts/bp-a/tags/list", undefined],
      ["/v2/charts/bp-a/tags/list", `Bearer ${TOKEN}`],
      ["/v2/charts/bp-a/tags/list?n=2&last=0.1.3", `Bearer ${TOKEN}`],
      ["/v2/charts/bp-a/tags/list?n=2&last=0.1.5_build.7", `Bearer ${TOKEN}`],
      ["/v2/charts/bp-a/tags/list?n=2&last=0.2.0", `Bearer ${TOKEN}`],
    ]);

    // Determinism: a second run finds nothing to change and leaves the bytes alone.
    const again = await kitLock("--file", file, "--plain-http");
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${file}: 0 changes (2 slots resolved against oci://${host}/charts)\n`);
    expect(readFileSync(file, "utf8")).toBe(expected);
  });

  it("--check reports what would change and exits 1, writing nothing; 0 once up to date", async () => {
    const file = lockFile(`oci://${host}/charts`, OUTDATED);
    const before = readFileSync(file, "utf8");
    const check = await kitLock("--file", file, "--plain-http", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("would change bp-a: 0.1.0 -> 0.1.5+build.7 (~0.1)\n");
    expect(check.stdout).toContain("would change bp-b: 1.0.0 -> 1.2.0 (^1.0)\n");
    expect(check.stdout).toContain(`${file} is out of date`);
    expect(readFileSync(file, "utf8")).toBe(before);

    expect((await kitLock("--file", file, "--plain-http")).code).toBe(0);
    const clean = await kitLock("--file", file, "--plain-http", "--check");
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe(`${file} is up to date (2 slots resolved against oci://${host}/charts)\n`);
  });

  it("--check counts a non-canonical layout as a change (the rewrite would sort it)", async () => {
    const file = lockFile(`oci://${host}/charts`, '  bp-b: {constraint: "^1.0", version: "1.2.0"}\n  bp-a: {constraint: "~0.1", version: "0.1.5+build.7"}\n');
    const check = await kitLock("--file", file, "--plain-http", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`would change ${file}: layout only`);
  });

  it("--slot resolves only the named slots and fills in an entry that has no version yet", async () => {
    const file = lockFile(`oci://${host}/charts`, '  bp-b: {constraint: "^1.0", version: "1.0.0"}\n  bp-a: {constraint: "~0.1"}\n');
    const r = await kitLock("--file", file, "--plain-http", "--slot", "bp-a");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("bp-a: (none) -> 0.1.5+build.7 (~0.1)");
    expect(readFileSync(file, "utf8")).toContain('  bp-a: {constraint: "~0.1", version: "0.1.5+build.7"}\n  bp-b: {constraint: "^1.0", version: "1.0.0"}\n');
    expect(requests.some((q) => q.path.includes("bp-b"))).toBe(false);
  });

  it("fails, naming the slot, the constraint and the versions seen, when nothing matches; the file stays", async () => {
    const file = lockFile(`oci://${host}/charts`, '  bp-a: {constraint: "~0.3", version: "0.1.0"}\n  bp-b: {constraint: "^1.0", version: "1.0.0"}\n');
    const before = readFileSync(file, "utf8");
    const r = await kitLock("--file", file, "--plain-http");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: bp-a: no version matches constraint "~0.3" (prereleases excluded); versions seen: 0.1.0, 0.1.3, 0.1.5+build.7, 0.1.9-rc.1, 0.2.0\n');
    expect(r.stderr).toContain(`error: 1 of 2 slots failed against oci://${host}/charts; ${file} left unchanged`);
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("fails, naming the slot, when the registry has no such chart", async () => {
    const file = lockFile(`oci://${host}/charts`, '  bp-ghost: {constraint: "~0.1", version: "0.1.0"}\n');
    const r = await kitLock("--file", file, "--plain-http");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: bp-ghost: chart bp-ghost is not in http://${host}/v2/charts/bp-ghost (HTTP 404)`);
  });

  it("talks https to oci:// registries unless --plain-http is given", async () => {
    const file = lockFile(`oci://${host}/charts`, OUTDATED);
    const r = await kitLock("--file", file, "--timeout", "5");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: bp-a: cannot reach https://${host}/v2/charts/bp-a/tags/list: `);
  });
});

describe("npm run kit:lock against a Helm repository (index.yaml)", () => {
  it("--repository asks a mirror; versions compare as semver, prereleases excluded; the file keeps its repository", async () => {
    const file = lockFile("oci://ghcr.io/openova-io", OUTDATED);
    const r = await kitLock("--file", file, "--repository", `${origin}/helm/`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // 0.1.10 > 0.1.9 (numeric, not text); 0.1.11-rc.1 is a prerelease.
    expect(readFileSync(file, "utf8")).toBe(`${HEADER}repository: oci://ghcr.io/openova-io\ncharts:\n  bp-a: {constraint: "~0.1", version: "0.1.10"}\n  bp-b: {constraint: "^1.0", version: "1.1.1"}\n`);
    // One index for every slot.
    expect(requests.filter((q) => q.path === "/helm/index.yaml")).toHaveLength(1);
  });

  it("an http(s) repository in the file is read the same way, and a chart missing from the index names the slot", async () => {
    const file = lockFile(`${origin}/helm`, '  bp-a: {constraint: "~0.1", version: "0.1.10"}\n  bp-z: {constraint: "~0.1", version: "0.1.0"}\n');
    const r = await kitLock("--file", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: bp-z: chart bp-z is not in ${origin}/helm/index.yaml`);
  });
});

describe("npm run kit:lock failures and usage", () => {
  it("1: an unreachable repository, naming the slot and the address", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const file = lockFile(`http://127.0.0.1:${port}/charts`, OUTDATED);
    const before = readFileSync(file, "utf8");
    const r = await kitLock("--file", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: bp-a: cannot reach http://127.0.0.1:${port}/charts/index.yaml: ECONNREFUSED`);
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("1: a repository that does not answer within --timeout", async () => {
    const file = lockFile(`${origin}/slow`, '  bp-a: {constraint: "~0.1", version: "0.1.0"}\n');
    const r = await kitLock("--file", file, "--timeout", "0.5");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: bp-a: cannot reach ${origin}/slow/index.yaml: no answer within 0.5s`);
  });

  it("1: a malformed lock file, naming it", async () => {
    const file = lockFile(`${origin}/helm`, '  bp-a: {constraint: "~0.1", version: "~0.1"}\n');
    const r = await kitLock("--file", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${file}: charts.bp-a.version: "~0.1" is not an exact chart version (run npm run kit:lock)\n`);
    const absent = await kitLock("--file", join(tmpdir(), "no-such-dir-kit-lock", "x.yaml"));
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain("cannot read (ENOENT)");
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["extra"], "Unexpected argument 'extra'"],
    [["--slot", "bp-nope"], "--slot bp-nope: not in"],
    [["--repository", "ftp://mirror.example.org"], "--repository: \"ftp://mirror.example.org\": unsupported scheme ftp:"],
    [["--timeout", "soon"], "--timeout must be a positive number of seconds"],
  ])("2: %j", async (argv, message) => {
    const file = lockFile(`${origin}/helm`, OUTDATED);
    const r = await kitLock("--file", file, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("usage: npm run kit:lock");
    expect(requests).toEqual([]);
  });

  it("--help prints the usage and exits 0", async () => {
    const r = await kitLock("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run kit:lock -- \[--slot NAME\]\.\.\. \[--check\]/);
    for (const flag of ["--slot", "--check", "--repository", "--plain-http", "--file", "--timeout"]) expect(r.stdout).toContain(flag);
  });
});
