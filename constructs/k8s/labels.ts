/** Kubernetes recommended labels. Selectors use only the stable ones; version labels never reach a selector or a volumeClaimTemplate. */
export type Labels = Readonly<Record<string, string>>;

export const PART_OF = "sovereign-mail";
/** Who owns an object: on every object this project creates outside a workload's own label set. */
export const OWNERSHIP_LABELS: Labels = { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "terraform" };

export interface WorkloadIdentity {
  /** `app.kubernetes.io/name`, e.g. `stalwart`. */
  readonly app: string;
  /** `app.kubernetes.io/instance`: unique per server across the fleet (the stack name). */
  readonly instance: string;
  /** `app.kubernetes.io/component`: keeps pods of one instance apart (mail server, webmail, apply Job). */
  readonly component: string;
}

/** The labels a selector may use: they never change for the life of the workload. */
export function selectorLabels(id: WorkloadIdentity): Labels {
  return {
    "app.kubernetes.io/name": id.app,
    "app.kubernetes.io/instance": id.instance,
    "app.kubernetes.io/component": id.component,
  };
}

/** Stable labels for every object of a workload (selector labels plus ownership). */
export function stableLabels(id: WorkloadIdentity): Labels {
  return { ...selectorLabels(id), "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "terraform" };
}

/** Stable labels plus the version: only for object and pod-template metadata, which may change on upgrade. */
export function versionedLabels(id: WorkloadIdentity, version: string | undefined): Labels {
  return version ? { ...stableLabels(id), "app.kubernetes.io/version": version } : stableLabels(id);
}

/** The tag of an image reference, usable as a label value, e.g. `v0.16.18`. */
export function imageVersion(image: string): string | undefined {
  const withoutDigest = image.split("@")[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
  return tag && /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}
