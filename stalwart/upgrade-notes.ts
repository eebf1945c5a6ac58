/**
 * What upstream says about moving between Stalwart releases, for the versions this project can run. Read in
 * stalwartlabs/stalwart v0.16.18: `CHANGELOG.md` (every 0.16.x entry: "If you are upgrading from v0.16.x, replace
 * the binary (or run `docker pull`)"), `UPGRADING/` (only 0.15 → 0.16), and `DATABASE_SCHEMA_VERSION` (6 in every
 * 0.16.x, so no data migration within 0.16).
 */
export interface UpgradeNote {
  /** The release that brings the change. */
  readonly version: string;
  readonly note: string;
}

/** Changes within 0.16 an operator notices, by the release that brings them. */
export const UPGRADE_NOTES: readonly UpgradeNote[] = [
  { version: "0.16.6", note: "OAuth access tokens are reworked (AES-256-GCM-SIV): tokens issued before stop working, users of webmail and apps sign in again (commit 838a8392)" },
  { version: "0.16.12", note: "Prometheus metric names are corrected (commit 7e7e2543): dashboards and alert queries written against older names need the new ones" },
  { version: "0.16.18", note: "RocksDB column-family tuning changes: the first start after the upgrade may take longer" },
];

const parse = (v: string): number[] => v.replace(/^v/, "").split(".").map(Number);
const compare = (a: string, b: string): number => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

/**
 * What moving a server from `from` to `to` means: a downgrade (no upstream promise that it is safe), a change of
 * minor release (an offline migration, UPGRADING/), or, within 0.16, a binary replacement plus the notes of every
 * release crossed.
 */
export function upgradeNotes(from: string, to: string): string[] {
  const [a, b] = [parse(from), parse(to)];
  if (compare(from, to) > 0) return [`v${from} → v${to} is a downgrade, which upstream does not document as safe: restore the backup taken before the upgrade instead`];
  if (a[0] !== b[0] || a[1] !== b[1]) return [`v${from} → v${to} crosses a minor release: follow upstream UPGRADING/ (0.15 → 0.16 is an offline migration), never an image bump alone`];
  return [
    `v${from} → v${to}: no data migration within ${a[0]}.${a[1]} (schema version unchanged); the pod restarts once (a short outage); take a backup first`,
    ...UPGRADE_NOTES.filter((n) => compare(n.version, from) > 0 && compare(n.version, to) <= 0).map((n) => `v${n.version}: ${n.note}`),
  ];
}
