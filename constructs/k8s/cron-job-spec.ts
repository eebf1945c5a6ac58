/**
 * The spec every CronJob here shares: never two runs at once, one successful and three failed Jobs kept, bounded
 * retries and a hard deadline per run.
 */
export function cronJobSpec(p: {
  readonly schedule: string;
  /** Hard deadline of one run. */
  readonly deadlineSeconds: number;
  /** Pod retries before a run fails. */
  readonly backoffLimit: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly podSpec: Record<string, unknown>;
}) {
  return {
    schedule: p.schedule,
    concurrencyPolicy: "Forbid",
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      metadata: { labels: { ...p.labels } },
      spec: { backoffLimit: p.backoffLimit, activeDeadlineSeconds: p.deadlineSeconds, template: { metadata: { labels: { ...p.labels } }, spec: p.podSpec } },
    },
  };
}
