/**
 * `config.json`: the only file Stalwart v0.16 reads. It holds exactly one DataStore object; everything else
 * lives in the database and is managed through the configuration plan.
 */
export const DATA_DIR = "/var/lib/stalwart";
export const CONFIG_DIR = "/etc/stalwart";
export const CONFIG_FILE = `${CONFIG_DIR}/config.json`;

export interface RocksDbDataStore {
  readonly "@type": "RocksDb";
  /** Directory of the database, with a trailing slash as upstream documents it. */
  readonly path: string;
}

export type DataStore = RocksDbDataStore;

/** RocksDB on the data volume: single writer, hence exactly one replica per server. */
export const ROCKSDB_ON_DATA_VOLUME: DataStore = { "@type": "RocksDb", path: `${DATA_DIR}/` };

/** Renders config.json deterministically (fixed key order, trailing newline). */
export function renderConfigJson(store: DataStore = ROCKSDB_ON_DATA_VOLUME): string {
  return `${JSON.stringify({ "@type": store["@type"], path: store.path }, null, 2)}\n`;
}
