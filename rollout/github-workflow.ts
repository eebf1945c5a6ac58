import { Document } from "yaml";
import type { RolloutSovereign } from "./graph";
import type { RolloutJob, RolloutOptions, RolloutPlan } from "./jobs";

/** Where the rollout workflow lives, as GitHub reads workflows (.github/workflows/). */
export const ROLLOUT_WORKFLOW_FILE = ".github/workflows/rollout.yml";
/** The branch whose pushes apply; every other event only plans. The CI workflow tests the same branch. */
export const APPLY_BRANCH = "main";
/** The repository variable that turns the workflow on: a repository holding only the example fleet leaves it unset. */
export const ENABLE_VARIABLE = "SOVEREIGN_MAIL_ROLLOUT";
/** The Terraform release of the CI workflow (the stacks need ≥ 1.11 for write-only attributes). */
const TERRAFORM_VERSION = "1.11.4";
const RUNNER = "ubuntu-24.04";

/** What the command line said, written into the workflow so its freshness check regenerates the same file. */
export interface WorkflowSource {
  /** The fleet file, relative to the repository root. */
  readonly fleetFile: string;
  /** The workflow file, relative to the repository root. */
  readonly workflowFile: string;
  readonly options: RolloutOptions;
}

const APPLYING = `github.event_name != 'pull_request' && github.ref == 'refs/heads/${APPLY_BRANCH}'`;

/** The environment of a Sovereign's jobs: `<name>` (apply credentials, protected) when applying, else `<name>-plan`. */
const environmentOf = (s: RolloutSovereign): string => (s.remoteState ? `\${{ ${APPLYING} && '${s.name}' || '${s.name}-plan' }}` : `${s.name}-plan`);

/** Plans each stack of $STACKS and, when $APPLY is true, applies that plan; a failed stack does not stop the others. */
const TERRAFORM_SCRIPT = `mkdir -p "$TF_PLUGIN_CACHE_DIR"
failed=""
for stack in \${STACKS//,/ }; do
  echo "::group::$stack"
  dir="cdktf.out/stacks/$stack"
  if terraform -chdir="$dir" init -input=false \\
    && terraform -chdir="$dir" plan -input=false -lock-timeout=10m -out=tfplan \\
    && { [ "$APPLY" != true ] || terraform -chdir="$dir" apply -input=false -lock-timeout=10m tfplan; }; then
    echo "::endgroup::"
  else
    echo "::endgroup::"
    echo "::error title=$stack::terraform failed for $stack"
    failed="$failed $stack"
  fi
done
if [ -n "$failed" ]; then echo "failed:$failed" >&2; exit 1; fi
`;

/** Writes the kubeconfig secret where the fleet's \`cluster.configPath\` says the providers read it. */
const KUBECONFIG_SCRIPT = `path="\${KUBECONFIG_PATH/#\\~/$HOME}"
mkdir -p "$(dirname "$path")"
(umask 077 && printf '%s\\n' "$KUBECONFIG_CONTENT" > "$path")
`;

const setupSteps = (terraform: boolean) => [
  { uses: "actions/checkout@v4" },
  { uses: "actions/setup-node@v4", with: { "node-version": 20, cache: "npm" } },
  ...(terraform ? [{ uses: "hashicorp/setup-terraform@v3", with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false } }] : []),
  { name: "Install and build", run: "npm ci --no-audit --no-fund\nnpx tsc -p tsconfig.json\n" },
];

