/**
 * The rollout workflow (docs/ROLLOUT.md): generated from the fleet's stack graph, valid for GitHub (SchemaStore's
 * workflow schema, actionlint, GitHub's documented limits), every stack exactly once and after its dependencies as
 * the synthesized manifest lists them, deterministic, and the committed file is the example fleet's.
 */
import Ajv from "ajv";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { synthesizeFleet } from "../app/synthesize";
import { generateFleetYaml } from "../bench/generate-fleet";
import { runRollout } from "../bin/rollout";
import { loadFleetFile, parseFleet } from "../fleet/load";
import type { Fleet } from "../fleet/model";
import { ROLLOUT_WORKFLOW_FILE, rolloutWorkflowYaml } from "../rollout/github-workflow";
import { rolloutGraphOf, type RolloutGraph } from "../rollout/graph";
import { batchSizeFor, DEFAULT_ROLLOUT_OPTIONS, rolloutPlan, type RolloutOptions } from "../rollout/jobs";
import { MATRIX_JOBS_PER_RUN, workflowLimitProblems } from "../rollout/workflow-limits";
import fc from "fast-check";
import { actionlint } from "./helpers/actionlint";
import { TEST_FLEETS } from "./helpers/test-fleets";

const ROOT = join(__dirname, "..");
const SCHEMA = JSON.parse(readFileSync(join(__dirname, "fixtures", "github-workflow", "github-workflow.json"), "utf8"));
// The options SchemaStore validates this schema with (it is on its list of schemas not checked in strict mode).
const validateSchema = new Ajv({ strictTypes: false, strictTuples: false, allowMatchingProperties: true, allErrors: true }).compile(SCHEMA);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Workflow = any;

const workflowOf = (fleet: Fleet, options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS) =>
  rolloutWorkflowYaml(rolloutPlan(rolloutGraphOf(fleet), options), { fleetFile: "fleets/f.yaml", workflowFile: ROLLOUT_WORKFLOW_FILE, options });

/** The stacks each job applies, read from the file: the matrix's batches or the job's STACKS. */
function stacksByJob(workflow: Workflow): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, job] of Object.entries<Workflow>(workflow.jobs)) {
    if (id === "check") continue;
    const include = job.strategy?.matrix?.include as { stacks: string }[] | undefined;
    const terraform = job.steps.find((s: Workflow) => s.env?.APPLY !== undefined);
    out.set(id, include ? include.flatMap((b) => b.stacks.split(",")) : terraform.env.STACKS.split(","));
  }
  return out;
}

/** Every job a job waits for, directly or through others. */
function transitiveNeeds(workflow: Workflow, id: string): Set<string> {
  const seen = new Set<string>();
  const walk = (j: string) => {
    for (const n of [].concat(workflow.jobs[j].needs ?? [])) if (!seen.has(n)) seen.add(n) && walk(n);
  };
  walk(id);
  return seen;
}

/** The manifest's dependencies of a synthesized fleet (`only`: a --stacks selection), by stack. */
function synthesizedDependencies(fleet: Fleet, only?: string[]): Map<string, string[]> {
  const out = mkdtempSync(join(tmpdir(), "rollout-manifest-"));
  synthesizeFleet(fleet, out, { stacks: only });
  const stacks = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).stacks as Record<string, { dependencies: string[] }>;
  return new Map(Object.entries(stacks).map(([name, s]) => [name, [...s.dependencies].sort()]));
}

const manifests = new Map<string, Map<string, string[]>>();
/** The manifest's dependencies of a test fleet, synthesized once for the file. */
const manifestDependencies = (name: string) => manifests.get(name) ?? manifests.set(name, synthesizedDependencies(loadFleetFile(TEST_FLEETS[name]))).get(name)!;

const graphDependencies = (graph: RolloutGraph) => new Map(graph.sovereigns.flatMap((s) => s.stacks.map((x) => [x.name, [...x.dependencies].sort()] as const)));

/** What every generated workflow must be: valid for GitHub, each stack once, each after the jobs of its dependencies. */
function expectValidRollout(text: string, dependencies: ReadonlyMap<string, readonly string[]>) {
  const workflow = parse(text);
  expect(validateSchema(workflow) ? [] : validateSchema.errors).toEqual([]);
  expect(workflowLimitProblems(workflow, text)).toEqual([]);
  const byJob = stacksByJob(workflow);
  const all = [...byJob.values()].flat();
  expect(all.slice().sort()).toEqual([...dependencies.keys()].sort());
  expect(new Set(all).size).toBe(all.length);
  const jobOf = new Map([...byJob].flatMap(([id, stacks]) => stacks.map((s) => [s, id] as const)));
  for (const [stack, deps] of dependencies) {
    const job = jobOf.get(stack)!;
    for (const dep of deps) expect({ stack, dep, needs: [...transitiveNeeds(workflow, job)].includes(jobOf.get(dep)!) }).toEqual({ stack, dep, needs: true });
  }
  // Nothing runs before the freshness check: every stack job waits for it.
  for (const id of byJob.keys()) expect(transitiveNeeds(workflow, id).has("check")).toBe(true);
  return workflow;
}

