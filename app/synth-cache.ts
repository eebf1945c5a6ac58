import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "./canonical-json";
import { FileStamps } from "./file-stamps";

/** What the cache keeps of one synthesized stack: everything the output holds of it. */
export interface CachedStack {
  /** The stack's entry in `manifest.json`. */
  readonly manifestEntry: unknown;
  /** The manifest's `version` (cdktf's), the same for every stack of one build. */
  readonly version: string;
  /** Kit slots the stack's constructs declared (checked against its kit on every run, hit or miss). */
  readonly requiredSlots: readonly string[];
  /** The files of `stacks/<name>/`, by path below it. */
  readonly files: ReadonlyMap<string, Buffer>;
}

/** A file of a hit: its bytes, or an existing file found to hold exactly them (the earlier output's copy); its SHA-256. */
export type CachedFile = ({ readonly bytes: Buffer } | { readonly sameAs: string }) & { readonly sha256: string };

/** A cache hit: the stack as {@link CachedStack}, each file as bytes or as an identical existing file. */
export interface CacheHit extends Omit<CachedStack, "files"> {
  readonly files: ReadonlyMap<string, CachedFile>;
}

/** Where the cache is and how large it may grow. */
export interface SynthCacheOptions {
  readonly dir: string;
  /** Entries beyond this many bytes are evicted, least recently used first (never one this run used). */
  readonly maxBytes: number;
}

const MAGIC = "sovereign-mail synth cache entry 1\n";
/** Temporary files younger than this may belong to a run still writing them. */
const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * A directory of synthesized stacks, one file per key. An entry is written to a temporary file and renamed into
 * place, so a crashed run leaves no partial entry; each entry also carries its key and the length and SHA-256 of
 * every part, and one that does not match (a torn write, a disk error, a hand edit) is a miss and is removed.
 */
export class SynthCache {
  private readonly used = new Set<string>();
  private wrote = false;
  /** Digests of the earlier outputs' files (and of the code, for the fingerprint), known by their stat. */
  readonly stamps: FileStamps;

  constructor(readonly options: SynthCacheOptions) {
    this.stamps = new FileStamps(join(options.dir, "stamps.json"));
  }

  /** The key of a stack: the build fingerprint and the stack's whole input. */
  static keyOf(fingerprint: string, input: unknown, memo?: WeakMap<object, string>): string {
    return createHash("sha256").update(fingerprint).update("\0").update(canonicalJson(input, memo)).digest("hex");
  }

  private pathOf(key: string): string {
    return join(this.options.dir, "entries", key.slice(0, 2), key);
  }