function stackJob(job: RolloutJob, maxParallel: number) {
  const s = job.sovereign;
  const matrix = job.batches.length > 1;
  const stacks = matrix ? "${{ matrix.stacks }}" : job.batches[0].join(",");
  return {
    name: matrix ? `${s.name} tenants \${{ matrix.batch }}` : job.batches[0].join(", "),
    needs: job.needs.length > 0 ? job.needs : ["check"],
    "runs-on": RUNNER,
    environment: environmentOf(s),
    ...(matrix && {
      strategy: {
        "fail-fast": false,
        "max-parallel": maxParallel,
        matrix: { include: job.batches.map((b, i) => ({ batch: String(i + 1).padStart(String(job.batches.length).length, "0"), stacks: b.join(",") })) },
      },
    }),
    steps: [
      ...setupSteps(true),
      { name: "Kubeconfig", env: { KUBECONFIG_PATH: s.kubeconfigPath, KUBECONFIG_CONTENT: "${{ secrets.KUBECONFIG }}" }, run: KUBECONFIG_SCRIPT },
      { name: "Synthesize the stacks of this job", env: { STACKS: stacks }, run: 'node dist/main.js --fleet "$FLEET" --stacks "$STACKS"\n' },
      {
        name: s.remoteState ? `Plan; on ${APPLY_BRANCH}, apply` : "Plan only (local state would be lost with the runner)",
        env: {
          STACKS: stacks,
          APPLY: s.remoteState ? `\${{ ${APPLYING} }}` : "false",
          TF_PLUGIN_CACHE_DIR: "${{ runner.temp }}/terraform-plugins",
          ...Object.fromEntries(s.secrets.map((name) => [name, `\${{ secrets.${name} }}`])),
        },
        run: TERRAFORM_SCRIPT,
      },
    ],
  };
}

/** The command that writes (and with --check, verifies) this workflow, as the workflow itself runs it. */
export const rolloutCommandOf = (source: WorkflowSource): string =>
  `npm run --silent rollout -- --fleet ${source.fleetFile}${source.workflowFile === ROLLOUT_WORKFLOW_FILE ? "" : ` --out ${source.workflowFile}`}` +
  ` --batch-size ${source.options.batchSize} --max-parallel ${source.options.maxParallel}`;

/**
 * The GitHub Actions workflow that plans every stack of the plan on pull requests and plans and applies them on
 * pushes to the apply branch, on a daily schedule (credentials rotate when Terraform runs) and on demand. Jobs
 * follow the plan's `needs`; one apply run at a time (workflow concurrency), so no two jobs write one state.
 */
export function rolloutWorkflow(plan: RolloutPlan, source: WorkflowSource): Record<string, unknown> {
  const jobs: Record<string, unknown> = {
    check: {
      name: "the workflow is the fleet's",
      if: `vars.${ENABLE_VARIABLE} == 'enabled'`,
      "runs-on": RUNNER,
      steps: [...setupSteps(false), { name: "Refuse a stale workflow (stacks it would miss)", run: `${rolloutCommandOf(source)} --check\n` }],
    },
  };
  for (const job of plan.jobs) jobs[job.id] = stackJob(job, source.options.maxParallel);
  return {
    name: "rollout",
    on: {
      pull_request: { branches: [APPLY_BRANCH] },
      push: { branches: [APPLY_BRANCH] },
      schedule: [{ cron: "23 4 * * *" }],
      workflow_dispatch: {},
    },
    permissions: { contents: "read" },
    // Applying runs queue one at a time over the whole fleet; a newer plan of the same ref replaces an older one.
    concurrency: {
      group: `\${{ ${APPLYING} && 'rollout-apply' || format('rollout-plan-{0}', github.ref) }}`,
      "cancel-in-progress": `\${{ !(${APPLYING}) }}`,
    },
    env: { FLEET: source.fleetFile, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
    jobs,
  };
}

/** The workflow as the file holds it: a header naming its generator, then stable YAML (no folded lines). */
export function rolloutWorkflowYaml(plan: RolloutPlan, source: WorkflowSource): string {
  const doc = new Document(rolloutWorkflow(plan, source));
  doc.commentBefore = [
    ` Generated by \`${rolloutCommandOf(source)}\` from the fleet's stack graph`,
    ` (docs/ROLLOUT.md). Do not edit: change the fleet and run it again; the check job refuses a stale file.`,
    ` Waves: ${[...new Set(plan.jobs.map((j) => j.wave))].sort((a, b) => a - b).map((w) => `${w}: ${plan.jobs.filter((j) => j.wave === w).map((j) => j.id).join(" ")}`).join("; ")}`,
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