describe("rollout graph", () => {
  it.each(["example", "complete", "every-feature"])("has the dependencies the synthesized manifest of the %s fleet lists", (name) => {
    expect(graphDependencies(rolloutGraphOf(loadFleetFile(TEST_FLEETS[name])))).toEqual(manifestDependencies(name));
  });

  it("has the manifest's dependencies for stacks of a 1,000-tenant fleet (synthesized with --stacks)", () => {
    const fleet = parseFleet(generateFleetYaml(1000), "bench.yaml");
    const manifest = synthesizedDependencies(fleet, ["bench-mail", "bench-tenant-t0500", "bench-tenant-t0999"]);
    const graph = graphDependencies(rolloutGraphOf(fleet));
    for (const [stack, deps] of manifest) expect(graph.get(stack)).toEqual(deps);
  });
});

describe("rollout workflow", () => {
  it.each(["example", "complete", "every-feature"])("is valid and ordered by the manifest for the %s fleet", (name) => {
    expectValidRollout(workflowOf(loadFleetFile(TEST_FLEETS[name])), manifestDependencies(name));
  });

  it("shards a 1,000-tenant fleet into a matrix of batches within GitHub's limits", () => {
    const fleet = parseFleet(generateFleetYaml(1000), "bench.yaml");
    const workflow = expectValidRollout(workflowOf(fleet), graphDependencies(rolloutGraphOf(fleet)));
    const tenants = workflow.jobs["tenants-bench"];
    expect(tenants.strategy.matrix.include).toHaveLength(100);
    expect(tenants.strategy["max-parallel"]).toBe(DEFAULT_ROLLOUT_OPTIONS.maxParallel);
    expect(tenants.strategy["fail-fast"]).toBe(false);
    expect(tenants.needs).toEqual(["check"]); // the generated fleet has no kit
  });

  it("raises the batch size when three 1,000-tenant Sovereigns would need more than 256 matrix jobs", () => {
    const fleet = parseFleet(generateFleetYaml(1000, "plain", 3), "bench.yaml");
    const plan = rolloutPlan(rolloutGraphOf(fleet));
    expect(plan.batchSize).toBe(12); // 3 × ⌈1000/11⌉ = 273 > 256; 3 × ⌈1000/12⌉ = 252
    const workflow = expectValidRollout(workflowOf(fleet), graphDependencies(rolloutGraphOf(fleet)));
    const legs = Object.values<Workflow>(workflow.jobs).reduce((n, j) => n + (j.strategy?.matrix?.include?.length ?? 0), 0);
    expect(legs).toBe(252);
  });

  it("passes actionlint: the generated workflows, the committed ones, and not a planted mistake", () => {
    const generated = [
      ...["example", "complete", "every-feature"].map((name) => ({ path: `${name}.yml`, text: workflowOf(loadFleetFile(TEST_FLEETS[name])) })),
      { path: "bench-1000.yml", text: workflowOf(parseFleet(generateFleetYaml(1000), "bench.yaml")) },
      { path: "bench-3x1000.yml", text: workflowOf(parseFleet(generateFleetYaml(1000, "plain", 3), "bench.yaml")) },
    ];
    const committed = [ROLLOUT_WORKFLOW_FILE, ".github/workflows/ci.yml"].map((path) => ({ path, text: readFileSync(join(ROOT, path), "utf8") }));
    // A matrix property no include defines: actionlint's expression typing must catch it.
    const planted = { path: "planted.yml", text: generated[3].text.replace("name: bench tenants ${{ matrix.batch }}", "name: bench tenants ${{ matrix.shard }}") };
    expect(planted.text).not.toBe(generated[3].text);
    const findings = actionlint([...generated, ...committed, planted]);
    expect(findings.slice(0, -1)).toEqual([...generated, ...committed].map(() => []));
    expect(findings[findings.length - 1].map((f) => f.kind)).toEqual(["expression"]);
  });

  it("is the same bytes for the same fleet, read twice", () => {
    const text = readFileSync(TEST_FLEETS.complete, "utf8");
    expect(workflowOf(parseFleet(text, "a.yaml"))).toBe(workflowOf(parseFleet(text, "b.yaml")));
  });

  it("applies only on pushes to main, in the Sovereign's protected environment, and never a local state", () => {
    const workflow = parse(workflowOf(loadFleetFile(TEST_FLEETS.complete)));
    const fleet = loadFleetFile(TEST_FLEETS.complete);
    for (const s of fleet.sovereigns) {
      for (const [id, job] of Object.entries<Workflow>(workflow.jobs).filter(([id]) => id.endsWith(`-${s.name}`))) {
        const terraform = job.steps.find((x: Workflow) => x.env?.APPLY !== undefined);
        if (s.platform.state.backend === "local") {
          expect({ id, apply: terraform.env.APPLY, environment: job.environment }).toEqual({ id, apply: "false", environment: `${s.name}-plan` });
        } else {
          expect(terraform.env.APPLY).toBe("${{ github.event_name != 'pull_request' && github.ref == 'refs/heads/main' }}");
          expect(job.environment).toBe(`\${{ github.event_name != 'pull_request' && github.ref == 'refs/heads/main' && '${s.name}' || '${s.name}-plan' }}`);
        }
        // Credentials only by reference, each from the secret of its own name.
        for (const [k, v] of Object.entries<string>(terraform.env).filter(([k]) => !["STACKS", "APPLY", "TF_PLUGIN_CACHE_DIR"].includes(k))) expect(v).toBe(`\${{ secrets.${k} }}`);
      }
    }
    expect(workflow.concurrency).toEqual({
      group: "${{ github.event_name != 'pull_request' && github.ref == 'refs/heads/main' && 'rollout-apply' || format('rollout-plan-{0}', github.ref) }}",
      "cancel-in-progress": "${{ !(github.event_name != 'pull_request' && github.ref == 'refs/heads/main') }}",
    });
  });

  it("plans every stack of a batch and applies only when asked, going on past a failed stack (terraform stubbed)", () => {
    const workflow = parse(workflowOf(parseFleet(generateFleetYaml(5), "bench.yaml"), { batchSize: 2, maxParallel: 1 }));
    const job = workflow.jobs["tenants-bench"];
    const step = job.steps.find((x: Workflow) => x.env?.APPLY !== undefined);
    const [first, second] = job.strategy.matrix.include[0].stacks.split(",");
    const dir = mkdtempSync(join(tmpdir(), "rollout-stub-"));
    mkdirSync(join(dir, "bin"));
    // The stub logs its arguments and fails the plan of the first stack.
    writeFileSync(join(dir, "bin", "terraform"), `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncase "$*" in *${first}*plan*) exit 1;; esac\n`);
    chmodSync(join(dir, "bin", "terraform"), 0o755);
    const run = (apply: string) => {
      writeFileSync(join(dir, "calls"), "");
      const env = { PATH: `${join(dir, "bin")}:${process.env.PATH}`, STACKS: `${first},${second}`, APPLY: apply, TF_PLUGIN_CACHE_DIR: join(dir, "plugins") };
      const r = spawnSync("bash", ["-e", "-c", step.run], { cwd: dir, env, encoding: "utf8" });
      return { status: r.status, calls: readFileSync(join(dir, "calls"), "utf8").trim().split("\n"), stderr: r.stderr };
    };
    const planned = run("false");
    expect(planned.status).toBe(1);
    expect(planned.stderr).toContain(`failed: ${first}`);
    expect(planned.calls.map((c) => c.split(" ").slice(0, 2).join(" "))).toEqual([
      `-chdir=cdktf.out/stacks/${first} init`,
      `-chdir=cdktf.out/stacks/${first} plan`,
      `-chdir=cdktf.out/stacks/${second} init`,
      `-chdir=cdktf.out/stacks/${second} plan`,
    ]);
    const applied = run("true");
    expect(applied.calls.filter((c) => c.includes(" apply "))).toEqual([`-chdir=cdktf.out/stacks/${second} apply -input=false -lock-timeout=10m tfplan`]);
  });
});

