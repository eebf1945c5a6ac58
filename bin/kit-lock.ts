/**
 * `npm run kit:lock -- [--slot NAME]… [--check] [--repository URL] [--plain-http] [--file FILE] [--timeout SECONDS]`:
 * resolves the `constraint` of every slot of `kit/chart-versions.yaml` (or only the named ones) to the highest
 * matching release in the chart repository (prereleases excluded) and rewrites the file; `--check` only reports.
 * Exit codes: 0 ok (or, with --check, up to date), 1 failure (or, with --check, something would change), 2 usage.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import semver from "semver";
import { chartVersionsOf, openRepository, RepositoryError, type ChartRepository } from "../kit/chart-repository";
import { chartVersionsFile, formatChartLock, readChartLock, repositoryProblem, type ChartLock, type ChartLockEntry } from "../kit/chart-versions";
import { KitInputError } from "../kit/dag-file";

const USAGE = `usage: npm run kit:lock -- [--slot NAME]... [--check] [--repository URL] [--plain-http] [--file FILE] [--timeout SECONDS]

Resolves each slot's constraint in kit/chart-versions.yaml to the highest matching chart version in the
repository (prereleases excluded) and rewrites the file.

  --slot NAME        only this slot (repeatable); default: every slot of the file
  --check            write nothing; exit 1 if the file would change
  --repository URL   ask this repository (a mirror) instead of the file's; the file keeps its own
  --plain-http       talk http, not https, to an oci:// registry (like helm's --plain-http)
  --file FILE        the lock file (default: kit/chart-versions.yaml)
  --timeout SECONDS  per request (default 30)
  -h, --help         this text

Exit codes: 0 ok (--check: up to date), 1 failure (--check: would change), 2 usage error.
`;

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
const CONCURRENCY = 8;

export interface KitLockIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

interface Resolution {
  readonly slot: string;
  readonly entry: ChartLockEntry;
  readonly version?: string;
  readonly error?: string;
}

export async function runKitLock(argv: readonly string[], io: KitLockIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        slot: { type: "string", multiple: true },
        check: { type: "boolean" },
        repository: { type: "string" },
        "plain-http": { type: "boolean" },
        file: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) return usage(io, `--timeout must be a positive number of seconds, got "${values.timeout}"`);
  if (values.repository !== undefined) {
    const problem = repositoryProblem(values.repository);
    if (problem !== undefined) return usage(io, `--repository: ${problem}`);
  }

  const file = values.file ?? chartVersionsFile();
  let lock: ChartLock;
  let original: string;
  try {
    lock = readChartLock(file);
    original = readFileSync(file, "utf8");
  } catch (err) {
    if (!(err instanceof KitInputError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return EXIT.failed;
  }
  const unknown = (values.slot ?? []).filter((s) => lock.charts[s] === undefined);
  if (unknown.length > 0) return usage(io, `--slot ${unknown.join(", ")}: not in ${file} (add an entry with a constraint first)`);
  const slots = [...new Set(values.slot ?? Object.keys(lock.charts))].sort();

  const repositoryUrl = values.repository ?? lock.repository;
  const repository = openRepository(repositoryUrl, { plainHttp: values["plain-http"] ?? false, timeoutMs: timeoutSeconds * 1000 });
  const resolutions = await mapLimited(slots, CONCURRENCY, (slot) => resolve(repository, slot, lock.charts[slot]));

  const failures = resolutions.filter((r) => r.error !== undefined);
  for (const f of failures) io.stderr(`error: ${f.slot}: ${f.error}\n`);
  if (failures.length > 0) {
    io.stderr(`error: ${failures.length} of ${slots.length} slot${slots.length === 1 ? "" : "s"} failed against ${repositoryUrl}; ${file} left unchanged\n`);
    return EXIT.failed;
  }

  const charts = { ...lock.charts };
  const changes: string[] = [];
  for (const r of resolutions) {
    if (r.entry.version === r.version) continue;
    charts[r.slot] = { constraint: r.entry.constraint, version: r.version };
    changes.push(`${r.slot}: ${r.entry.version ?? "(none)"} -> ${r.version} (${r.entry.constraint})`);
  }
  const text = formatChartLock({ ...lock, charts });
  const reformatted = text !== original && changes.length === 0;
  const prefix = values.check ? "would change " : "";
  for (const c of changes) io.stdout(`${prefix}${c}\n`);
  if (reformatted) io.stdout(`${prefix}${file}: layout only (canonical order and quoting)\n`);
  const summary = `${slots.length} slot${slots.length === 1 ? "" : "s"} resolved against ${repositoryUrl}`;

  if (values.check) {
    if (text === original) {
      io.stdout(`${file} is up to date (${summary})\n`);
      return EXIT.ok;
    }
    io.stdout(`${file} is out of date (${summary}): run npm run kit:lock\n`);
    return EXIT.failed;
  }
  if (text !== original) {
    // Replace, never half-write: a temporary file beside it, then rename.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  }
  io.stdout(`${file}: ${changes.length} change${changes.length === 1 ? "" : "s"} (${summary})\n`);
  return EXIT.ok;
}

async function resolve(repository: ChartRepository, slot: string, entry: ChartLockEntry): Promise<Resolution> {
  let listed: string[];
  try {
    listed = await repository.versions(slot);
  } catch (err) {
    if (err instanceof RepositoryError) return { slot, entry, error: err.message };
    throw err;
  }
  const seen = chartVersionsOf(listed).sort(semver.compare);
  const releases = seen.filter((v) => semver.prerelease(v) === null);
  const version = semver.maxSatisfying(releases, entry.constraint);
  if (version === null) {
    return { slot, entry, error: `no version matches constraint "${entry.constraint}" (prereleases excluded); versions seen: ${seen.length > 0 ? seen.join(", ") : "none"}` };
  }
  return { slot, entry, version };
}

/** `f` over `items` with at most `limit` in flight; results in input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function usage(io: KitLockIo, message: string): number {
  io.stderr(`error: ${message}\n${USAGE}`);
  return EXIT.usage;
}

if (require.main === module) {
  runKitLock(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
