import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { SEED_PHASE, type RelayScope } from "../../relay/relay-scope";

/** The consumer contract: where the platform's services read their SMTP settings. */
export const SMTP_CREDENTIALS_SECRET = { namespace: "catalyst-system", name: "sovereign-smtp-credentials" } as const;
export const SMTP_CHECKSUM_ANNOTATION = "checksum/smtp-config";

/** What consumers are told to use. */
export interface SmtpEndpoint {
  /** SMTP host consumers connect to. */
  readonly host: string;
  /** A port the relay really listens on. */
  readonly port: number;
  /** Envelope sender / From address. */
  readonly from: string;
  /** Login (a literal or a Terraform expression). */
  readonly user: string;
  /** Password: a Terraform expression, never a literal. */
  readonly password: string;
  /** Classified from the resolved host. */
  readonly scope: RelayScope;
}

export interface SmtpCredentialsProps extends SmtpEndpoint {
  /** The stack that writes the Secret, recorded for operators. */
  readonly writer: string;
}

/**
 * `catalyst-system/sovereign-smtp-credentials` with both key shapes consumers read: `smtp-host`, `smtp-port`,
 * `smtp-from`, `smtp-user`, `smtp-pass` and the legacy `user`/`password` with the same bytes. Every value is
 * derived in the same apply (never read back from the cluster: lookups raced and lost credentials upstream), as
 * raw bytes without trailing newlines. Labels and annotations record the writer and the relay scope.
 */
export class SmtpCredentialsSecret extends Construct {
  readonly secret: SecretV1;
  /** sha256 of `host|port|from|user|pass`: consumers put it on their pod template to roll when it changes. */
  readonly checksum: string;
  /** The values as written, by key (Terraform expressions for secret values). */
  readonly data: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SmtpCredentialsProps) {
    super(scope, id);
    const port = String(props.port);
    this.data = {
      "smtp-host": props.host,
      "smtp-port": port,
      "smtp-from": props.from,
      "smtp-user": props.user,
      "smtp-pass": props.password,
      user: props.user,
      password: props.password,
    };
    // The checksum of a 32-character random password reveals nothing; without nonsensitive() Terraform would hide it.
    this.checksum = Fn.nonsensitive(Fn.sha256(Fn.join("|", [props.host, port, props.from, props.user, props.password])));
    this.secret = new SecretV1(this, "secret", {
      metadata: {
        ...SMTP_CREDENTIALS_SECRET,
        labels: {
          "app.kubernetes.io/managed-by": "terraform",
          "app.kubernetes.io/part-of": "sovereign-bootstrap",
          "catalyst.openova.io/seed": "smtp-credentials",
          "catalyst.openova.io/relay-scope": props.scope,
        },
        annotations: {
          "catalyst.openova.io/seeded-by": `sovereign-mail/${props.writer}`,
          "catalyst.openova.io/seed-phase": SEED_PHASE[props.scope],
          "catalyst.openova.io/relay-scope": props.scope,
          [SMTP_CHECKSUM_ANNOTATION]: this.checksum,
        },
      },
      type: "Opaque",
      data: { ...this.data },
    });
  }
}