describe("GitHub's limits the schema cannot state", () => {
  const job = (extra: object = {}) => ({ "runs-on": "ubuntu-24.04", steps: [{ run: "true" }], ...extra });
  it("accepts a small valid workflow", () => {
    expect(workflowLimitProblems({ jobs: { a: job(), b: job({ needs: ["a"] }) } }, "x")).toEqual([]);
  });
  it("refuses a bad job id, a missing or cyclic need, more than 256 matrix jobs, a bad max-parallel and a file over 500 KB", () => {
    const include = (n: number) => ({ strategy: { "max-parallel": 0, matrix: { include: Array.from({ length: n }, (_, i) => ({ i })) } } });
    const problems = workflowLimitProblems(
      { jobs: { "1a": job(), a: job({ needs: ["b"] }), b: job({ needs: "a" }), c: job({ needs: ["zz"], ...include(200) }), d: job({ strategy: { matrix: { x: [1, 2, 3], y: Array(20).fill(0) } } }) } },
      "x".repeat(500_001),
    );
    expect(problems).toEqual([
      "the file has 500001 bytes; GitHub starts no run of a workflow file over 500 KB",
      'job id "1a" must start with a letter or _ and hold only letters, digits, - and _',
      "job c needs job zz, which the workflow does not have",
      "jobs need each other in a cycle: a → b → a",
      "job c: max-parallel must be a positive integer",
      `the matrices generate 260 jobs; GitHub runs at most ${MATRIX_JOBS_PER_RUN} per workflow run`,
    ]);
  });
  it("the schema itself refuses what GitHub refuses (no runs-on, an unknown key)", () => {
    expect(validateSchema({ on: "push", jobs: { a: { steps: [{ run: "true" }] } } })).toBe(false);
    expect(validateSchema({ on: "push", jobs: { a: job({ stages: 1 }) } })).toBe(false);
    expect(validateSchema({ on: "push", jobs: { a: job() } })).toBe(true);
  });
});

