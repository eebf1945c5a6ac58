/**
 * The SMTP credential precedence contract of the platform's consumer chart: how the projection Secret
 * (`catalyst-openova-kc-credentials`) is resolved from the source Secret (`sovereign-smtp-credentials`), the
 * existing projection (target) and configured defaults. A key counts as present when it exists and is non-empty.
 *
 * - Credentials (`smtp-user`, `smtp-pass`): source `smtp-*`, then source legacy `user`/`password`, then the
 *   existing target, then empty. Source wins so an empty first render can never persist (target-wins kept
 *   empty credentials for the life of a cluster).
 * - Addresses (`smtp-host`, `smtp-port`, `smtp-from`): source, then existing target, then defaults.
 * - Keycloak service-account fields (`kc-*`): existing target first, then source; `kc-audience` defaults to
 *   the resolved client id.
 */

export type SecretData = Readonly<Record<string, string | undefined>>;

export const CREDENTIAL_KEYS = ["smtp-user", "smtp-pass"] as const;
export const ADDRESS_KEYS = ["smtp-host", "smtp-port", "smtp-from"] as const;
export const KEYCLOAK_KEYS = ["kc-addr", "kc-realm", "kc-sa-client-id", "kc-sa-client-secret"] as const;
export const PROJECTION_KEYS = [...KEYCLOAK_KEYS, "kc-audience", ...ADDRESS_KEYS, ...CREDENTIAL_KEYS] as const;
export type ProjectionKey = (typeof PROJECTION_KEYS)[number];

/** Which input a resolved value came from. */
export type Origin = "source" | "source-legacy" | "target" | "defaults" | "client-id" | "empty";

export interface Resolved {
  readonly value: string;
  readonly origin: Origin;
}

const LEGACY: Readonly<Record<(typeof CREDENTIAL_KEYS)[number], string>> = { "smtp-user": "user", "smtp-pass": "password" };

const present = (data: SecretData | undefined, key: string): string | undefined => {
  const v = data?.[key];
  return v !== undefined && v !== "" ? v : undefined;
};

/** Walks the candidates in order; the first present value wins. */
function firstPresent(candidates: readonly [SecretData | undefined, string, Origin][], fallback: Resolved): Resolved {
  for (const [data, key, origin] of candidates) {
    const value = present(data, key);
    if (value !== undefined) return { value, origin };
  }
  return fallback;
}

export function resolveProjection(source: SecretData, target?: SecretData, defaults?: SecretData): Record<ProjectionKey, Resolved> {
  const out = {} as Record<ProjectionKey, Resolved>;
  const empty: Resolved = { value: "", origin: "empty" };
  for (const key of CREDENTIAL_KEYS) {
    out[key] = firstPresent([[source, key, "source"], [source, LEGACY[key], "source-legacy"], [target, key, "target"]], empty);
  }
  for (const key of ADDRESS_KEYS) {
    out[key] = firstPresent([[source, key, "source"], [target, key, "target"], [defaults, key, "defaults"]], empty);
  }
  for (const key of KEYCLOAK_KEYS) {
    out[key] = firstPresent([[target, key, "target"], [source, key, "source"]], empty);
  }
  out["kc-audience"] = firstPresent([[target, "kc-audience", "target"], [source, "kc-audience", "source"]], {
    value: out["kc-sa-client-id"].value,
    origin: "client-id",
  });
  return out;
}

/** Just the values, in key order. */
export const projectionValues = (resolved: Record<ProjectionKey, Resolved>): Record<ProjectionKey, string> =>
  Object.fromEntries(PROJECTION_KEYS.map((k) => [k, resolved[k].value])) as Record<ProjectionKey, string>;
