import { join, resolve } from "node:path";
import { projectRoot } from "../project/root";
import type { SynthCacheOptions } from "./synth-cache";

/** Where the synthesis cache is when nothing says otherwise: in the project, shared by every output and revision. */
export const defaultCacheDir = (): string => join(projectRoot(), ".cache", "sovereign-mail");
export const CACHE_DIR_ENV = "SOVEREIGN_MAIL_CACHE_DIR";
/** Set (to anything but "" or "0"), synthesis neither reads nor writes the cache. */
export const NO_CACHE_ENV = "SOVEREIGN_MAIL_NO_CACHE";
export const CACHE_MAX_MB_ENV = "SOVEREIGN_MAIL_CACHE_MAX_MB";
/** About a dozen builds' worth of a 1,000-tenant fleet (130 MB each). */
export const DEFAULT_CACHE_MAX_MB = 2048;

/**
 * The cache a synthesis uses: `--no-cache` or $SOVEREIGN_MAIL_NO_CACHE turn it off; `--cache-dir`, else
 * $SOVEREIGN_MAIL_CACHE_DIR, else `<project>/.cache/sovereign-mail`; at most $SOVEREIGN_MAIL_CACHE_MAX_MB.
 */
export function cacheSettingsOf(
  flags: { readonly "cache-dir"?: string; readonly "no-cache"?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): SynthCacheOptions | { readonly problem: string } | undefined {
  const off = env[NO_CACHE_ENV];
  if (flags["no-cache"] || (off !== undefined && off !== "" && off !== "0")) return undefined;
  const maxText = env[CACHE_MAX_MB_ENV];
  const maxMb = maxText === undefined || maxText === "" ? DEFAULT_CACHE_MAX_MB : Number(maxText);
  if (!Number.isFinite(maxMb) || maxMb < 0) return { problem: `$${CACHE_MAX_MB_ENV} must be a number of megabytes (got "${maxText}")` };
  return { dir: resolve(flags["cache-dir"] ?? (env[CACHE_DIR_ENV] || defaultCacheDir())), maxBytes: maxMb * 2 ** 20 };
}
