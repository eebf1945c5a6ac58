/** Every command behaves the same at its edges: `--help`, exit codes, a closed output pipe. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const COMMANDS = ["main", "bin/plan-stalwart", "bin/smtp-resolve", "bin/dns-records", "bin/plan-diff", "bin/credentials-reset", "bin/kit-check", "bin/kit-lock", "bin/mail-restore"];
const run = (command: string, args: string[]) => spawnSync(process.execPath, [join(ROOT, "dist", `${command}.js`), ...args], { cwd: ROOT, encoding: "utf8" });

describe("every command", () => {
  it.each(COMMANDS)("%s: --help and -h print the usage on stdout and exit 0", (command) => {
    for (const flag of ["--help", "-h"]) {
      const r = run(command, [flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: /);
      expect(r.stderr).toBe("");
    }
  });

  it.each(COMMANDS)("%s: an unknown flag is a usage error (exit 2)", (command) => {
    const r = run(command, ["--no-such-flag"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: .*--no-such-flag.*\n(.|\n)*usage: /);
  });

  it.each([
    ["main", ["--fleet="], "error: --fleet needs a value"],
    ["main", ["--out="], "error: --out needs a value"],
    ["bin/plan-stalwart", ["--fleet=", "fsn1-mail"], "error: --fleet needs a value"],
    ["bin/plan-stalwart", [], "error: name the mail stack (e.g. fsn1-mail or fsn1-tenant-acme)"],
    ["bin/plan-stalwart", ["fsn1-mail", "--format", "yaml"], "error: --format must be text or ndjson"],
    ["bin/dns-records", ["fsn1-mail", "fsn1-tenant-acme"], "error: one stack at a time (got fsn1-mail, fsn1-tenant-acme)"],
    ["bin/dns-records", ["--fleet=", "fsn1-mail"], "error: --fleet needs a value"],
    ["bin/credentials-reset", ["fsn1-mail"], "error: name the stack and one credential (one of: admin, submission"],
    ["bin/credentials-reset", ["fsn1-mail", "dkim", "--fleet="], "error: --fleet needs a value"],
    ["bin/smtp-resolve", [], "error: --source is required"],
    ["bin/smtp-resolve", ["--source="], "error: --source needs a value"],
    ["bin/plan-diff", [], "error: --base names the revision to compare with"],
    ["bin/kit-check", ["--format", "dot"], "error: --format must be text or mermaid"],
  ])("%s %j: usage error in our words (exit 2)", (command, args, message) => {
    const r = run(command, args);
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stderr).toMatch(/usage: /);
    expect(r.status).toBe(2);
  });

  it("inspection commands write nothing in the working directory (a later synthesis there still works)", () => {
    const cwd = mkdtempSync(join(tmpdir(), "inspect-cwd-"));
    const fleet = join(ROOT, "examples", "fleet.yaml");
    for (const [command, args] of [
      ["bin/dns-records", ["fsn1-mail", "--fleet", fleet]],
      ["bin/plan-stalwart", ["fsn1-mail", "--fleet", fleet]],
      ["bin/credentials-reset", ["fsn1-mail", "admin", "--dry-run", "--fleet", fleet]],
    ] as const) {
      const r = spawnSync(process.execPath, [join(ROOT, "dist", `${command}.js`), ...args], { cwd, encoding: "utf8" });
      expect([command, r.status]).toEqual([command, 0]);
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("smtp:resolve: a missing input file is bad input (exit 1), named as a file, not as JSON", () => {
    const r = run("bin/smtp-resolve", ["--source", "/nonexistent/source.json"]);
    expect(r.stderr).toBe("error: --source /nonexistent/source.json: cannot read the file (no such file); give a file or an inline JSON object\n");
    expect(r.status).toBe(1);
  });

  it("inspection commands report a fleet problem found while building stacks with file, line and path", () => {
    const fleet = join(ROOT, "__tests__", "fixtures", "invalid", "61-kit-without-required-slots.yaml");
    const r = run("bin/dns-records", ["fsn1-mail", "--fleet", fleet]);
    expect(r.stderr).toContain(`${fleet}:8:11: sovereigns[0].kit.include: stack fsn1-mail requires bootstrap-kit slots`);
    expect(r.status).toBe(1);
  });

  it("ends quietly when its output pipe closes early (… | head)", () => {
    const r = spawnSync("sh", ["-c", `node ${join(ROOT, "dist", "bin", "plan-stalwart.js")} fsn1-tenant-acme --format ndjson | head -c 20 > /dev/null; echo "exit=\${PIPESTATUS:-done}"`], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });
});
