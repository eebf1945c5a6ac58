/** An MTA-STS policy (RFC 8461): what the server serves at `mta-sts.<domain>` and what its TXT record versions. */
export interface MtaStsPolicy {
  readonly mode: "testing" | "enforce" | "none";
  /** The one MX host senders may deliver to. */
  readonly mx: string;
  /** How long senders cache the policy. */
  readonly maxAgeDays: number;
}

/** The policy's `max_age` in seconds: the one unit everything else derives from. */
export const mtaStsMaxAgeSeconds = (policy: MtaStsPolicy): number => policy.maxAgeDays * 86_400;

/** The policy file served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`. */
export const mtaStsPolicyText = (policy: MtaStsPolicy): string =>
  `version: STSv1\nmode: ${policy.mode}\nmx: ${policy.mx}\nmax_age: ${mtaStsMaxAgeSeconds(policy)}\n`;
