/**
 * The backup init container's script, run for real with sh against a stand-in restic: when a backup is due,
 * that a failed backup still lets the server start, and that a restore replaces the data only once the snapshot
 * is fully restored (and is handled once).
 */
import { eventLine } from "../monitoring/labels";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BACKUP_SCRIPT, DATA, RESTORE_DIR } from "../constructs/backup/backup-script";

const FAKE_RESTIC = `#!/bin/sh
echo "$*" >> "$LOG"
case "$1" in
  cat) [ -f "$REPO_DIR/config" ] ;;
  init) mkdir -p "$REPO_DIR" && touch "$REPO_DIR/config" ;;
  backup) [ -z "\${FAIL_BACKUP:-}" ] ;;
  restore) [ -z "\${FAIL_RESTORE:-}" ] || exit 1
    mkdir -p "$4/var/lib/stalwart" && echo "from $2" > "$4/var/lib/stalwart/CURRENT" && echo sst > "$4/var/lib/stalwart/000001.sst" ;;
esac
`;

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), "backup-script-"));
  const [data, restore, bin, repo] = ["data", "restore", "bin", "repo"].map((d) => join(root, d));
  for (const d of [data, restore, bin]) mkdirSync(d);
  writeFileSync(join(bin, "restic"), FAKE_RESTIC);
  chmodSync(join(bin, "restic"), 0o755);
  writeFileSync(join(data, "CURRENT"), "live");
  writeFileSync(join(data, "000009.sst"), "live sst");
  const script = BACKUP_SCRIPT.replaceAll(DATA, data).replaceAll(`${RESTORE_DIR}/`, `${restore}/`);
  const run = (env: Record<string, string> = {}) =>
    spawnSync("sh", ["-c", script], {
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH}`, LOG: join(root, "log"), REPO_DIR: repo, REPOSITORY: "s3:https://e.example/b/stack", HOST: "stack", DUE_SECONDS: "72000", TIMEOUT: "1m", ...env },
    });
  const log = () => (existsSync(join(root, "log")) ? readFileSync(join(root, "log"), "utf8").trim().split("\n") : []);
  const request = (text: string) => writeFileSync(join(restore, "request"), text);
  return { data, run, log, request };
}

describe("backup init container script", () => {
  it("backs up once when due (initializing the repository), not again on the next restart", () => {
    const box = sandbox();
    const first = box.run();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("backup done");
    // The line the BackupMissing alert looks for.
    expect(first.stdout.split("\n")).toContain(eventLine("backup", "ok"));
    expect(box.log().map((l) => l.split(" ")[0])).toEqual(["cat", "init", "backup"]);
    expect(box.log()[2]).toMatch(new RegExp(`^backup --host stack --tag stack --exclude ${box.data}/.sovereign-mail .* ${box.data}$`));
    const second = box.run();
    expect(second.stdout).toMatch(/last backup 0 h ago: none due/);
    expect(box.log()).toHaveLength(3);
  });

  it("lets the server start when the backup fails, and tries again at the next restart", () => {
    const box = sandbox();
    const failed = box.run({ FAIL_BACKUP: "1" });
    expect(failed.status).toBe(0);
    expect(failed.stdout).toContain("backup FAILED: the server starts");
    expect(failed.stdout.split("\n")).toContain(eventLine("backup", "failed"));
    expect(failed.stdout).not.toContain(eventLine("backup", "ok"));
    expect(box.run().stdout).toContain("backup done");
  });

  it("restores a requested snapshot into place, keeps the replaced data aside, and handles the request once", () => {
    const box = sandbox();
    box.request("5f2c9a1e 2026-12-01T10:00:00.000Z");
    const r = box.run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("restored snapshot 5f2c9a1e");
    expect(r.stdout.split("\n")).toContain(eventLine("restore", "ok"));
    expect(readFileSync(join(box.data, "CURRENT"), "utf8").trim()).toBe("from 5f2c9a1e");
    const aside = readdirSync(box.data).filter((n) => n.startsWith(".pre-restore-"));
    expect(aside).toHaveLength(1);
    expect(readdirSync(join(box.data, aside[0])).sort()).toEqual(["000009.sst", "CURRENT"]);
    expect(readdirSync(box.data).filter((n) => n.startsWith(".restore-"))).toEqual([]);
    // The same request again (a later restart): nothing is restored twice.
    expect(box.run().stdout).not.toContain("restored snapshot");
  });

  it("leaves the data untouched when the restore fails", () => {
    const box = sandbox();
    box.request("latest 2026-12-01T10:00:00.000Z");
    const r = box.run({ FAIL_RESTORE: "1" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("restore of snapshot latest FAILED: the data is unchanged");
    expect(r.stdout.split("\n")).toContain(eventLine("restore", "failed"));
    expect(readFileSync(join(box.data, "CURRENT"), "utf8")).toBe("live");
    expect(readdirSync(box.data).filter((n) => n.startsWith("."))).toEqual([".sovereign-mail"]);
  });
});
