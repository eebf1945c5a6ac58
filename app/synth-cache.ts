import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { canonicalJson } from "./canonical-json";
import { FileStamps, sha256Hex as sha256 } from "./file-stamps";

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

/**
 * A file of a hit and its SHA-256: an existing file found to hold exactly its bytes (the earlier output's copy), or
 * the entry's own copy, to be copied (a copy-on-write clone where the filesystem has them).
 */
export type CachedFile = ({ readonly sameAs: string } | { readonly copyFrom: string }) & { readonly sha256: string };

/** A cache hit: the stack as {@link CachedStack}, each file as the entry's copy or an identical existing file. */
export interface CacheHit extends Omit<CachedStack, "files"> {
  readonly files: ReadonlyMap<string, CachedFile>;
}

/** Where the cache is and how large it may grow. */
export interface SynthCacheOptions {
  readonly dir: string;
  /** Entries beyond this many bytes are evicted, least recently used first (never one this run used). */
  readonly maxBytes: number;
}

const MAGIC = "sovereign-mail synth cache entry 2\n";
/** Temporary files younger than this may belong to a run still writing them. */
const STALE_TMP_MS = 60 * 60 * 1000;
/** An entry directory: its header, and the stack's files below `files/`. */
const HEADER_FILE = "entry.json";
const FILES_DIR = "files";

/**
 * A directory of synthesized stacks, one directory per key. An entry is written into a temporary directory and
 * renamed into place, so a crashed run leaves no partial entry. Its header carries its key and the length and
 * SHA-256 of every file; a file whose digest does not match (a hand edit, a torn copy) makes the entry a miss, and
 * it is removed. The digests of the entry's files are known by their stat (see {@link FileStamps}), so a hit reads
 * no stack file: its files are copied (or the earlier output's identical ones kept) without passing through here.
 */
export class SynthCache {
  private readonly used = new Set<string>();
  private wrote = false;
  /**
   * Digests known by their stat: the entries' files, the earlier outputs' files (a run records what it wrote, so
   * the next need not read it) and the code, for the fingerprint.
   */
  readonly stamps: FileStamps;

  constructor(readonly options: SynthCacheOptions) {
    this.stamps = SynthCache.stampsOf(options.dir);
  }

