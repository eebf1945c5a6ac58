import { DataKubernetesSecretV1 } from "@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { PASSWORD_PROPERTY, type RotatingPassword } from "../constructs/credentials/rotating-password";
import { ExternalSecret } from "../constructs/external-secrets/external-secret";
import { Peer } from "../constructs/network/peer";
import { Port } from "../constructs/network/port";
import { KeycloakCredentialsProjection } from "../constructs/smtp/keycloak-credentials-projection";
import { contractData, SmtpCredentialsSecret, type ContractWriter, type SmtpEndpoint } from "../constructs/smtp/smtp-credentials-secret";
import { orderedList, ref } from "../constructs/stalwart/config/encoding";
import { Fn } from "cdktf";
import { PLAN_IDS } from "../constructs/stalwart/config/server-plan";
import { LISTENERS } from "../constructs/stalwart/listeners";
import { addDependsOn } from "../constructs/terraform/depends-on";
import type { Mothership, Relay, Sovereign } from "../fleet/model";
import { classifyRelayHost } from "../relay/relay-scope";
import { inPublishedZone, MailStack, type MailServer } from "./mail-stack";

export const SUBMISSION_ACCOUNT_ID = "noreply";

/**
 * `<sovereign>-mail`: the Sovereign's own system-mail relay in namespace `stalwart-sovereign`. It sends console
 * PIN and magic-link mail as `noreply@<fqdn>` (plus the fleet's aliases) and publishes the consumer contract
 * `catalyst-system/sovereign-smtp-credentials`. It is bootstrap-kit slot 95 as a stack of its own: it depends on
 * the kit (deploy order), and nothing depends on it, so a failing relay apply never blocks another stack.
 */
export class SovereignMailStack extends MailStack {
  readonly mail: MailServer;
  readonly submissionCredential: RotatingPassword;
  readonly endpoint: SmtpEndpoint;
  readonly contract: SmtpCredentialsSecret;
  readonly projection?: KeycloakCredentialsProjection;

  constructor(scope: Construct, sovereign: Sovereign) {
    const relay = sovereign.relay;
    super(scope, relay.stackName, sovereign.platform);
    this.requireSlots(...relay.requiredSlots);

    // Two passwords alternate, so the previous one stays valid while consumers switch to the new one.
    this.submissionCredential = this.rotatingPassword("submission-credential", "submission", {
      basePath: relay.credentialsPath,
      secretName: "stalwart-submission",
      namespace: relay.namespace,
      template: { username: relay.senderAddress, password: `{{ .${PASSWORD_PROPERTY} }}` },
      overlap: true,
    });
    this.mail = this.addServer({
      domain: relay.domain,
      namespace: relay.namespace,
      createNamespace: true,
      credentialsPath: relay.credentialsPath,
      capacity: relay.capacity,
      mailHost: relay.mailHost,
      // It only sends: inbound SMTP for bounces and reports, and the one submission listener the fleet chose.
      listeners: ["smtp", relay.submissionListener],
      spamFilter: false,
      // No HTTPS egress (only SMTP out): nothing is fetched from the internet.
      internet: false,
      dns: {
        spfAll: sovereign.platform.dns.relaySpfAll,
        dmarcPolicy: sovereign.platform.dns.relayDmarcPolicy,
        publish: inPublishedZone(relay.domain, sovereign),
        dkimOpenBaoPath: relay.dkimPath,
      },
      configure: (plan) =>
        plan.upsert("Account", SUBMISSION_ACCOUNT_ID, ["name", "domainId"], {
          "@type": "User",
          name: relay.senderAddress.split("@")[0],
          domainId: ref(PLAN_IDS.domain),
          description: "System mail (console PIN and magic-link logins)",
          // Stalwart stores the bcrypt hash as given; the password itself never leaves Terraform state and the Secret.
          credentials: this.submissionCredential.passwordCredentials(plan),
          aliases: orderedList(relay.aliases.map((name) => ({ name, domainId: ref(PLAN_IDS.domain), enabled: true }))),
          roles: { "@type": "User" },
        }),
    });
    const submissionPort = LISTENERS[relay.submissionListener].port;
    for (const client of relay.clients) {
      // Pods reach the LoadBalancer address in-cluster, where ipBlock rules do not match pod addresses.
      this.mail.server.connections.allowFrom(Peer.pods(client.podLabels, client.namespace), [Port.tcp(submissionPort)], `submission-${client.namespace}`);
    }

    const contract = this.contractWriter(relay);
    // Credentials as the writer sees them: ESO templates, or (a central relay's cluster Secret) Terraform values.
    this.endpoint = { ...(relay.mode === "mothership" ? this.mothershipAddress(relay) : this.localAddress(relay)), ...contract.credentials };
    if (relay.mode === "sovereign-local" && !this.mail.server.listeners.some((l) => l.port === this.endpoint.port)) {
      throw new Error(`relay ${relay.stackName}: contract port ${this.endpoint.port} is not a listener of the server`);
    }
    this.contract = new SmtpCredentialsSecret(this, "smtp-credentials", { ...this.endpoint, writer: relay.stackName, via: contract.via });

    if (relay.keycloakProjection) {
      this.projection = new KeycloakCredentialsProjection(this, "keycloak-projection", { source: contractData(this.endpoint), keycloak: relay.keycloakProjection, via: contract.via });
    }

    new TerraformOutput(this, "smtp_host", { value: this.endpoint.host, description: "SMTP host in the consumer contract" });
    new TerraformOutput(this, "smtp_port", { value: this.endpoint.port, description: "SMTP port in the consumer contract" });
    new TerraformOutput(this, "smtp_from", { value: this.endpoint.from, description: "Envelope sender in the consumer contract" });
    new TerraformOutput(this, "relay_scope", { value: this.endpoint.scope, description: "sovereign-local or mothership, classified from the host" });
    new TerraformOutput(this, "smtp_credentials_checksum", {
      value: this.contract.checksum,
      description: "sha256 of host|port|from|user|pass: put it on consumer pod templates so they roll when credentials change",
    });
  }

