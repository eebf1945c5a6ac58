/**
 * Security contexts of the Pod Security Standard "restricted" profile, written once for every workload: seccomp
 * RuntimeDefault, non-root, no privilege escalation, every capability dropped, a read-only root filesystem.
 * An image that cannot run so opts out field by field (`runAsNonRoot: false`, `add`), visibly at its call site;
 * `__tests__/workload.test.ts` names each such workload.
 */

/** Pod-level security context, in the provider's (camelCase) form. */
export interface PodSecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: string;
  readonly runAsGroup?: string;
  readonly fsGroup?: string;
  readonly seccompProfile: { readonly type: string };
}

/** Container-level security context, in the provider's (camelCase) form. */
export interface ContainerSecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly allowPrivilegeEscalation: false;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities: { readonly drop: string[]; readonly add?: string[] };
}

export interface PodSecurityProps {
  /** The uid and gid every container runs as (`runAsUser`, `runAsGroup`). @default unset (the image's own user) */
  readonly runAs?: number;
  /** Group that owns the pod's volumes (`fsGroup`). @default unset (volumes keep their ownership) */
  readonly fsGroup?: number;
  /**
   * The kubelet refuses to start a container as uid 0. `false` leaves the field unset (the Kubernetes default),
   * for an image whose entrypoint starts as root; such a pod is not "restricted". @default true
   */
  readonly runAsNonRoot?: boolean;
}

export interface ContainerSecurityProps {
  /** Capabilities added back after dropping ALL ("restricted" allows only NET_BIND_SERVICE). @default none */
  readonly add?: readonly string[];
  /** As in {@link PodSecurityProps.runAsNonRoot}: `false` leaves the field unset. @default true */
  readonly runAsNonRoot?: boolean;
  /** `false` leaves the field unset (the Kubernetes default), for an image that writes to its root filesystem. @default true */
  readonly readOnlyRootFilesystem?: boolean;
}

export const RUNTIME_DEFAULT_SECCOMP = { type: "RuntimeDefault" } as const;

/** The pod-level security context: seccomp RuntimeDefault, non-root unless opted out, the given uid/gid and fsGroup. */
export function podSecurityContext(props: PodSecurityProps = {}): PodSecurityContext {
  return {
    ...(props.runAsNonRoot === false ? {} : { runAsNonRoot: true }),
    ...(props.runAs === undefined ? {} : { runAsUser: String(props.runAs), runAsGroup: String(props.runAs) }),
    ...(props.fsGroup === undefined ? {} : { fsGroup: String(props.fsGroup) }),
    seccompProfile: { ...RUNTIME_DEFAULT_SECCOMP },
  };
}

/** A container's security context: never escalates, drops ALL capabilities; non-root and read-only unless opted out. */
export function containerSecurityContext(props: ContainerSecurityProps = {}): ContainerSecurityContext {
  const add = props.add ?? [];
  return {
    ...(props.runAsNonRoot === false ? {} : { runAsNonRoot: true }),
    allowPrivilegeEscalation: false,
    ...(props.readOnlyRootFilesystem === false ? {} : { readOnlyRootFilesystem: true }),
    capabilities: add.length > 0 ? { drop: ["ALL"], add: [...add] } : { drop: ["ALL"] },
  };
}
