/** A Sovereign's kit as the fleet selects it: what `selectKit` and `kitProblems` read (the schema validates it). */
export interface KitSelection {
  /** Slots to install; their transitive dependencies are added. */
  readonly include: readonly string[];
  /** Exact chart version per slot, overriding `kit/chart-versions.yaml`. */
  readonly versions?: Readonly<Record<string, string>>;
  /** Helm values per slot. */
  readonly values?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Target namespace per slot. */
  readonly namespaces?: Readonly<Record<string, string>>;
  /** How long Terraform waits for each release to become ready. */
  readonly timeoutSeconds?: number;
}

/** One Helm release of the bootstrap kit, fully resolved. */
export interface KitRelease {
  /** Slot name, e.g. `bp-cert-manager` (also the chart name). */
  readonly name: string;
  /** Exact chart version (never a range: the helm provider fails the plan when the chart's version differs). */
  readonly version: string;
  /** Where the version comes from: the fleet's `kit.versions` pin or `kit/chart-versions.yaml`. */
  readonly versionSource: "fleet" | "lock";
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** Its DAG edges: slots of the same kit it waits for. */
  readonly dependsOn: readonly string[];
}

export interface Kit {
  /** `<sovereign>-kit` */
  readonly stackName: string;
  /** Chart repository of every release (from `kit/chart-versions.yaml`), e.g. `oci://ghcr.io/openova-io`. */
  readonly repository: string;
  /** Every selected slot (includes and their transitive dependencies), in install order. */
  readonly releases: readonly KitRelease[];
  readonly timeoutSeconds: number;
}