  get server() {
    return this.mail.server;
  }

  /**
   * How the contract Secret is written: from OpenBao by an ExternalSecret (the local relay's submission password,
   * or a central relay's OpenBao path), or by Terraform when a central relay's credentials sit in a cluster Secret.
   */
  private contractWriter(relay: Relay): { via: ContractWriter; credentials: Pick<SmtpEndpoint, "user" | "password"> } {
    if (relay.mode === "sovereign-local") {
      const credential = this.submissionCredential;
      // A new password reaches OpenBao, and so every projection, only once the server accepts it: a failed apply
      // leaves consumers on the password they have, and the previous one stays valid through the overlap window.
      addDependsOn(credential.seed, [this.mail.applyJob.job]);
      return {
        via: { kind: "external-secret", project: (id, secret) => credential.project(id, secret), version: Fn.tostring(credential.version) },
        credentials: { user: relay.senderAddress, password: `{{ .${PASSWORD_PROPERTY} }}` },
      };
    }
    const c = (relay.mothership as Mothership).credentials;
    if (c.kind === "secret") {
      // Another system's Secret, read by Terraform: the one contract Terraform writes itself (see the README).
      const data = new DataKubernetesSecretV1(this, "mothership-credentials", { metadata: { namespace: c.namespace, name: c.name } }).data;
      return { via: { kind: "terraform" }, credentials: { user: data.lookup(c.userKey), password: data.lookup(c.passwordKey) } };
    }
    return {
      via: {
        kind: "external-secret",
        project: (id, secret) =>
          new ExternalSecret(this, `mothership-${id}`, {
            ...secret,
            ...this.platform.externalSecrets,
            data: [{ secretKey: "user", key: c.path, property: c.userKey }, { secretKey: "pass", key: c.path, property: c.passwordKey }, ...(secret.extraData ?? [])],
            targetMetadata: { labels: secret.labels, annotations: secret.annotations },
          }),
        // The central relay's owner rotates it; consumers pick it up at the next refresh.
        version: c.path,
      },
      credentials: { user: "{{ .user }}", password: "{{ .pass }}" },
    };
  }

  private localAddress(relay: Relay): Omit<SmtpEndpoint, "user" | "password"> {
    return { host: relay.mailHost, port: LISTENERS[relay.submissionListener].port, from: relay.senderAddress, scope: classifyRelayHost(relay.mailHost, relay.domain) };
  }

  /** The central relay's address, from the fleet. */
  private mothershipAddress(relay: Relay): Omit<SmtpEndpoint, "user" | "password"> {
    const m = relay.mothership as Mothership;
    return { host: m.host, port: m.port, from: m.from, scope: classifyRelayHost(m.host, relay.domain) };
  }
}
