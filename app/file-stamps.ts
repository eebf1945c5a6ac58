import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type BigIntStats } from "node:fs";
import { dirname, resolve } from "node:path";

/** What a file's stat says about its content: size, modification and change times (ns), inode and device. */
type Stat = readonly [size: string, mtimeNs: string, ctimeNs: string, ino: string, dev: string];
type Stamp = readonly [...Stat, sha256: string];

/** The SHA-256 of some bytes, in hex: how every file digest of the cache is written. */
export const sha256Hex = (bytes: string | Buffer): string => createHash("sha256").update(bytes).digest("hex");

const statOf = (s: BigIntStats): Stat => [String(s.size), String(s.mtimeNs), String(s.ctimeNs), String(s.ino), String(s.dev)];
const sameStat = (a: readonly string[], b: Stat) => b.every((v, i) => a[i] === v);

/** Stamps kept of files not looked at in a run (another output directory's, say); beyond it only the run's stay. */
const MAX_STAMPS = 50_000;

/**
 * SHA-256 digests of files, remembered with their stat (as git's index does), so a file unchanged since it was
 * stamped is not read again: the earlier output's stack files a warm run reuses, and the code files of the build
 * fingerprint. A write changes a file's ctime, which nothing can set back, so a file changed in place (even to
 * the same size and modification time) is read again. The stamps are only a hint: unreadable or damaged, they are
 * ignored.
 */
export class FileStamps {
  private readonly stamps = new Map<string, Stamp>();
  private readonly touched = new Set<string>();

  /** @param read how a file's bytes are read (tests count the reads). @default readFileSync */
  constructor(
    private readonly file: string,
    private readonly read: (path: string) => Buffer = readFileSync,
  ) {
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as unknown;
      if (saved && typeof saved === "object" && !Array.isArray(saved)) {
        for (const [path, stamp] of Object.entries(saved)) {
          if (Array.isArray(stamp) && stamp.length === 6 && stamp.every((v) => typeof v === "string")) this.stamps.set(path, stamp as unknown as Stamp);
        }
      }
    } catch {
      // No stamps yet, or unreadable: every file is read.
    }
  }

  /** The SHA-256 (hex) of `path`, from its stamp while the file's stat still matches, else read; undefined if absent. */
  digestOf(path: string): string | undefined {
    const absolute = resolve(path);
    let stat: Stat;
    try {
      stat = statOf(statSync(absolute, { bigint: true }));
    } catch {
      return undefined;
    }
    const stamp = this.stamps.get(absolute);
    if (stamp && sameStat(stamp, stat)) {
      this.touched.add(absolute);
      return stamp[5];
    }
    let digest: string;
    try {
      // Stamped with the stat taken before reading: a change while reading shows as a changed stat next time.
      digest = sha256Hex(this.read(absolute));
    } catch {
      return undefined;
    }
    this.set(absolute, stat, digest);
    return digest;
  }

  /** The SHA-256 of `path` when its stamp still matches its stat, else undefined: never reads the file. */
  knownDigestOf(path: string): string | undefined {
    const absolute = resolve(path);
    const stamp = this.stamps.get(absolute);
    if (!stamp) return undefined;
    try {
      return sameStat(stamp, statOf(statSync(absolute, { bigint: true }))) ? stamp[5] : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records that `path` holds bytes of this digest now (the caller wrote or checked them). */
  record(path: string, digest: string): void {
    const absolute = resolve(path);
    try {
      this.set(absolute, statOf(statSync(absolute, { bigint: true })), digest);
    } catch {
      this.stamps.delete(absolute);
    }
  }

  /** Writes the stamps (atomically; a concurrent run's stamps may win, which only costs reading again). */
  save(): void {
    const kept = [...this.stamps].filter(([path]) => this.stamps.size <= MAX_STAMPS || this.touched.has(path));
    const tmp = `${this.file}.${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept)));
      renameSync(tmp, this.file);
    } catch {
      rmSync(tmp, { force: true });
    }
  }

  private set(absolute: string, stat: Stat, digest: string): void {
    this.stamps.set(absolute, [...stat, digest]);
    this.touched.add(absolute);
  }
}
