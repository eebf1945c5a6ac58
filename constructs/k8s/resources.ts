/** Requests equal to limits (Guaranteed QoS): admission policies on Sovereign clusters reject anything else. */
export interface GuaranteedResources {
  readonly cpu: string;
  readonly memory: string;
}

export function requestsEqualLimits(r: GuaranteedResources): { requests: Record<string, string>; limits: Record<string, string> } {
  const both = { cpu: r.cpu, memory: r.memory };
  return { requests: { ...both }, limits: { ...both } };
}
