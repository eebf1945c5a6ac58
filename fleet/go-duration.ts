/**
 * Go's `time.ParseDuration` syntax (what the External Secrets Operator reads `refreshInterval` with): one home for
 * its units, for the schema's check and for the checks that compare durations. The micro sign is written as an
 * escape so the bundled app command stays pure ASCII (a non-ASCII byte makes Node decode and compile the whole
 * bundle as a two-byte string: about 0.15 s more per start).
 */
const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, "\u00b5s": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

const UNIT = `(${Object.keys(SECONDS_PER_UNIT).join("|")})`;

/** A whole Go duration such as `1h`, `15m` or `1h30m`. */
export const GO_DURATION = new RegExp(`^(\\d+${UNIT})+$`);

/** Seconds of a Go duration (syntax checked by {@link GO_DURATION} first). */
export function goDurationSeconds(duration: string): number {
  return [...duration.matchAll(new RegExp(`(\\d+)${UNIT}`, "g"))].reduce((sum, [, n, u]) => sum + Number(n) * SECONDS_PER_UNIT[u], 0);
}
