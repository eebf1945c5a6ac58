import { DataKubernetesSecretV1 } from "@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { Relay } from "../../fleet/model";
import { classifyRelayHost } from "../../relay/relay-scope";
import { LISTENERS, type Listener } from "../../stalwart/listeners";
import { PASSWORD_PROPERTY, type RotatingPassword } from "../credentials/rotating-password";
import { ExternalSecret } from "../external-secrets/external-secret";
import { keepAddresses } from "../terraform/address-scope";
import { addDependsOn } from "../terraform/depends-on";
import { KeycloakCredentialsProjection } from "./keycloak-credentials-projection";
import { contractData, SmtpCredentialsSecret, type ContractWriter, type SmtpEndpoint } from "./smtp-credentials-secret";

/** OpenBao property (and template name) of the current login of the relay's submission credential. */
export const LOGIN_PROPERTY = "user";

export interface RelayContractProps {
  readonly relay: Relay;
  /** The local relay's submission password (two logins taking turns). Required for `sovereign-local`. */
  readonly submissionCredential: RotatingPassword;
  /** The listeners of the local relay: the contract's port must be one of them. */
  readonly listeners: readonly Listener[];
  /** The Job that gives the server a new password; a new one reaches OpenBao (and consumers) only after it. */
  readonly applyJob: ITerraformDependable;
  /** How ExternalSecrets read OpenBao. */
  readonly externalSecrets: { readonly clusterSecretStore: string; readonly refreshInterval: string };
}

/**
 * The consumer contract `catalyst-system/sovereign-smtp-credentials` (both key shapes) and, when the fleet asks,
 * its Keycloak projection: pointing at the Sovereign's own relay (credentials from OpenBao, written only once the
 * server accepts them) or at a central relay (its address from the fleet, its credentials from OpenBao or, the
 * one case Terraform writes the contract itself, from another system's cluster Secret). Keeps the addresses of
 * what it creates as stack children.
 */
export class RelayContract extends Construct {
  readonly endpoint: SmtpEndpoint;
  readonly secret: SmtpCredentialsSecret;
  readonly projection?: KeycloakCredentialsProjection;

  constructor(scope: Construct, id: string, props: RelayContractProps) {
    super(scope, id);
    keepAddresses(this);
    const { relay } = props;
    const contract = this.writer(props);
    // Credentials as the writer sees them: ESO templates, or (a central relay's cluster Secret) Terraform values.
    this.endpoint = { ...(relay.mode === "mothership" ? mothershipAddress(relay) : localAddress(relay)), ...contract.credentials };
    if (relay.mode === "sovereign-local" && !props.listeners.some((l) => l.port === this.endpoint.port)) {
      throw new Error(`relay ${relay.stackName}: contract port ${this.endpoint.port} is not a listener of the server`);
    }
    this.secret = new SmtpCredentialsSecret(this, "smtp-credentials", { ...this.endpoint, writer: relay.stackName, via: contract.via });
    if (relay.keycloakProjection) {
      this.projection = new KeycloakCredentialsProjection(this, "keycloak-projection", { source: contractData(this.endpoint), keycloak: relay.keycloakProjection, via: contract.via });
    }
  }

  /**
   * How the contract Secret is written: from OpenBao by an ExternalSecret (the local relay's submission password,
   * or a central relay's OpenBao path), or by Terraform when a central relay's credentials sit in a cluster Secret.
   */
  private writer(props: RelayContractProps): { via: ContractWriter; credentials: Pick<SmtpEndpoint, "user" | "password"> } {
    const { relay } = props;
    if (relay.mode === "sovereign-local") {
      const credential = props.submissionCredential;
      // A new password reaches OpenBao, and so every projection, only once the server accepts it: a failed apply
      // leaves consumers on the password they have, and the previous one stays valid through the overlap window.
      addDependsOn(credential.seed, [props.applyJob]);
      return {
        via: { kind: "external-secret", project: (id, secret) => credential.project(id, secret), version: Fn.tostring(credential.version) },
        credentials: { user: `{{ .${LOGIN_PROPERTY} }}`, password: `{{ .${PASSWORD_PROPERTY} }}` },
      };
    }
    const c = relay.mothership.credentials;
    if (c.kind === "secret") {
      // Another system's Secret, read by Terraform: the one contract Terraform writes itself (see docs/STACKS.md).
      const data = new DataKubernetesSecretV1(this, "mothership-credentials", { metadata: { namespace: c.namespace, name: c.name } }).data;
      return { via: { kind: "terraform" }, credentials: { user: data.lookup(c.userKey), password: data.lookup(c.passwordKey) } };
    }
    return {
      via: {
        kind: "external-secret",
        project: (id, secret) =>
          new ExternalSecret(this, `mothership-${id}`, {
            ...secret,
            ...props.externalSecrets,
            data: [{ secretKey: "user", key: c.path, property: c.userKey }, { secretKey: "pass", key: c.path, property: c.passwordKey }, ...(secret.extraData ?? [])],
            targetMetadata: { labels: secret.labels, annotations: secret.annotations },
          }),
        // The central relay's owner rotates it; consumers pick it up at the next refresh.
        version: c.path,
      },
      credentials: { user: "{{ .user }}", password: "{{ .pass }}" },
    };
  }
}

const localAddress = (relay: Relay): Omit<SmtpEndpoint, "user" | "password"> => ({
  host: relay.mailHost,
  port: LISTENERS[relay.submissionListener].port,
  from: relay.senderAddress,
  scope: classifyRelayHost(relay.mailHost, relay.domain),
});

/** The central relay's address, from the fleet. */
function mothershipAddress(relay: Extract<Relay, { mode: "mothership" }>): Omit<SmtpEndpoint, "user" | "password"> {
  const m = relay.mothership;
  return { host: m.host, port: m.port, from: m.from, scope: classifyRelayHost(m.host, relay.domain) };
}
