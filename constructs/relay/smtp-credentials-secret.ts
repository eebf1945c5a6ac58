import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, type ITerraformDependable } from "cdktf";
import type { ExternalSecret, ExternalSecretData } from "../external-secrets/external-secret";
import type { Labels } from "../k8s/labels";
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
  /** Login: a literal, an ESO template or a Terraform expression. */
  readonly user: string;
  /** Password: an ESO template (`{{ .password }}`) or a Terraform expression, never a literal. */
  readonly password: string;
  /** Classified from the resolved host. */
  readonly scope: RelayScope;
}

/** The contract's keys for an endpoint: both shapes, the same bytes. */
export function contractData(endpoint: SmtpEndpoint): Record<string, string> {
  return {
    "smtp-host": endpoint.host,
    "smtp-port": String(endpoint.port),
    "smtp-from": endpoint.from,
    "smtp-user": endpoint.user,
    "smtp-pass": endpoint.password,
    user: endpoint.user,
    password: endpoint.password,
  };
}

/** A Secret an ExternalSecret renders from the contract's source: its keys are ESO templates. */
export interface ProjectedSecret {
  readonly name: string;
  readonly namespace: string;
  readonly template: Record<string, string>;
  readonly labels: Labels;
  readonly annotations: Record<string, string>;
  /** Further values the template reads (another store's). @default none */
  readonly extraData?: readonly ExternalSecretData[];
}

/** Writes the contract Secret (and Secrets derived from it) with the given keys: an ExternalSecret or a Terraform Secret. */
export type ContractWriter =
  | {
      readonly kind: "external-secret";
      /** Materializes a Secret from OpenBao; values are ESO templates such as `{{ .password }}`. */
      readonly project: (id: string, secret: ProjectedSecret) => ExternalSecret;
      /** Changes whenever the password does (its generation time): part of the checksum consumers roll on. */
      readonly version: string;
    }
  /** A Secret written by Terraform from values it read (a central relay's credentials in a cluster Secret). */
  | { readonly kind: "terraform" };

export interface SmtpCredentialsProps extends SmtpEndpoint {
  /** The stack that writes the Secret, recorded for operators. */
  readonly writer: string;
  readonly via: ContractWriter;
}

/**
 * `catalyst-system/sovereign-smtp-credentials` with both key shapes consumers read: `smtp-host`, `smtp-port`,
 * `smtp-from`, `smtp-user`, `smtp-pass` and the legacy `user`/`password` with the same bytes, as raw bytes
 * without trailing newlines. Normally an ExternalSecret renders it from OpenBao, so a rotation reaches it within
 * the refresh interval; values are never read back from the cluster (lookups raced and lost credentials
 * upstream). Labels and annotations record the writer and the relay scope.
 */
export class SmtpCredentialsSecret extends Construct {
  /** What materializes the Secret: an ExternalSecret's manifest or a Terraform Secret. */
  readonly resource: ITerraformDependable;
  /** sha256 of `host|port|from|user|` and the password's version (or the password): consumers roll when it changes. */
  readonly checksum: string;
  /** The keys as written: literals, ESO templates or Terraform expressions. */
  readonly data: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SmtpCredentialsProps) {
    super(scope, id);
    const port = String(props.port);
    this.data = contractData(props);
    const via = props.via;
    // With an ExternalSecret the version stands for the password; a checksum of a 32-character random password reveals nothing either.
    this.checksum = Fn.nonsensitive(Fn.sha256(Fn.join("|", [props.host, port, props.from, props.user, via.kind === "external-secret" ? via.version : props.password])));
    const labels = {
      "app.kubernetes.io/managed-by": "terraform",
      "app.kubernetes.io/part-of": "sovereign-bootstrap",
      "catalyst.openova.io/seed": "smtp-credentials",
      "catalyst.openova.io/relay-scope": props.scope,
    };
    const annotations = {
      "catalyst.openova.io/seeded-by": `sovereign-mail/${props.writer}`,
      "catalyst.openova.io/seed-phase": SEED_PHASE[props.scope],
      "catalyst.openova.io/relay-scope": props.scope,
      [SMTP_CHECKSUM_ANNOTATION]: this.checksum,
    };
    if (via.kind === "external-secret") {
      this.resource = via.project("smtp-credentials", { ...SMTP_CREDENTIALS_SECRET, template: { ...this.data }, labels, annotations }).manifest;
    } else {
      this.resource = new SecretV1(this, "secret", { metadata: { ...SMTP_CREDENTIALS_SECRET, labels, annotations }, type: "Opaque", data: { ...this.data } });
    }
  }
}
