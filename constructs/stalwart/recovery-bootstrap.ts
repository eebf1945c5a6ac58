import { SecretV1Data } from "@cdktf/provider-kubernetes/lib/secret-v1-data";
import { conditional, Fn, TerraformLocal, Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ExternalSecret } from "../external-secrets/external-secret";
import type { Labels } from "../k8s/labels";
import type { SecretKeyRef } from "../k8s/secret-key-ref";
import type { StackMemory } from "../terraform/stack-memory";
import { RECOVERY_ADMIN_ENV } from "./stalwart-server";

/** The Secret that carries it, only while a server is bootstrapped. */
export const BOOTSTRAP_SECRET = "stalwart-bootstrap";

export interface RecoveryBootstrapProps {
  readonly namespace: string;
  /** The recovery administrator: login name and where its password is kept in OpenBao. */
  readonly admin: { readonly username: string; readonly path: string; readonly property: string };
  readonly clusterSecretStore: string;
  readonly memory: StackMemory;
  /** @default {} */
  readonly labels?: Labels;
}

/**
 * Stalwart's recovery administrator for the one apply that bootstraps a server, and never after. Stalwart honours
 * `STALWART_RECOVERY_ADMIN` whenever it is set, in normal mode too, with full rights, and upstream says it must not
 * be left set (stalwart v0.16.18 crates/common/src/auth/authentication.rs; website docs/configuration/recovery-mode.md).
 *
 * The server reads it from Secret `stalwart-bootstrap` (an optional key: no Secret, no recovery admin). Until the
 * stack remembers a bootstrap, that Secret is rendered once from OpenBao (no refresh), the apply Job logs in as
 * the recovery admin and creates the automation identity, then the key is blanked (an empty value turns recovery
 * off: crates/store/src/registry/local.rs needs a non-empty user and password) before the restart that follows the
 * Job. The next apply removes the Secret; every later Job logs in as the automation identity.
 */
export class RecoveryBootstrap extends Construct {
  /** True (a Terraform bool) once an earlier apply bootstrapped the server. */
  readonly done: string;
  /** What the server's environment reads (optional key). */
  readonly envRef: SecretKeyRef;
  readonly externalSecret: ExternalSecret;
  private readonly props: RecoveryBootstrapProps;
  private readonly count: number;

  constructor(scope: Construct, id: string, props: RecoveryBootstrapProps) {
    super(scope, id);
    this.props = props;
    const done = new TerraformLocal(this, "done", `\${${props.memory.recall("bootstrapped", "false")}}`);
    this.done = done.asString;
    this.count = Token.asNumber(conditional(done.asBoolean, 0, 1));
    this.externalSecret = new ExternalSecret(this, "secret", {
      name: BOOTSTRAP_SECRET,
      namespace: props.namespace,
      clusterSecretStore: props.clusterSecretStore,
      // Rendered once: a refresh would bring the recovery admin back after it was blanked.
      refreshInterval: "0s",
      data: [{ secretKey: "password", key: props.admin.path, property: props.admin.property }],
      template: { [RECOVERY_ADMIN_ENV]: `${props.admin.username}:{{ .password }}` },
      labels: props.labels,
    });
    this.externalSecret.manifest.count = this.count;
    this.envRef = { name: BOOTSTRAP_SECRET, key: RECOVERY_ADMIN_ENV, optional: true };
  }

  /** What must exist before the server starts (the Secret, while bootstrapping). */
  get ready(): ITerraformDependable {
    return this.externalSecret.manifest;
  }

  /**
   * Blanks the recovery admin once `jobs` succeeded, and remembers the bootstrap; returns the blanking, which the
   * restart after the Job must wait for.
   */
  finish(jobs: readonly ITerraformDependable[]): SecretV1Data {
    const off = new SecretV1Data(this, "off", {
      metadata: { name: BOOTSTRAP_SECRET, namespace: this.props.namespace },
      data: { [RECOVERY_ADMIN_ENV]: "" },
      force: true,
      fieldManager: "sovereign-mail-bootstrap",
      dependsOn: [...jobs, this.externalSecret.manifest],
    });
    off.count = this.count;
    this.props.memory.remember("bootstrapped", "true");
    this.props.memory.after(jobs);
    return off;
  }

  /** A Secret name chosen at plan time: `whileBootstrapping` until the bootstrap is remembered, `after` then. */
  choose(whileBootstrapping: string, after: string): string {
    return Token.asString(conditional(Fn.tobool(this.done), after, whileBootstrapping));
  }
}
