import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface ActionlintFinding {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

/** actionlint's findings on each workflow file's text (`path` only names it in messages); one process for all. */
export function actionlint(files: readonly { readonly path: string; readonly text: string }[]): ActionlintFinding[][] {
  const out = execFileSync(process.execPath, [join(__dirname, "run-actionlint.cjs")], { input: JSON.stringify(files), encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out) as ActionlintFinding[][];
}
