import { join } from "node:path";
import semver from "semver";
import { isMap, isScalar, parseDocument } from "yaml";
import { projectRoot } from "../project/root";
import { KitInputError, readKitFile } from "./dag-file";

/**
 * `kit/chart-versions.yaml`: the exact chart version of every bootstrap-kit slot and the chart repository, the
 * single source of both. `npm run kit:lock` resolves each entry's constraint against the repository and writes
 * the file; synthesis only ever reads exact versions from it (the fleet may override them, exactly too).
 */

/** One slot of the lock. */
export interface ChartLockEntry {
  /** Version range `npm run kit:lock` resolves (e.g. `~0.1`). */
  readonly constraint: string;
  /** Exact chart version; undefined for an entry added by hand and not yet resolved. */
  readonly version?: string;
}

export interface ChartLock {
  /** Comment lines above the first key, kept verbatim when the file is rewritten (each with its newline). */
  readonly header: string;
  /** `oci://host/path` or an `http(s)://` Helm repository. */
  readonly repository: string;
  /** By slot name. */
  readonly charts: Readonly<Record<string, ChartLockEntry>>;
}

/** The project's lock (`kit/chart-versions.yaml`), found like the registry. */
export const chartVersionsFile = (): string => join(projectRoot(), "kit", "chart-versions.yaml");

/**
 * An exact semver version written canonically: `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`; no range, no `v` or `=`
 * prefix, no spaces. The helm provider compares the configured version with the chart's as strings.
 */
export function isExactVersion(v: string): boolean {
  const parsed = semver.parse(v);
  return parsed !== null && parsed.version + (parsed.build.length > 0 ? `+${parsed.build.join(".")}` : "") === v;
}

/** Reads the project's lock; a missing or malformed file is a {@link KitInputError} naming it. */
export const readProjectChartLock = (): ChartLock => readChartLock(chartVersionsFile());

/** The lock a kit selection needs; its absence is the caller's mistake (it reads the lock when a Sovereign has a kit). */
export function requireLock(lock: ChartLock | undefined): ChartLock {
  if (!lock) throw new Error("a kit selection needs the chart lock (kit/chart-versions.yaml)");
  return lock;
}

export const readChartLock = (file: string): ChartLock => parseChartLock(readKitFile(file), file);

export function parseChartLock(text: string, file: string): ChartLock {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new KitInputError(file, `not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  const root = doc.contents;
  if (!isMap(root)) throw new KitInputError(file, 'expected a mapping with "repository" and "charts"');
  for (const item of root.items) {
    const key = isScalar(item.key) ? item.key.value : item.key;
    if (key !== "repository" && key !== "charts") throw new KitInputError(file, `unknown key "${String(key)}" (expected repository and charts)`);
  }
  const raw = root.toJSON() as Record<string, unknown>;
  const repository = raw.repository;
  if (typeof repository !== "string" || repositoryProblem(repository) !== undefined) {
    throw new KitInputError(file, `repository: ${typeof repository === "string" ? repositoryProblem(repository) : "missing"}`);
  }
  const chartsRaw = raw.charts;
  if (!chartsRaw || typeof chartsRaw !== "object" || Array.isArray(chartsRaw)) throw new KitInputError(file, 'expected a "charts" mapping of slot → {constraint, version}');
  const charts: Record<string, ChartLockEntry> = {};
  for (const [slot, entry] of Object.entries(chartsRaw as Record<string, unknown>)) {
    const at = `charts.${slot}`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new KitInputError(file, `${at}: expected {constraint, version}`);
    const { constraint, version, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new KitInputError(file, `${at}: unknown key "${unknown[0]}" (expected constraint and version)`);
    if (typeof constraint !== "string" || semver.validRange(constraint) === null) {
      throw new KitInputError(file, `${at}.constraint: ${JSON.stringify(constraint)} is not a semver version range (e.g. "~0.1")`);
    }
    if (version !== undefined && (typeof version !== "string" || !isExactVersion(version))) {
      throw new KitInputError(file, `${at}.version: ${JSON.stringify(version)} is not an exact chart version (run npm run kit:lock)`);
    }
    charts[slot] = version === undefined ? { constraint } : { constraint, version };
  }
  return { header: headerOf(text), repository, charts };
}

/** Why a repository URL cannot be used, or undefined. */
export function repositoryProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL (expected oci://host/path or an http(s):// Helm repository)`;
  }
  if (parsed.protocol === "oci:") return parsed.host === "" ? `"${url}" names no registry host` : undefined;
  if (parsed.protocol === "https:" || parsed.protocol === "http:") return undefined;
  return `"${url}": unsupported scheme ${parsed.protocol} (expected oci://, https:// or http://)`;
}

/** The leading comment block (and blank lines) of a file. */
function headerOf(text: string): string {
  const lines = text.split("\n");
  let end = 0;
  while (end < lines.length && /^\s*(#.*)?$/.test(lines[end])) end++;
  return lines
    .slice(0, end)
    .map((l) => `${l}\n`)
    .join("");
}

/** The file text: header verbatim, then repository and charts sorted by slot name, one flow mapping each. */
export function formatChartLock(lock: ChartLock): string {
  const names = Object.keys(lock.charts).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = [`repository: ${lock.repository}`, names.length > 0 ? "charts:" : "charts: {}"];
  for (const name of names) {
    const { constraint, version } = lock.charts[name];
    const fields = [`constraint: ${JSON.stringify(constraint)}`, ...(version !== undefined ? [`version: ${JSON.stringify(version)}`] : [])];
    lines.push(`  ${/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name) ? name : JSON.stringify(name)}: {${fields.join(", ")}}`);
  }
  return `${lock.header}${lines.join("\n")}\n`;
}