  /**
   * The entry of `key`, or undefined (absent, unreadable or damaged). A file of the stack that `existingDir` (an
   * earlier output's copy of the stack) holds with the same SHA-256 is named rather than read from the entry.
   */
  get(key: string, existingDir?: string): CacheHit | undefined {
    const path = this.pathOf(key);
    let hit: CacheHit | undefined;
    try {
      hit = readEntry(path, key, existingDir, this.stamps);
    } catch {
      hit = undefined;
    }
    if (!hit) {
      rmSync(path, { force: true });
      return undefined;
    }
    this.used.add(key);
    // The access time of an entry is its modification time: eviction keeps the recently used.
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // Evicted by a concurrent run meanwhile: what was read is still whole.
    }
    return hit;
  }

  /** Stores an entry atomically (a concurrent writer of the same key writes the same bytes); the files' SHA-256 by path. */
  put(key: string, stack: CachedStack): ReadonlyMap<string, string> {
    const tmpDir = join(this.options.dir, "tmp");
    mkdirSync(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString("hex")}`);
    const path = this.pathOf(key);
    const { bytes, digests } = encode(key, stack);
    try {
      writeFileSync(tmp, bytes);
      mkdirSync(join(path, ".."), { recursive: true });
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    this.used.add(key);
    this.wrote = true;
    return digests;
  }

  /** Remembers that the output file `path` holds bytes of this SHA-256, so the next run need not read it. */
  recordOutput(path: string, sha256: string): void {
    this.stamps.record(path, sha256);
  }

  /**
   * Keeps the cache within its size: after a run that wrote entries, the least recently used entries go until the
   * rest fit (those this run used stay), and temporary files of crashed runs go.
   */
  evict(): void {
    this.stamps.save();
    if (!this.wrote) return;
    const entries: { path: string; key: string; size: number; mtime: number }[] = [];
    const root = join(this.options.dir, "entries");
    for (const shard of safeReaddir(root)) {
      for (const key of safeReaddir(join(root, shard))) {
        const path = join(root, shard, key);
        try {
          const s = statSync(path);
          entries.push({ path, key, size: s.size, mtime: s.mtimeMs });
        } catch {
          // Removed meanwhile.
        }
      }
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const e of entries.sort((a, b) => a.mtime - b.mtime)) {
      if (total <= this.options.maxBytes) break;
      if (this.used.has(e.key)) continue;
      rmSync(e.path, { force: true });
      total -= e.size;
    }
    const tmpDir = join(this.options.dir, "tmp");
    for (const name of safeReaddir(tmpDir)) {
      try {
        if (Date.now() - statSync(join(tmpDir, name)).mtimeMs > STALE_TMP_MS) rmSync(join(tmpDir, name), { force: true });
      } catch {
        // Renamed into place or removed meanwhile.
      }
    }
  }
}

const safeReaddir = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

interface Header {
  readonly key: string;
  readonly manifestEntry: unknown;
  readonly version: string;
  readonly requiredSlots: readonly string[];
  /** [path, length, SHA-256] of each file, in payload order. */
  readonly files: readonly (readonly [string, number, string])[];
}

/** The header line: the header and the SHA-256 of its text, so a damaged header is never believed. */
interface HeaderLine {
  readonly header: Header;
  readonly sha256: string;
}

const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A file path below a stack directory, as cdktf writes them (never absolute, never leaving it). */
const isStackFilePath = (path: unknown): path is string =>
  typeof path === "string" && path !== "" && !path.startsWith("/") && path.split("/").every((part) => part !== "" && part !== "." && part !== "..");

/** An entry: the magic line, one line of JSON header, then the files' bytes back to back. */
function encode(key: string, stack: CachedStack): { bytes: Buffer; digests: ReadonlyMap<string, string> } {
  const files = [...stack.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Header = {
    key,
    manifestEntry: stack.manifestEntry,
    version: stack.version,
    requiredSlots: stack.requiredSlots,
    files: files.map(([path, bytes]) => [path, bytes.length, sha256(bytes)]),
  };
  const line: HeaderLine = { header, sha256: sha256(JSON.stringify(header)) };
  return {
    bytes: Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(line)}\n`), ...files.map(([, bytes]) => bytes)]),
    digests: new Map(header.files.map(([path, , digest]) => [path, digest])),
  };
}

/** Bytes read first: the header of any entry fits. */
const HEAD_BYTES = 16 * 1024;

/** Reads and checks an entry; the payload only when some file is not already in `existingDir`. */
function readEntry(path: string, key: string, existingDir: string | undefined, stamps: FileStamps): CacheHit | undefined {
  const fd = openSync(path, "r");
  let head: Buffer;
  try {
    const buffer = Buffer.allocUnsafe(HEAD_BYTES);
    head = buffer.subarray(0, readSync(fd, buffer, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
  if (!head.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) return undefined;
  let end = head.indexOf(0x0a, MAGIC.length);
  let whole: Buffer | undefined;
  if (end < 0) {
    whole = readFileSync(path);
    end = whole.indexOf(0x0a, MAGIC.length);
    if (end < 0) return undefined;
  }
  const line = JSON.parse((whole ?? head).subarray(MAGIC.length, end).toString("utf8")) as HeaderLine;
  const { header } = line;
  if (typeof header !== "object" || header === null || sha256(JSON.stringify(header)) !== line.sha256) return undefined;
  if (header.key !== key || typeof header.version !== "string" || !Array.isArray(header.requiredSlots) || !Array.isArray(header.files)) return undefined;
  if (!header.files.every(([p, length, digest]) => isStackFilePath(p) && Number.isSafeInteger(length) && length >= 0 && typeof digest === "string")) return undefined;
  const files = new Map<string, CachedFile>();
  let offset = end + 1;
  for (const [file, length, digest] of header.files) {
    const existing = existingDir && join(existingDir, file);
    // The earlier output's copy is read only when its stamp no longer matches its stat.
    if (existing && stamps.digestOf(existing) === digest) files.set(file, { sameAs: existing, sha256: digest });
    else {
      whole ??= readFileSync(path);
      const bytes = whole.subarray(offset, offset + length);
      if (bytes.length !== length || sha256(bytes) !== digest) return undefined;
      files.set(file, { bytes, sha256: digest });
    }
    offset += length;
  }
  if (whole && whole.length !== offset) return undefined;
  return { manifestEntry: header.manifestEntry, version: header.version, requiredSlots: header.requiredSlots, files };
}
