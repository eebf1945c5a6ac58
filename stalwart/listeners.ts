/**
 * The listeners a Stalwart server can run: the one source of truth for container ports, Service ports,
 * NetworkPolicy ports and (in the configuration plan) the NetworkListener objects.
 */
export type ListenerName = "smtp" | "submission" | "submissions" | "imap" | "imaps" | "sieve" | "https" | "http";

export interface Listener {
  readonly name: ListenerName;
  readonly port: number;
  /** Stalwart `NetworkListener.protocol`. */
  readonly protocol: "smtp" | "imap" | "manageSieve" | "http";
  readonly tls: "implicit" | "starttls" | "none";
  /** `public`: on the mail LoadBalancer and open to the world; `cluster`: never leaves the cluster. */
  readonly exposure: "public" | "cluster";
  /** Whether a fresh v0.16 database creates it by itself (587 and 143 are not created by default). */
  readonly createdByDefault: boolean;
}

export const LISTENERS: Readonly<Record<ListenerName, Listener>> = {
  smtp: { name: "smtp", port: 25, protocol: "smtp", tls: "starttls", exposure: "public", createdByDefault: true },
  submission: { name: "submission", port: 587, protocol: "smtp", tls: "starttls", exposure: "public", createdByDefault: false },
  submissions: { name: "submissions", port: 465, protocol: "smtp", tls: "implicit", exposure: "public", createdByDefault: true },
  imap: { name: "imap", port: 143, protocol: "imap", tls: "starttls", exposure: "public", createdByDefault: false },
  imaps: { name: "imaps", port: 993, protocol: "imap", tls: "implicit", exposure: "public", createdByDefault: true },
  sieve: { name: "sieve", port: 4190, protocol: "manageSieve", tls: "starttls", exposure: "public", createdByDefault: true },
  https: { name: "https", port: 443, protocol: "http", tls: "implicit", exposure: "public", createdByDefault: true },
  // The management listener: health probes, JMAP management for the apply Job, Prometheus metrics.
  http: { name: "http", port: 8080, protocol: "http", tls: "none", exposure: "cluster", createdByDefault: true },
};

export const MANAGEMENT_LISTENER = LISTENERS.http;

/** Every listener, in a fixed order (port order keeps Service and policy output stable and readable). */
export const ALL_LISTENER_NAMES: readonly ListenerName[] = (Object.keys(LISTENERS) as ListenerName[]).sort(
  (a, b) => LISTENERS[a].port - LISTENERS[b].port,
);

/** Resolves names to listeners, de-duplicated, in port order; the management listener is always present. */
export function resolveListeners(names: readonly ListenerName[]): Listener[] {
  const wanted = new Set<ListenerName>([...names, MANAGEMENT_LISTENER.name]);
  return ALL_LISTENER_NAMES.filter((n) => wanted.has(n)).map((n) => LISTENERS[n]);
}
