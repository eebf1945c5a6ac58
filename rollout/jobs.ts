import type { RolloutGraph, RolloutSovereign, StackKind } from "./graph";
import { MATRIX_JOBS_PER_RUN as MAX_MATRIX_JOBS } from "./workflow-limits";

export interface RolloutOptions {
  /** Tenant stacks one runner job plans and applies, one after another. */
  readonly batchSize: number;
  /** Runner jobs of one Sovereign's tenant matrix at a time (`strategy.max-parallel`). */
  readonly maxParallel: number;
}

export const DEFAULT_ROLLOUT_OPTIONS: RolloutOptions = { batchSize: 10, maxParallel: 20 };

/** One job of the rollout: a single stack (kit, relay) or a matrix of tenant batches. */
export interface RolloutJob {
  /** `<kind>-<Sovereign>`. */
  readonly id: string;
  readonly sovereign: RolloutSovereign;
  readonly kind: StackKind;
  /** Each batch is one runner job; more than one makes the job a matrix. */
  readonly batches: readonly (readonly string[])[];
  /** Jobs holding a dependency of one of its stacks, sorted. */
  readonly needs: readonly string[];
  /** 0 for jobs that need no other stack job, else one more than the deepest job it needs. */
  readonly wave: number;
}

export interface RolloutPlan {
  readonly jobs: readonly RolloutJob[];
  /** The batch size used: the requested one, or larger when the matrices would exceed {@link MAX_MATRIX_JOBS}. */
  readonly batchSize: number;
}

export class RolloutGraphError extends Error {}

/** Job ids start with a letter (a Sovereign name may start with a digit): `kit-fsn1`, `relay-fsn1`, `tenants-fsn1`. */
const JOB_PREFIX: Readonly<Record<StackKind, string>> = { kit: "kit", relay: "relay", tenant: "tenants" };

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The smallest batch size from `requested` up whose tenant matrices, summed over the fleet, stay within GitHub's limit. */
export function batchSizeFor(tenantCounts: readonly number[], requested: number): number {
  const matrices = tenantCounts.filter((n) => n > 0).length;
  if (matrices > MAX_MATRIX_JOBS) throw new RolloutGraphError(`${matrices} Sovereigns with tenants need at least ${matrices} matrix jobs, more than GitHub's ${MAX_MATRIX_JOBS} per run: split the fleet`);
  const legs = (size: number) => tenantCounts.reduce((sum, n) => sum + Math.ceil(n / size), 0);
  let size = Math.max(requested, Math.ceil(tenantCounts.reduce((a, b) => a + b, 0) / MAX_MATRIX_JOBS));
  // Ends at the largest count at the latest, where each Sovereign has one batch.
  while (legs(size) > MAX_MATRIX_JOBS) size++;
  return size;
}

/**
 * The jobs that roll the graph out: per Sovereign one job for the kit, one for the relay (nothing depends on it, so
 * its failure blocks no tenant) and one matrix of tenant batches. A job needs the jobs that hold its stacks'
 * dependencies, so a Sovereign's waves are kit, then relay and tenants side by side; Sovereigns do not wait for each
 * other. Throws on a dependency outside the graph, inside its own job, or in a cycle.
 */
export function rolloutPlan(graph: RolloutGraph, options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS): RolloutPlan {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RolloutGraphError(`batch size must be a positive integer (got ${options.batchSize})`);
  const tenantsOf = (s: RolloutSovereign) => s.stacks.filter((x) => x.kind === "tenant").map((x) => x.name);
  const batchSize = batchSizeFor(graph.sovereigns.map((s) => tenantsOf(s).length), options.batchSize);
  const drafts = graph.sovereigns.flatMap((s) =>
    (["kit", "relay", "tenant"] as const)
      .map((kind) => ({ kind, names: s.stacks.filter((x) => x.kind === kind).map((x) => x.name) }))
      .filter((g) => g.names.length > 0)
      .map((g) => ({ id: `${JOB_PREFIX[g.kind]}-${s.name}`, sovereign: s, kind: g.kind, batches: g.kind === "tenant" ? chunks(g.names, batchSize) : g.names.map((n) => [n]) })),
  );
  const jobOf = new Map(drafts.flatMap((d) => d.batches.flat().map((n) => [n, d.id] as const)));
  const needsOf = new Map(
    drafts.map((d) => {
      const deps = d.sovereign.stacks.filter((x) => jobOf.get(x.name) === d.id).flatMap((x) => x.dependencies.map((dep) => ({ stack: x.name, dep })));
      const needs = new Set<string>();
      for (const { stack, dep } of deps) {
        const job = jobOf.get(dep);
        if (job === undefined) throw new RolloutGraphError(`stack ${stack} depends on ${dep}, which is not in the graph`);
        if (job === d.id) throw new RolloutGraphError(`stack ${stack} depends on ${dep} in the same job ${d.id}`);
        needs.add(job);
      }
      return [d.id, [...needs].sort()];
    }),
  );
  const waves = new Map<string, number>();
  const waveOf = (id: string, path: readonly string[]): number => {
    if (path.includes(id)) throw new RolloutGraphError(`the stack dependencies form a cycle: ${[...path.slice(path.indexOf(id)), id].join(" → ")}`);
    const known = waves.get(id);
    if (known !== undefined) return known;
    const wave = Math.max(-1, ...needsOf.get(id)!.map((n) => waveOf(n, [...path, id]))) + 1;
    waves.set(id, wave);
    return wave;
  };
  const jobs = drafts.map((d) => ({ ...d, needs: needsOf.get(d.id)!, wave: waveOf(d.id, []) }));
  return { jobs, batchSize };
}
