/**
 * `npm run kit:check -- [--registry FILE] [--expected FILE] [--format text|mermaid]`: audits a bootstrap-kit
 * DAG. Both inputs use the upstream format; the registry defaults to the project's own (kit/registry.yaml).
 * Exit codes, as every command of the project: 0 ok, 1 a finding (drift, a cycle, an undeclared dependency) or an
 * unreadable input file, 2 usage error; the report says which finding.
 */
import { parseArgs } from "node:util";
import { auditExitCode, driftCheck, EXIT, structuralCheck } from "../kit/audit";
import { KitInputError, readDagFile, registryFile, type KitSlot } from "../kit/dag-file";
import { formatAscii, formatMermaid } from "../kit/report";
import { runCommand } from "../app/command";

const USAGE = "usage: npm run kit:check -- [--registry FILE] [--expected FILE] [--format text|mermaid]";

export interface KitCheckIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function runKitCheck(argv: readonly string[], io: KitCheckIo): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { registry: { type: "string" }, expected: { type: "string" }, format: { type: "string", default: "text" } },
      strict: true,
    });
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const format = args.values.format;
  if (format !== "text" && format !== "mermaid") {
    io.stderr(`error: --format must be text or mermaid\n${USAGE}\n`);
    return EXIT.usage;
  }
  let registry: KitSlot[];
  let expected: KitSlot[] | undefined;
  try {
    registry = readDagFile(args.values.registry ?? registryFile());
    expected = args.values.expected !== undefined ? readDagFile(args.values.expected) : undefined;
  } catch (err) {
    if (!(err instanceof KitInputError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return EXIT.finding;
  }
  // Kahn runs over the expected graph when there is one (it is the reference), else over the registry.
  const structure = structuralCheck(expected ?? registry);
  const drift = expected ? driftCheck(registry, expected) : undefined;
  const registryNames = new Set(registry.map((s) => s.name));
  const view = [...registry, ...(expected ?? []).filter((s) => !registryNames.has(s.name))];
  io.stdout(format === "mermaid" ? formatMermaid(view) : formatAscii(view, registryNames, structure, drift));
  return auditExitCode(structure, drift);
}

if (require.main === module) {
  runCommand(USAGE, process.argv.slice(2), (argv) => runKitCheck([...argv], { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }));
}
