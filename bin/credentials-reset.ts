/**
 * `npm run credentials:reset -- <stack> <credential> [--dry-run] [--fleet FILE] [--terraform BINARY]`: regenerates
 * one credential of a stack now (an incident), by replacing the Terraform resources that hold it. Prints the exact
 * commands, runs them unless `--dry-run`, and lists what an operator must check afterwards.
 */
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fleetFileOf, outDirOf, stackDirOf } from "../app/cli";
import { filledZoneCommand } from "./dns-records";
import { projectRoot } from "../project/root";
import { MEMORY_CONFIGMAP } from "../constructs/terraform/stack-memory";
import { mailStackOrExitCode } from "../app/mail-stack-lookup";
import { credentialReset } from "../constructs/credentials/reset";
import { CREDENTIAL_CLASSES } from "../fleet/model";
import type { RelayStack } from "../stacks/relay-stack";
import type { TenantMailStack } from "../stacks/tenant-mail-stack";
import { emptyFlagProblem, printAndRun, runCommand, shellQuote, stackArgumentProblem, terraformBinaryOf } from "../app/command";

const RESETTABLE = [...CREDENTIAL_CLASSES, "automation"];
const USAGE = `usage: npm run credentials:reset -- <stack> <${RESETTABLE.join("|")}> [--dry-run] [--fleet FILE] [--terraform BINARY]`;

/** What a reset replaces and where its value lands, for one credential of a stack. */
export interface ResetPlan {
  readonly stack: string;
  readonly credential: string;
  /** Terraform addresses to replace: every slot of a password (no old value survives), or every DKIM key. */
  readonly replace: readonly string[];
  /** The ExternalSecrets that carry it into the cluster (namespace/name). */
  readonly externalSecrets: readonly string[];
  /** The OpenBao path it is kept at. */
  readonly openbaoPath: string;
  /** The namespace of the server's Secret. */
  readonly namespace: string;
  /** The kubeconfig context of the stack's cluster, so pasted kubectl commands reach the right cluster. */
  readonly context: string;
  /** OpenBao address and KV v2 mount of the stack's Sovereign. */
  readonly openbao: { readonly address: string; readonly mount: string };
}

/** The resources that hold `credential` in `stack`, or an error naming what exists. */
export function resetPlan(stack: RelayStack | TenantMailStack, credential: string): ResetPlan | string {
  const reset = credentialReset(stack, credential);
  if ("known" in reset) return `stack ${stack.stackName} generates no "${credential}" credential (it generates: ${reset.known.join(", ")})`;
  return { stack: stack.stackName, credential, ...reset, ...where(stack) };
}

/** Mail stacks always have OpenBao (the fleet refuses a Sovereign without it). */
const where = (stack: RelayStack | TenantMailStack) => ({ context: stack.platform.cluster.context, openbao: stack.platform.openbao! });

/** Absolute paths, so the printed commands do the same when pasted in another directory. */
export interface ResetPaths {
  /** The project's `dist/main.js`. */
  readonly main: string;
  /** The fleet file. */
  readonly fleet: string;
  /** The synthesis output directory. */
  readonly out: string;
}

/** The commands, in order: synthesize the fleet as it is, then apply the stack with the replacements. */
export function resetCommands(plan: ResetPlan, terraform: string, paths: ResetPaths): string[][] {
  const dir = `-chdir=${stackDirOf(paths.out, plan.stack)}`;
  return [
    ["node", paths.main, "--fleet", paths.fleet, "--out", paths.out],
    [terraform, dir, "init", "-input=false"],
    // The Job logs in as the automation identity: replacing both of its passwords needs the bootstrap path once
    // (the recovery admin for this apply, then off again), which forgetting the bootstrap selects.
    ...(plan.credential === "automation"
      ? [["kubectl", "--context", plan.context, "-n", plan.namespace, "patch", "configmap", MEMORY_CONFIGMAP, "--type", "json", "-p", '[{"op":"remove","path":"/data/bootstrapped"}]']]
      : []),
    [terraform, dir, "apply", ...plan.replace.map((a) => `-replace=${a}`)],
  ];
}