  /** The stamps of the cache in `dir` (see {@link FileStamps}), kept beside its entries. */
  static stampsOf(dir: string): FileStamps {
    return new FileStamps(join(dir, "stamps.json"));
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
      rmSync(path, { recursive: true, force: true });
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
    const tmpRoot = join(this.options.dir, "tmp");
    mkdirSync(tmpRoot, { recursive: true });
    const tmp = join(tmpRoot, `${process.pid}-${randomBytes(6).toString("hex")}`);
    const path = this.pathOf(key);
    const files = [...stack.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const header: Header = {
      key,
      manifestEntry: stack.manifestEntry,
      version: stack.version,
      requiredSlots: stack.requiredSlots,
      files: files.map(([file, bytes]) => [file, bytes.length, sha256(bytes)]),
    };
    try {
      for (const [file, bytes] of files) {
        const target = join(tmp, FILES_DIR, file);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, bytes);
      }
      const line: HeaderLine = { header, sha256: sha256(JSON.stringify(header)) };
      writeFileSync(join(tmp, HEADER_FILE), `${MAGIC}${JSON.stringify(line)}\n`);
      mkdirSync(dirname(path), { recursive: true });
      // A damaged entry left under this key (or one a concurrent run just wrote, with the same bytes) gives way.
      rmSync(path, { recursive: true, force: true });
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    // Stamped now, so the next run knows these files' digests without reading them.
    for (const [file, , digest] of header.files) this.stamps.record(join(path, FILES_DIR, file), digest);
    this.used.add(key);
    this.wrote = true;
    return new Map(header.files.map(([file, , digest]) => [file, digest]));
  }

  /** Ends a run with the cache: keeps the stamps of what it wrote and read, then evicts. */
  finish(): void {
    this.stamps.save();
    this.evict();
  }

  /**
   * Keeps the cache within its size: after a run that wrote entries, the least recently used entries go until the
   * rest fit (those this run used stay), and temporary files of crashed runs go.
   */
  evict(): void {
    if (!this.wrote) return;
    const entries: { path: string; key: string; size: number; mtime: number }[] = [];
    const root = join(this.options.dir, "entries");
    for (const shard of safeReaddir(root)) {
      for (const key of safeReaddir(join(root, shard))) {
        const path = join(root, shard, key);
        try {
          // An entry's access time is its directory's modification time (set on every hit).
          entries.push({ path, key, size: sizeOf(path), mtime: statSync(path).mtimeMs });
        } catch {
          // Removed meanwhile.
        }
      }
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const e of entries.sort((a, b) => a.mtime - b.mtime)) {
      if (total <= this.options.maxBytes) break;
      if (this.used.has(e.key)) continue;
      rmSync(e.path, { recursive: true, force: true });
      total -= e.size;
    }
    const tmpDir = join(this.options.dir, "tmp");
    for (const name of safeReaddir(tmpDir)) {
      try {
        if (Date.now() - statSync(join(tmpDir, name)).mtimeMs > STALE_TMP_MS) rmSync(join(tmpDir, name), { recursive: true, force: true });
      } catch {
        // Renamed into place or removed meanwhile.
      }
    }
  }
}

/** Bytes of the files below `path`. */
function sizeOf(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0) : s.size;
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
  /** [path, length, SHA-256] of each file (below the entry's `files/`), sorted by path. */
  readonly files: readonly (readonly [string, number, string])[];
}

/** The header line: the header and the SHA-256 of its text, so a damaged header is never believed. */
interface HeaderLine {
  readonly header: Header;
  readonly sha256: string;
}

/** A file path below a stack directory, as cdktf writes them (never absolute, never leaving it). */
const isStackFilePath = (path: unknown): path is string =>
  typeof path === "string" && path !== "" && !path.startsWith("/") && path.split("/").every((part) => part !== "" && part !== "." && part !== "..");

/**
 * Reads and checks an entry: its header, then each file's digest (from its stamp while its stat is unchanged, else
 * read). A file `existingDir` (an earlier output's copy of the stack) holds with the same digest is kept instead.
 */
function readEntry(path: string, key: string, existingDir: string | undefined, stamps: FileStamps): CacheHit | undefined {
  const text = readFileSync(join(path, HEADER_FILE), "utf8");
  if (!text.startsWith(MAGIC) || !text.endsWith("\n")) return undefined;
  const line = JSON.parse(text.slice(MAGIC.length, -1)) as HeaderLine;
  const { header } = line;
  if (typeof header !== "object" || header === null || sha256(JSON.stringify(header)) !== line.sha256) return undefined;
  if (header.key !== key || typeof header.version !== "string" || !Array.isArray(header.requiredSlots) || !Array.isArray(header.files)) return undefined;
  if (!header.files.every(([p, length, digest]) => isStackFilePath(p) && Number.isSafeInteger(length) && length >= 0 && typeof digest === "string")) return undefined;
  const files = new Map<string, CachedFile>();
  for (const [file, , digest] of header.files) {
    const existing = existingDir && join(existingDir, file);
    // The earlier output's copy is read only when its stamp no longer matches its stat; likewise the entry's.
    if (existing && stamps.digestOf(existing) === digest) files.set(file, { sameAs: existing, sha256: digest });
    else if (stamps.digestOf(join(path, FILES_DIR, file)) === digest) files.set(file, { copyFrom: join(path, FILES_DIR, file), sha256: digest });
    else return undefined;
  }
  return { manifestEntry: header.manifestEntry, version: header.version, requiredSlots: header.requiredSlots, files };
}
