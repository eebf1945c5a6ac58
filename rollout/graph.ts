import type { Fleet, Sovereign } from "../fleet/model";

/** What a stack is, which decides its wave: the kit first, then the mail stacks that depend on it. */
export type StackKind = "kit" | "relay" | "tenant";

export interface RolloutStack {
  readonly name: string;
  readonly kind: StackKind;
  /** Stacks that must be applied first (cdktf stack dependencies, as `manifest.json` lists them). */
  readonly dependencies: readonly string[];
}

export interface RolloutSovereign {
  readonly name: string;
  /** Kit, relay, tenants: fleet order. */
  readonly stacks: readonly RolloutStack[];
  /** The kubeconfig file the providers read (`cluster.configPath`), which the runner writes from a secret. */
  readonly kubeconfigPath: string;
  /** Environment variables Terraform reads for this Sovereign (backend, OpenBao, DNS, Hetzner), each from a secret. */
  readonly secrets: readonly string[];
  /** False for `state.backend: local`: a runner's files are gone when its job ends, so such stacks are only planned. */
  readonly remoteState: boolean;
}

/** The fleet's stacks with their dependencies, by Sovereign: what a rollout engine needs to order them. */
export interface RolloutGraph {
  readonly sovereigns: readonly RolloutSovereign[];
}

/** The secrets (environment variables) a Sovereign's stacks read, from what its fleet entry uses (docs/OPERATIONS.md). */
function secretsOf(s: Sovereign): string[] {
  const p = s.platform;
  return [
    ...(p.state.backend === "s3" ? ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] : []),
    ...(p.state.backend === "pg" ? ["PG_CONN_STR", "PGPASSWORD"] : []),
    ...(p.openbao ? ["VAULT_TOKEN"] : []),
    ...(p.dns.rfc2136 ? ["TF_VAR_dns_update_key_secret"] : []),
    ...(p.ptr?.mode === "terraform" ? ["HCLOUD_TOKEN"] : []),
  ];
}

/**
 * The fleet's stack graph: per Sovereign, its kit stack (no dependencies), and its relay and tenant stacks, which
 * depend on the kit when the fleet has one (stacks/fleet-stacks.ts adds the same dependency; a test compares this
 * graph with the synthesized manifest). Reading the fleet, not a synthesis, keeps this fast on large fleets.
 */
export function rolloutGraphOf(fleet: Fleet): RolloutGraph {
  return {
    sovereigns: fleet.sovereigns.map((s) => {
      const kit = s.kit ? [s.kit.stackName] : [];
      const stacks: RolloutStack[] = [
        ...kit.map((name) => ({ name, kind: "kit" as const, dependencies: [] })),
        { name: s.relay.stackName, kind: "relay", dependencies: kit },
        ...s.tenants.map((t) => ({ name: t.stackName, kind: "tenant" as const, dependencies: kit })),
      ];
      return { name: s.name, stacks, kubeconfigPath: s.platform.cluster.configPath, secrets: secretsOf(s), remoteState: s.platform.state.backend !== "local" };
    }),
  };
}
