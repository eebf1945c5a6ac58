/** One problem in a fleet file, located as precisely as we can. */
export interface FleetProblem {
  /** Path inside the file, e.g. `sovereigns[0].tenants[2].domain`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column when the position is known. */
  readonly line?: number;
  readonly column?: number;
}

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
    const lines = problems.map((p) => {
      const at = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
      return `  ${at}: ${p.path}: ${p.message}`;
    });
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    return `invalid fleet file ${file} (${count}):\n${lines.join("\n")}`;
  }
}
