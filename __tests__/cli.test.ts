/** Every command behaves the same at its edges: `--help`, exit codes, a closed output pipe. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const COMMANDS = ["main", "bin/plan-stalwart", "bin/smtp-resolve", "bin/dns-records", "bin/plan-diff", "bin/credentials-reset", "bin/kit-check", "bin/kit-lock"];
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

  // (plan-diff keeps terraform's -detailed-exitcode meaning, 2 = changes, which CI reads; kit:check its audit codes.)
  it.each(COMMANDS.filter((c) => !["bin/kit-check", "bin/plan-diff"].includes(c)))("%s: an unknown flag is a usage error (exit 2)", (command) => {
    const r = run(command, ["--no-such-flag"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: /);
  });

  it("ends quietly when its output pipe closes early (… | head)", () => {
    const r = spawnSync("sh", ["-c", `node ${join(ROOT, "dist", "bin", "plan-stalwart.js")} fsn1-tenant-acme --format ndjson | head -c 20 > /dev/null; echo "exit=\${PIPESTATUS:-done}"`], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });
});
