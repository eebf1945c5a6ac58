/**
 * `npm run plan:stalwart -- <stack> [--fleet FILE] [--format text|ndjson]`: prints a stack's Stalwart
 * configuration plan, one operation per line, secrets shown as the references they are; then checks it against
 * the upstream registry schema when that file is available.
 */
import { parseArgs } from "node:util";
import type { PlanOperation } from "../stalwart/plan";
import { findRegistrySchema, RegistryValidator } from "../stalwart/registry-schema";
import { mailStackOrExitCode } from "../app/mail-stack-lookup";
import { emptyFlagProblem, runCommand, stackArgumentProblem } from "../app/command";

const USAGE = "usage: npm run plan:stalwart -- <stack> [--fleet FILE] [--format text|ndjson]";

/** Shows secret sources as `env:NAME` / `file:PATH` and any inline secret (a hash) as `<hidden>`. */
export function readable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readable);
  if (!value || typeof value !== "object") return value;
  const v = value as Record<string, unknown>;
  if (v["@type"] === "EnvironmentVariable" && typeof v.variableName === "string") return `env:${v.variableName}`;
  if (v["@type"] === "File" && typeof v.filePath === "string") return `file:${v.filePath}`;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "secret" ? "<hidden>" : readable(x)]));
}

export function formatOperation(op: PlanOperation): string {
  if (op["@type"] === "update") return `update  ${op.object.padEnd(20)} ${JSON.stringify(readable(op.value))}`;
  if (op["@type"] === "destroy") return `destroy ${op.object.padEnd(20)} where ${JSON.stringify(op.value)}`;
  if (op["@type"] === "create") return `create  ${op.object.padEnd(20)} ${JSON.stringify(op.value)}`;
  if (op["@type"] === "reconcile") {
    const entries = Object.entries(op.value).map(([id, body]) => `\n          #${id} ${JSON.stringify(readable(body))}`).join("");
    return `reconcile ${op.object.padEnd(18)} matchOn=${op.matchOn.join(",")} scope=${JSON.stringify(op.scope)}${entries}`;
  }
  const [[id, body]] = Object.entries(op.value);
  return `upsert  ${op.object.padEnd(20)} #${id} matchOn=${op.matchOn.join(",")} ${JSON.stringify(readable(body))}`;
}

function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({ args: argv, allowPositionals: true, options: { fleet: { type: "string" }, format: { type: "string", default: "text" } } });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const format = args.values.format;
  const usage = emptyFlagProblem(args.values) ?? stackArgumentProblem(args.positionals) ?? (format !== "text" && format !== "ndjson" ? "--format must be text or ndjson" : undefined);
  const stack = mailStackOrExitCode({ problem: usage, text: USAGE }, args.positionals[0], args.values.fleet, (t) => process.stderr.write(t));
  if (typeof stack === "number") return stack;
  const plan = stack.mail.plan;
  process.stdout.write(format === "ndjson" ? plan.render() : `${plan.operations.map(formatOperation).join("\n")}\n`);

  const schema = findRegistrySchema();
  if (!schema) {
    process.stderr.write("warning: Stalwart registry schema not found; the plan was not checked against it\n");
    return 0;
  }
  const validator = new RegistryValidator(schema);
  const problems = [...new Set(plan.variants.flatMap((ops) => ops.flatMap((op) => validator.validateOperation(op))))];
  process.stderr.write(problems.length === 0 ? `${plan.operations.length} operations, all conform to the Stalwart registry schema\n` : `${problems.join("\n")}\n`);
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => main([...argv]));
