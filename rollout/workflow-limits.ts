/**
 * GitHub's documented rules for a workflow that its JSON schema (SchemaStore github-workflow.json) cannot state:
 * counts across jobs, references between jobs, and the file's size. Each check cites the page that states it.
 */

/** "A job matrix can generate a maximum of 256 jobs per workflow run" (docs.github.com/en/actions/reference/limits). */
export const MATRIX_JOBS_PER_RUN = 256;
/** "A workflow file larger than 500 KB will not start runs" (same page). */
export const WORKFLOW_FILE_BYTES = 500 * 1000;
/**
 * "The <job_id> must start with a letter or _ and contain only alphanumeric characters, -, or _"
 * (docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_id).
 */
export const JOB_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

interface WorkflowJob {
  readonly needs?: string | readonly string[];
  readonly strategy?: { readonly matrix?: unknown; readonly "max-parallel"?: unknown };
}

/** Jobs one matrix generates: the product of its vectors, plus the `include` entries that match no combination (counted all, an upper bound). */
function matrixJobs(matrix: unknown): number {
  if (matrix === null || typeof matrix !== "object" || Array.isArray(matrix)) return Number.NaN;
  const { include, exclude, ...vectors } = matrix as Record<string, unknown>;
  if (typeof include === "string" || typeof exclude === "string" || Object.values(vectors).some((v) => typeof v === "string")) return Number.NaN; // expressions: unknown until run time
  const lengths = Object.values(vectors).map((v) => (Array.isArray(v) ? v.length : 1));
  const product = lengths.length === 0 ? 0 : lengths.reduce((a, b) => a * b, 1);
  const excluded = Array.isArray(exclude) ? exclude.length : 0;
  return Math.max(product - excluded, 0) + (Array.isArray(include) ? include.length : 0);
}

/** What breaks GitHub's documented limits in a parsed workflow (`text`: the file as written, for its size). */
export function workflowLimitProblems(workflow: { readonly jobs?: Readonly<Record<string, WorkflowJob>> }, text: string): string[] {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > WORKFLOW_FILE_BYTES) problems.push(`the file has ${bytes} bytes; GitHub starts no run of a workflow file over 500 KB`);
  const jobs = workflow.jobs ?? {};
  const ids = Object.keys(jobs);
  for (const id of ids.filter((i) => !JOB_ID.test(i))) problems.push(`job id "${id}" must start with a letter or _ and hold only letters, digits, - and _`);
  const needs = new Map(ids.map((id) => [id, ([] as string[]).concat((jobs[id].needs as string | string[] | undefined) ?? [])]));
  for (const [id, list] of needs) for (const n of list.filter((x) => !(x in jobs))) problems.push(`job ${id} needs job ${n}, which the workflow does not have`);
  // Depth-first search for a cycle through `needs` (GitHub refuses a workflow whose jobs wait for each other).
  const state = new Map<string, "open" | "done">();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === "done" || !needs.has(id)) return;
    if (state.get(id) === "open") {
      problems.push(`jobs need each other in a cycle: ${[...path.slice(path.indexOf(id)), id].join(" → ")}`);
      return;
    }
    state.set(id, "open");
    for (const n of needs.get(id)!) visit(n, [...path, id]);
    state.set(id, "done");
  };
  for (const id of ids) visit(id, []);
  let total = 0;
  for (const id of ids) {
    const strategy = jobs[id].strategy;
    if (strategy?.matrix === undefined) continue;
    const count = matrixJobs(strategy.matrix);
    if (Number.isNaN(count)) problems.push(`job ${id}: its matrix is computed at run time, so its size cannot be checked`);
    else total += count;
    const parallel = strategy["max-parallel"];
    if (parallel !== undefined && !(Number.isInteger(parallel) && (parallel as number) >= 1)) problems.push(`job ${id}: max-parallel must be a positive integer`);
  }
  if (total > MATRIX_JOBS_PER_RUN) problems.push(`the matrices generate ${total} jobs; GitHub runs at most ${MATRIX_JOBS_PER_RUN} per workflow run`);
  return problems;
}
