import { eventLine } from "../../monitoring/labels";

/**
 * The shell the backup init container runs in the server's pod before Stalwart starts (so the RocksDB store is
 * closed and the copy consistent: stalwart v0.16.18 opens it as the one primary and has no checkpoint or
 * backup engine). In order: a pending restore request, else a backup when the last one is older than
 * `DUE_SECONDS`. A failed backup never keeps the server down; a restore replaces the data only once the snapshot is
 * fully restored beside it.
 * Each outcome is also printed as an event line (`monitoring/labels.ts`), which the backup alerts match.
 * Environment: REPOSITORY, HOST, DUE_SECONDS, TIMEOUT, and the repository's password and S3 keys.
 */
export const DATA = "/var/lib/stalwart";
/** Markers of the last backup and restore, inside the volume and outside every backup. */
export const STATE = `${DATA}/.sovereign-mail`;
/** Where the restore request ConfigMap is mounted (key `request`: `<snapshot> <requested-at>`). */
export const RESTORE_DIR = "/restore";

export const BACKUP_SCRIPT = `set -u
data=${DATA}; state=${STATE}; mkdir -p "$state"
export RESTIC_REPOSITORY="$REPOSITORY" RESTIC_CACHE_DIR=/tmp/restic-cache
log() { echo "sovereign-mail backup: $*"; }
others() { find "$data" -mindepth 1 -maxdepth 1 ! -name .sovereign-mail ! -name '.pre-restore-*' ! -name '.restore-*'; }
request=$(cat ${RESTORE_DIR}/request 2>/dev/null || true)
if [ -n "$request" ] && [ "$request" != "$(cat "$state/restore-handled" 2>/dev/null || true)" ]; then
  snapshot=\${request%% *}
  stamp=$(date -u +%Y%m%dT%H%M%SZ); staging="$data/.restore-$stamp"; aside="$data/.pre-restore-$stamp"
  # Restored beside the data first, wherever restic puts the paths: the store is the directory holding CURRENT.
  if restic restore "$snapshot" --target "$staging" && current=$(find "$staging" -name CURRENT -type f | head -n 1) && [ -n "$current" ]; then
    mkdir "$aside" && others | while read -r f; do mv "$f" "$aside/"; done
    find "$(dirname "$current")" -mindepth 1 -maxdepth 1 | while read -r f; do mv "$f" "$data/"; done
    rm -rf "$staging"
    log "restored snapshot $snapshot; the data it replaced is in $aside (delete it once the restore is verified)"; echo "${eventLine("restore", "ok")}"
  else
    rm -rf "$staging"
    log "restore of snapshot $snapshot FAILED: the data is unchanged"; echo "${eventLine("restore", "failed")}"
  fi
  echo "$request" > "$state/restore-handled"
  exit 0
fi
last=$(cat "$state/last-backup" 2>/dev/null || echo 0); now=$(date +%s)
if [ $((now - last)) -lt "$DUE_SECONDS" ]; then log "last backup $(((now - last) / 3600)) h ago: none due"; exit 0; fi
if ! restic cat config >/dev/null 2>&1 && ! restic init; then log "repository unreachable: no backup now, the server starts"; echo "${eventLine("backup", "failed")}"; date +%s > "$state/last-failure"; exit 0; fi
if timeout "$TIMEOUT" restic backup --host "$HOST" --tag "$HOST" --exclude "$state" --exclude "$data/.pre-restore-*" --exclude "$data/.restore-*" "$data"; then
  date +%s > "$state/last-backup"; log "backup done"; echo "${eventLine("backup", "ok")}"
else
  date +%s > "$state/last-failure"; log "backup FAILED: the server starts; the prune job reports the missing backup"; echo "${eventLine("backup", "failed")}"
fi
exit 0
`;

/** The prune job: applies the retention, then fails when the newest backup is older than `MAX_AGE_SECONDS`. */
export const PRUNE_SCRIPT = `set -eu
export RESTIC_REPOSITORY="$REPOSITORY" RESTIC_CACHE_DIR=/tmp/restic-cache
restic forget --host "$HOST" --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY" --prune
newest=$(restic snapshots --host "$HOST" --latest 1 --json | sed -n 's/.*"time":"\\([0-9T:-]*\\).*/\\1/p' | head -n 1)
[ -n "$newest" ] || { echo "no backup of $HOST in $RESTIC_REPOSITORY"; exit 1; }
age=$(( $(date +%s) - $(date -u -D %Y-%m-%dT%H:%M:%S +%s "$newest") ))
[ "$age" -le "$MAX_AGE_SECONDS" ] || { echo "the newest backup of $HOST is $((age / 3600)) h old"; exit 1; }
echo "newest backup of $HOST: $newest ($((age / 3600)) h old)"
`;
