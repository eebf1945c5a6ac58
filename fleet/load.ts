import { readFileSync } from "node:fs";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { readDagFile, registryFile } from "../kit/dag-file";
import { checkKits, crossCheckFleet, type LocatedProblem } from "./checks";
import { FleetError, type FleetProblem } from "./errors";
import type { Fleet } from "./model";
import { formatPath } from "./names";
import { resolveFleet } from "./resolve";
import { fleetSchema } from "./schema";

/** Reads, validates and resolves a fleet file. Throws {@link FleetError} naming the file and every problem. */
export function loadFleetFile(file: string): Fleet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const reason = READ_ERRORS[code] ?? String(err);
    throw new FleetError(file, [{ path: "(file)", message: `cannot read the fleet file: ${reason}` }]);
  }
  return parseFleet(text, file);
}

/** Validates fleet YAML text; `file` is used in messages only. */
export function parseFleet(text: string, file: string): Fleet {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    throw new FleetError(
      file,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: "(YAML syntax)", message: firstLine(e.message), line, column: col };
      }),
    );
  }
  const locate = (problem: LocatedProblem): FleetProblem => ({ path: formatPath(problem.path), message: problem.message, ...position(doc, lineCounter, problem.path) });

  const parsed = fleetSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new FleetError(file, parsed.error.issues.flatMap(issueToProblems).map(locate));

  const registry = readDagFile(registryFile());
  const kitProblems = checkKits(parsed.data, registry);
  if (kitProblems.length > 0) throw new FleetError(file, kitProblems.map(locate));
  const fleet = resolveFleet(parsed.data, file, registry);
  const problems = crossCheckFleet(parsed.data, fleet);
  if (problems.length > 0) throw new FleetError(file, problems.map(locate));
  return fleet;
}

/** Flattens zod issues: an unknown key becomes one problem at that key, so the message points at the typo. */
function issueToProblems(issue: z.core.$ZodIssue): LocatedProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: "unknown key (check the spelling against the fleet reference)" }));
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

const READ_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

const firstLine = (message: string) => message.split("\n")[0];
