import { readFileSync, statSync } from "node:fs";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { readProjectChartLock } from "../kit/chart-versions";
import { readDagFile, registryFile } from "../kit/dag-file";
import { checkKits, crossCheckFleet, type LocatedProblem } from "./checks";
import { FleetError, MAX_PRINTED, readErrorReason, type FleetInputError, type FleetProblem } from "./errors";
import type { Fleet } from "./model";
import { formatPath } from "./names";
import { resolveFleet } from "./resolve";
import { fleetSchema } from "./schema";

/** Reads, validates and resolves a fleet file. Throws {@link FleetError} naming the file and every problem. */
export function loadFleetFile(file: string): Fleet {
  return parseFleet(readFleetText(file), file);
}

/**
 * The largest fleet file read: a thousand tenants take about 80 KiB, so about 6,000 tenants fit. Parsing YAML is
 * the cost of a large file; at this size even a file of nothing but mistakes is reported in under 3 s and 300 MB
 * (`npm run bench`).
 */
export const MAX_FLEET_BYTES = 512 * 1024;

/** A fleet file's text: a regular file (not a device or pipe, which could be read forever) of UTF-8 within the limit. */
function readFleetText(file: string): string {
  const fail = (message: string): never => {
    throw new FleetError(file, [{ path: "(file)", message }]);
  };
  let bytes: Buffer = Buffer.alloc(0);
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) fail("cannot read the fleet file: it is a directory");
    if (!stat.isFile()) fail("cannot read the fleet file: not a regular file (a device, pipe or socket)");
    if (stat.size > MAX_FLEET_BYTES) fail(`the fleet file is ${stat.size} bytes; at most ${MAX_FLEET_BYTES} (${MAX_FLEET_BYTES / 1024} KiB) are read: split the fleet, e.g. one file per Sovereign`);
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof FleetError) throw err;
    fail(`cannot read the fleet file: ${readErrorReason(err)}`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) fail("the fleet file is UTF-16; save it as UTF-8");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("the fleet file is not valid UTF-8; save it as UTF-8");
  }
}

/** Validates fleet YAML text; `file` is used in messages only. */
export function parseFleet(text: string, file: string): Fleet {
  const whole = (message: string): never => {
    throw new FleetError(file, [{ path: "(top level)", message }]);
  };
  if (text.trim() === "") whole("the file is empty; a fleet starts with `version: 1` and `sovereigns:`");
  const lineCounter = new LineCounter();
  let doc: Document;
  let js: unknown;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
    if (doc.errors.some((e) => e.code === "MULTIPLE_DOCS")) whole("the file holds more than one YAML document (`---`); a fleet is one document");
    if (doc.errors.length === 0) js = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (err instanceof FleetError) throw err;
    if (err instanceof RangeError) return whole("the file nests too deeply to read");
    if (/alias/i.test((err as Error).message)) return whole(`the file expands aliases more than ${MAX_ALIASES} times (an alias bomb?)`);
    throw err;
  }
  if (doc.errors.length > 0) {
    throw new FleetError(
      file,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        // The parser's own stack overflow on absurd nesting, in our words.
        const message = /call stack/i.test(e.message) ? "the file nests too deeply to read" : firstLine(e.message);
        return { path: "(YAML syntax)", message, line, column: col };
      }),
    );
  }
  const locate = (problem: LocatedProblem): FleetProblem => ({ path: formatPath(problem.path), message: problem.message, ...position(doc, lineCounter, problem.path) });
  // Only printed problems need a line and column (a file can hold tens of thousands of problems).
  const locateAll = (problems: readonly LocatedProblem[]): FleetProblem[] => {
    const seen = new Set<string>();
    return problems.map((p) => {
      const path = formatPath(p.path);
      const printed = !seen.has(`${path}\0${p.message}`) && seen.size < MAX_PRINTED;
      seen.add(`${path}\0${p.message}`);
      return printed ? locate(p) : { path, message: p.message };
    });
  };

  let parsed;
  try {
    parsed = fleetSchema.safeParse(js);
  } catch (err) {
    if (err instanceof RangeError) return whole("the file nests too deeply to read");
    throw err;
  }
  if (!parsed.success) throw new FleetError(file, locateAll(parsed.error.issues.flatMap((i) => issueToProblems(i, js))));

  const registry = readDagFile(registryFile());
  // Read once, for the checks and the resolution, and only when some Sovereign has a kit.
  const lock = parsed.data.sovereigns.some((s) => s.kit) ? readProjectChartLock() : undefined;
  const kitProblems = checkKits(parsed.data, registry, lock);
  if (kitProblems.length > 0) throw new FleetError(file, locateAll(kitProblems));
  const fleet = resolveFleet(parsed.data, file, registry, lock);
  const problems = crossCheckFleet(parsed.data, fleet);
  if (problems.length > 0) throw new FleetError(file, locateAll(problems));
  locators.set(fleet, locate);
  return fleet;
}

/** How to point at a path in the file a fleet was read from (kept for problems found while building stacks). */
const locators = new WeakMap<Fleet, (problem: LocatedProblem) => FleetProblem>();

/** A problem found after loading (a {@link FleetInputError}), as a fleet error with the file's line and column. */
export function fleetErrorOf(fleet: Fleet, err: FleetInputError): FleetError {
  const locate = locators.get(fleet) ?? ((p: LocatedProblem) => ({ path: formatPath(p.path), message: p.message }));
  return new FleetError(fleet.source, [locate({ path: err.path, message: err.problem })]);
}

/** Flattens zod issues: an unknown key becomes one problem at that key, so the message points at the typo. */
function issueToProblems(issue: z.core.$ZodIssue, input: unknown): LocatedProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: "unknown key (check the spelling against the fleet reference)" }));
  }
  // A missing value: zod says "expected string, received undefined" or names the variants; "required" says it.
  // A bad record key: zod wraps the key schema's own issues; report those (our wording) at the key.
  if (issue.code === "invalid_key") return issue.issues.map((inner) => ({ path: issue.path, message: inner.message }));
  const value = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
  if (value === undefined || value === null) {
    if (issue.path.length === 0) return [{ path: [], message: "the file holds no fleet (expected `version: 1` and `sovereigns:`)" }];
    const expected = issue.code === "invalid_type" ? ` (${issue.expected})` : "";
    return [{ path: issue.path, message: value === null ? `required: a value${expected}, not an empty entry` : `required${expected}` }];
  }
  return [{ path: issue.path, message: issue.message }];
}

/** Line/column of the deepest node that exists along `path` (a missing key points at its parent). */
function position(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): { line?: number; column?: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    const keyNode = n > 0 ? keyNodeOf(doc, path.slice(0, n)) : undefined;
    const target = keyNode ?? node;
    if (isNode(target) && target.range) {
      const { line, col } = lineCounter.linePos(target.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

/** For a map entry, the key node (its position reads better than the value's for "unknown key" messages). */
function keyNodeOf(doc: Document, path: readonly PropertyKey[]): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1) as unknown[], true);
  const last = path[path.length - 1];
  if (parent && typeof parent === "object" && "items" in parent && typeof last === "string") {
    for (const item of (parent as { items: unknown[] }).items) {
      const key = (item as { key?: unknown }).key;
      if (isNode(key) && (key as unknown as { value?: unknown }).value === last) return key;
    }
  }
  return undefined;
}


const firstLine = (message: string) => message.split("\n")[0];
/** Alias expansions a fleet may use (a few are handy; thousands are a bomb). */
const MAX_ALIASES = 1000;