describe("rollout plan", () => {
  it("keeps the matrices within 256 jobs with the smallest batch size from the requested one up", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 40 }), fc.integer({ min: 1, max: 50 }), (counts, requested) => {
        const size = batchSizeFor(counts, requested);
        const legs = (b: number) => counts.reduce((n, c) => n + Math.ceil(c / b), 0);
        expect(size).toBeGreaterThanOrEqual(requested);
        expect(legs(size)).toBeLessThanOrEqual(MATRIX_JOBS_PER_RUN);
        if (size > requested) expect(legs(size - 1)).toBeGreaterThan(MATRIX_JOBS_PER_RUN);
      }),
    );
  });

  const sovereign = (stacks: { name: string; kind: "kit" | "relay" | "tenant"; dependencies: string[] }[]) => ({
    sovereigns: [{ name: "x", stacks, kubeconfigPath: "k", secrets: [], remoteState: true }],
  });
  it("refuses a dependency outside the graph, inside its own job, or in a cycle", () => {
    expect(() => rolloutPlan(sovereign([{ name: "x-mail", kind: "relay", dependencies: ["x-kit"] }]))).toThrow("x-mail depends on x-kit, which is not in the graph");
    expect(() =>
      rolloutPlan(sovereign([{ name: "x-tenant-a", kind: "tenant", dependencies: [] }, { name: "x-tenant-b", kind: "tenant", dependencies: ["x-tenant-a"] }])),
    ).toThrow("x-tenant-b depends on x-tenant-a in the same job tenants-x");
    expect(() =>
      rolloutPlan(sovereign([{ name: "x-kit", kind: "kit", dependencies: ["x-mail"] }, { name: "x-mail", kind: "relay", dependencies: ["x-kit"] }])),
    ).toThrow("the stack dependencies form a cycle: kit-x → relay-x → kit-x");
  });
  it("puts the kit in wave 0 and the relay and tenants, which need only the kit, in wave 1", () => {
    const plan = rolloutPlan(rolloutGraphOf(loadFleetFile(TEST_FLEETS.example)));
    expect(plan.jobs.map((j) => [j.id, j.wave, j.needs])).toEqual([
      ["kit-fsn1", 0, []],
      ["relay-fsn1", 1, ["kit-fsn1"]],
      ["tenants-fsn1", 1, ["kit-fsn1"]],
    ]);
  });
});

describe("npm run rollout", () => {
  const cli = (args: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = runRollout(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
    return { code, stdout, stderr };
  };

  it("the committed workflow is the example fleet's (--check)", () => {
    expect(cli(["--check"])).toMatchObject({ code: 0 });
  });

  it("writes the workflow, and --check fails once the fleet changed", () => {
    const dir = mkdtempSync(join(ROOT, ".rollout-test-"));
    try {
      const fleet = join(dir, "fleet.yaml");
      const out = join(dir, "rollout.yml");
      writeFileSync(fleet, generateFleetYaml(3));
      expect(cli(["--fleet", fleet, "--out", out]).code).toBe(0);
      expect(readFileSync(out, "utf8")).toContain("bench-tenant-t0002");
      expect(cli(["--fleet", fleet, "--out", out, "--check"]).code).toBe(0);
      writeFileSync(fleet, generateFleetYaml(4));
      const stale = cli(["--fleet", fleet, "--out", out, "--check"]);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain("is stale");
      expect(readFileSync(out, "utf8")).not.toContain("bench-tenant-t0003");
    } finally {
      spawnSync("rm", ["-rf", dir]);
    }
  });

  it("refuses usage errors with exit 2: a bad batch size, a fleet outside the repository", () => {
    expect(cli(["--batch-size", "0"]).code).toBe(2);
    expect(cli(["--max-parallel", "x"]).code).toBe(2);
    const outside = join(mkdtempSync(join(tmpdir(), "rollout-")), "fleet.yaml");
    writeFileSync(outside, generateFleetYaml(1));
    expect(cli(["--fleet", outside, "--check"])).toMatchObject({ code: 2, stderr: expect.stringContaining("inside the repository") });
  });
});
