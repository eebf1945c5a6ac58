import type { ServerBackup } from "./server-backup";
import { RESTORE_CONFIGMAP } from "./server-backup";

/** The objects a restore touches, and the commands that run it; every name comes from the synthesized stack. */
export interface RestorePlan {
  readonly namespace: string;
  readonly configMap: string;
  readonly statefulSet: string;
  readonly pod: string;
  readonly repository: string;
  readonly host: string;
  /** The snapshot: an id from `restic snapshots`, or `latest`. */
  readonly snapshot: string;
}

export function restorePlan(backup: ServerBackup, namespace: string, statefulSet: string, host: string, snapshot: string): RestorePlan {
  return { namespace, configMap: RESTORE_CONFIGMAP, statefulSet, pod: `${statefulSet}-0`, repository: backup.repository, host, snapshot };
}

/**
 * The commands, in order: record the request (the snapshot and when it was asked for, so a later restart never
 * repeats it), restart the server so its backup init container restores before Stalwart starts, and wait for it.
 */
export function restoreCommands(plan: RestorePlan, context: string, requestedAt: string): string[][] {
  const kubectl = (...args: string[]) => ["kubectl", "--context", context, "--namespace", plan.namespace, ...args];
  const request = JSON.stringify({ data: { request: `${plan.snapshot} ${requestedAt}` } });
  return [
    kubectl("patch", "configmap", plan.configMap, "--type", "merge", "-p", request),
    kubectl("delete", "pod", plan.pod, "--wait=true"),
    kubectl("rollout", "status", `statefulset/${plan.statefulSet}`, "--timeout=60m"),
    kubectl("logs", plan.pod, "-c", "backup"),
  ];
}
