import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface CrdValidation {
  readonly kind: string;
  readonly name: string;
  readonly valid: boolean;
  readonly error?: string;
}

/** Validates manifests against the upstream CRD schemas (in a child Node process: the schema packages are ESM). */
export function validateAgainstCrds(manifests: readonly unknown[]): CrdValidation[] {
  const out = execFileSync(process.execPath, [join(__dirname, "validate-crds.mjs")], { input: JSON.stringify(manifests), encoding: "utf8" });
  return JSON.parse(out) as CrdValidation[];
}