/** What to verify once the apply finished. */
export function resetChecks(plan: ResetPlan, paths: ResetPaths & { readonly terraform: string }): string[] {
  const serverRestarts = ["metrics", "dkim", "automation"].includes(plan.credential);
  const kubectl = (...args: string[]) => ["kubectl", "--context", plan.context, ...args].map(shellQuote).join(" ");
  return [
    `OpenBao: a new version at ${plan.openbaoPath} (mount ${plan.openbao.mount}) whose custom metadata sovereign-mail.openova.io/generated-at is the time of this apply, and the audit log entry of the write: ${["env", `BAO_ADDR=${plan.openbao.address}`, "bao", "kv", "metadata", "get", `-mount=${plan.openbao.mount}`, plan.openbaoPath].map(shellQuote).join(" ")}`,
    ...plan.externalSecrets.map(
      (es) => `ExternalSecret ${es}: Ready, and its Secret's annotation sovereign-mail.openova.io/generated-at updated: ${kubectl("-n", es.split("/")[0], "get", "externalsecret", es.split("/")[1])}`,
    ),
    serverRestarts
      ? `The server pod restarted and its credentials-current init container passed: ${kubectl("-n", plan.namespace, "rollout", "status", "statefulset/stalwart")}`
      : "The configuration apply Job of this apply completed (the server accepts the new password)",
    ...(plan.credential === "submission"
      ? ["Consumers of catalyst-system/sovereign-smtp-credentials rolled on the new checksum/smtp-config annotation and send mail again; the old password is refused at once (no overlap on a reset)"]
      : []),
    ...(plan.credential === "dkim"
      ? [
          `The new DKIM TXT records are in DNS: this apply updated them for domains published by RFC 2136; for a BYO domain publish the filled-in records now: ${filledZoneCommand(paths.terraform, paths.out, plan.stack).map(shellQuote).join(" ")}. A reset signs with a new key at once, so receivers holding a cached record fail DKIM until its TTL passes`,
        ]
      : []),
    ...(plan.credential === "oidc" ? ["The tenant realm's client uses the new secret (Keycloak reads the same OpenBao path)"] : []),
    ...(plan.credential === "admin" ? ["The break-glass password in OpenBao changed; nothing in the cluster reads it outside a bootstrap"] : []),
    ...(plan.credential === "automation" ? ["Secret stalwart-bootstrap was blanked again after the Job (recovery admin off), and the next apply removes it"] : []),
  ];
}

export function runCredentialsReset(
  argv: readonly string[],
  out: (t: string) => void,
  err: (t: string) => void,
  run: (command: readonly string[]) => void = (c) => execFileSync(c[0], c.slice(1), { stdio: "inherit" }),
): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { "dry-run": { type: "boolean" }, fleet: { type: "string" }, terraform: { type: "string" } },
    });
  } catch (e) {
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [stackName, credential] = args.positionals;
  const usage =
    emptyFlagProblem(args.values) ??
    stackArgumentProblem(args.positionals.slice(0, 1)) ??
    (args.positionals.length !== 2 ? `name the stack and one credential (one of: ${RESETTABLE.join(", ")})` : undefined) ??
    (RESETTABLE.includes(credential) ? undefined : `unknown credential "${credential}" (one of: ${RESETTABLE.join(", ")})`);
  const stack = mailStackOrExitCode({ problem: usage, text: USAGE }, stackName, args.values.fleet, err);
  if (typeof stack === "number") return stack;
  const plan = resetPlan(stack, credential);
  if (typeof plan === "string") {
    err(`error: ${plan}\n`);
    return 1;
  }
  const terraform = args.values.terraform ?? terraformBinaryOf(process.env);
  const paths: ResetPaths = {
    main: join(projectRoot(), "dist", "main.js"),
    fleet: resolve(args.values.fleet ?? fleetFileOf(process.env)),
    out: resolve(outDirOf(process.env)),
  };
  const commands = resetCommands(plan, terraform, paths);
  out(`# Reset ${credential} of ${plan.stack}: replaces ${plan.replace.join(", ")}\n`);
  out("# The same as `cdktf deploy`, with the replacements cdktf cannot pass: synthesize, then apply the stack.\n");
  return printAndRun(commands, resetChecks(plan, { ...paths, terraform }), { out, err, run }, args.values["dry-run"] === true);
}


if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runCredentialsReset(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
