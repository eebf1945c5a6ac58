/**
 * Stalwart v0.16 JSON encoding: ordered lists are objects keyed "0", "1", …; sets are `{member: true}`;
 * durations are milliseconds and sizes bytes; expressions are `{match, else}`; references to objects created
 * earlier in a plan are `#clientId`.
 */

export type OrderedList<T> = Readonly<Record<string, T>>;
export type JsonSet = Readonly<Record<string, true>>;

export function orderedList<T>(items: readonly T[]): OrderedList<T> {
  return Object.fromEntries(items.map((item, i) => [String(i), item]));
}

/** Members sorted, so the same set always renders the same bytes. */
export function setOf(members: Iterable<string>): JsonSet {
  return Object.fromEntries([...new Set(members)].sort().map((m) => [m, true as const]));
}

/** A reference to an object created by an earlier operation of the same plan. */
export type ClientRef = `#${string}`;
export const ref = (clientId: string): ClientRef => `#${clientId}`;

export interface ExpressionRule {
  /** Stalwart expression; equality is `==` (a single `=` never matches and raises no error). */
  readonly if: string;
  readonly then: string;
}

export interface Expression {
  readonly match: OrderedList<ExpressionRule>;
  readonly else: string;
}

/** A rule list plus a fallback. Rejects a single `=` used as a comparison, which Stalwart silently never matches. */
export function expression(elseValue: string, rules: readonly ExpressionRule[] = []): Expression {
  for (const text of [elseValue, ...rules.flatMap((r) => [r.if, r.then])]) {
    const withoutStrings = text.replace(/'[^']*'|"[^"]*"/g, "''");
    if (/(^|[^=!<>])=($|[^=])/.test(withoutStrings)) {
      throw new Error(`expression "${text}" uses a single "=": Stalwart compares with "=="`);
    }
  }
  return { match: orderedList(rules), else: elseValue };
}

/** A Stalwart string literal inside an expression. */
export const quoted = (text: string): string => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export const seconds = (n: number): number => n * 1000;
export const minutes = (n: number): number => n * 60_000;

/** Secret values are never inline: they come from an environment variable or a mounted file. */
export type SecretSource =
  | { readonly "@type": "EnvironmentVariable"; readonly variableName: string }
  | { readonly "@type": "File"; readonly filePath: string };

export const secretFromEnv = (variableName: string): SecretSource => ({ "@type": "EnvironmentVariable", variableName });
export const secretFromFile = (filePath: string): SecretSource => ({ "@type": "File", filePath });
