/** Typed access to synthesized Terraform JSON (snake_case, as Terraform reads it). */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export type TfJson = { resource?: Record<string, Record<string, Json>>; output?: Record<string, Json>; [k: string]: Json };

export interface TfResource {
  /** `type.name`, the Terraform address. */
  readonly address: string;
  readonly type: string;
  readonly body: Json;
}

export function resourcesOf(json: TfJson, type?: string): TfResource[] {
  const out: TfResource[] = [];
  for (const [t, byName] of Object.entries(json.resource ?? {})) {
    if (type !== undefined && t !== type) continue;
    for (const [name, body] of Object.entries(byName)) out.push({ address: `${t}.${name}`, type: t, body });
  }
  return out;
}

/** True for a string that Terraform evaluates (a reference or function call), false for literal text. */
export function isTerraformExpression(value: string): boolean {
  return /(^|[^$])\$\{/.test(value);
}

/** Every string leaf with its JSON path. */
export function* stringLeaves(value: Json, path = ""): Generator<{ path: string; value: string }> {
  if (typeof value === "string") yield { path, value };
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* stringLeaves(value[i], `${path}[${i}]`);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* stringLeaves(v, path ? `${path}.${k}` : k);
}
