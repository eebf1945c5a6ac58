import type { Fleet, Kit, Relay, SovereignPlatform, Tenant } from "./model";

/**
 * What one stack is built from, and nothing else: the stack factory (`stacks/fleet-stacks.ts`, `addStacks`) gets
 * only this object, so the synthesis cache's key (its canonical serialization) covers every fleet value a stack
 * can read. Each input is a frozen copy: no stack can change what another one reads.
 */
export type StackInput = KitStackInput | RelayStackInput | TenantStackInput;

/** `<sovereign>-kit`: the kit and where its state and cluster are. */
export interface KitStackInput {
  readonly kind: "kit";
  readonly platform: SovereignPlatform;
  readonly kit: Kit;
  /** The Sovereign's mail servers its telemetry slots watch: empty without `monitoring`. */
  readonly mailServers: readonly MailServerRef[];
}

/** A mail server as the kit's monitoring sees it. */
export interface MailServerRef {
  readonly kind: "relay" | "tenant";
  readonly stack: string;
  readonly namespace: string;
}

/** A mail stack depends on its Sovereign's kit stack (deploy order) when there is one. */
interface MailStackInputBase {
  readonly platform: SovereignPlatform;
  /** The kit stack this stack is applied after. @default none (the kit is installed by other means) */
  readonly kitStack?: string;
}

/** `<sovereign>-mail`: the relay of one Sovereign (it reads none of its tenants). */
export interface RelayStackInput extends MailStackInputBase {
  readonly kind: "relay";
  readonly relay: Relay;
}

/** A tenant as its stack sees it: without its place in the fleet file, so moving it in the file changes nothing. */
export type StackTenant = Omit<Tenant, "fleetPath">;

/** `<sovereign>-tenant-<id>`: one tenant on its Sovereign's platform. */
export interface TenantStackInput extends MailStackInputBase {
  readonly kind: "tenant";
  readonly tenant: StackTenant;
}

export const stackNameOf = (input: StackInput): string =>
  input.kind === "kit" ? input.kit.stackName : input.kind === "relay" ? input.relay.stackName : input.tenant.stackName;

/** The inputs named in `names`, in their order, with the kit stacks the named mail stacks depend on (and are applied after). */
export function withTheirKits(inputs: readonly StackInput[], names: (stackName: string) => boolean): StackInput[] {
  const wanted = new Set(inputs.filter((i) => names(stackNameOf(i))).map(stackNameOf));
  for (const i of inputs) if (i.kind !== "kit" && i.kitStack !== undefined && wanted.has(stackNameOf(i))) wanted.add(i.kitStack);
  return inputs.filter((i) => wanted.has(stackNameOf(i)));
}

/** Every stack's input, in the order the app adds the stacks (per Sovereign: kit, relay, tenants). */
export function stackInputsOf(fleet: Fleet): StackInput[] {
  return fleet.sovereigns.flatMap((sovereign) => {
    // One frozen copy of what a Sovereign's stacks share.
    const platform = frozenCopy(sovereign.platform);
    const dependency = sovereign.kit ? { kitStack: sovereign.kit.stackName } : {};
    const inputs: StackInput[] = [];
    const mailServers: MailServerRef[] = sovereign.platform.monitoring
      ? [
          { kind: "relay", stack: sovereign.relay.stackName, namespace: sovereign.relay.namespace },
          // By name, so moving a tenant in the file changes nothing here either.
          ...sovereign.tenants.map((t) => ({ kind: "tenant" as const, stack: t.stackName, namespace: t.namespace })).sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0)),
        ]
      : [];
    if (sovereign.kit) inputs.push(Object.freeze({ kind: "kit", platform, kit: frozenCopy(sovereign.kit), mailServers: frozenCopy(mailServers) }));
    inputs.push(Object.freeze({ kind: "relay", platform, ...dependency, relay: frozenCopy(sovereign.relay) }));
    for (const { fleetPath: _, ...tenant } of sovereign.tenants) inputs.push(Object.freeze({ kind: "tenant", platform, ...dependency, tenant: frozenCopy(tenant) }));
    return inputs;
  });
}

/** A deep copy that nothing can change (plain data only: the model holds no classes or functions). */
export function frozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
