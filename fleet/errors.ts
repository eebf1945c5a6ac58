import { formatPath } from "./names";

/** One problem in a fleet file, located as precisely as we can. */
export interface FleetProblem {
  /** Path inside the file, e.g. `sovereigns[0].tenants[2].domain`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column when the position is known. */
  readonly line?: number;
  readonly column?: number;
}

/** Problems printed at most; the rest are counted. */
export const MAX_PRINTED = 50;

/** A fleet file that cannot be used. The message names the file, each path and what is wrong. */
export class FleetError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly FleetProblem[],
  ) {
    super(FleetError.render(file, problems));
    this.name = "FleetError";
  }

  private static render(file: string, problems: readonly FleetProblem[]): string {
    // The same problem once (a check reached by two routes), and at most MAX_PRINTED of them.
    const unique = [...new Map(problems.map((p) => [`${p.path}\0${p.message}`, p])).values()];
    const lines = unique.slice(0, MAX_PRINTED).map((p) => {
      const at = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
      return `  ${at}: ${p.path}: ${p.message}`;
    });
    if (unique.length > MAX_PRINTED) lines.push(`  … and ${unique.length - MAX_PRINTED} more problems`);
    const count = unique.length === 1 ? "1 problem" : `${unique.length} problems`;
    return `invalid fleet file ${file} (${count}):\n${lines.join("\n")}`;
  }
}

/**
 * A fleet mistake found while the stacks are built (where the knowledge it needs lives, such as the kit slots a
 * stack requires); the CLI locates its path in the file and reports it like any other fleet problem.
 */
export class FleetInputError extends Error {
  constructor(
    readonly path: readonly PropertyKey[],
    readonly problem: string,
  ) {
    super(`${formatPath(path)}: ${problem}`);
    this.name = "FleetInputError";
  }
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

/** Why a file could not be read, in our words (for the common causes). */
export const readErrorReason = (err: unknown): string => READ_ERRORS[(err as NodeJS.ErrnoException).code ?? ""] ?? String(err);
