import { DataKubernetesSecretV1 } from "@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { generatedPassword } from "../constructs/credentials/credential-settings";
import { PASSWORD_PROPERTY, type RotatingPassword } from "../constructs/credentials/rotating-password";
import { MailServer } from "../constructs/mail-server";
import { slotPasswordCredential } from "../constructs/stalwart/credential-objects";
import { ExternalSecret } from "../constructs/external-secrets/external-secret";
import { Peer } from "../constructs/network/peer";
import { clientPurposes } from "../constructs/network/connections";
import { Port } from "../constructs/network/port";
import { KeycloakCredentialsProjection } from "../constructs/relay/keycloak-credentials-projection";
import { contractData, SmtpCredentialsSecret, type ContractWriter, type SmtpEndpoint } from "../constructs/relay/smtp-credentials-secret";
import { orderedList, ref, setOf } from "../stalwart/encoding";
import { Fn } from "cdktf";
import { PLAN_IDS } from "../stalwart/server-plan";
import { LISTENERS } from "../stalwart/listeners";
import { addDependsOn } from "../constructs/terraform/depends-on";
import { inPublishedZone } from "../dns/published-zone";
import type { Relay, Sovereign } from "../fleet/model";
import { classifyRelayHost } from "../relay/relay-scope";
import { MailStack } from "./mail-stack";

/** Client id of the sender group in the relay's plan; its login accounts are `<id>-a` and `<id>-b`. */
export const SENDER_GROUP_ID = "sender";
/** Client id of the role the relay's logins hold. */
export const SENDER_ROLE_ID = "sender-role";
/** OpenBao property (and template name) of the current login of the relay's submission credential. */
export const LOGIN_PROPERTY = "user";

/**
 * `<sovereign>-mail`: the Sovereign's own system-mail relay in namespace `stalwart-sovereign`. It sends console
 * PIN and magic-link mail as `noreply@<fqdn>` (plus the fleet's aliases) and publishes the consumer contract
 * `catalyst-system/sovereign-smtp-credentials`. It is bootstrap-kit slot 95 as a stack of its own: it depends on
 * the kit (deploy order), and nothing depends on it, so a failing relay apply never blocks another stack.
 */
export class RelayStack extends MailStack {
  readonly mail: MailServer;
  readonly submissionCredential: RotatingPassword;
  readonly endpoint: SmtpEndpoint;
  readonly contract: SmtpCredentialsSecret;
  readonly projection?: KeycloakCredentialsProjection;

  constructor(scope: Construct, sovereign: Sovereign) {
    const relay = sovereign.relay;
    super(scope, relay.stackName, sovereign.platform);
    this.requireSlots(...relay.requiredSlots);

    // Two accounts take turns, each with its own password, so the previous one keeps working while consumers
    // switch to the new one (a Stalwart account holds one password). Both are members of the sender group.
    const local = relay.senderAddress.split("@")[0];
    const senders = [0, 1].map((i) => `${local}-${"ab"[i]}`) as [string, string];
    this.submissionCredential = generatedPassword(this, "submission-credential", this.credentials, "submission", {
      basePath: relay.credentialsPath,
      secretName: "stalwart-submission",
      namespace: relay.namespace,
      template: { username: `{{ .${LOGIN_PROPERTY} }}`, password: `{{ .${PASSWORD_PROPERTY} }}` },
      overlap: true,
      slotAccounts: { property: LOGIN_PROPERTY, names: senders.map((name) => `${name}@${relay.domain}`) as [string, string] },
    });
    this.mail = new MailServer(this, "mail", {
      platform: sovereign.platform,
      openbao: this.openbao,
      instance: this.stackName,
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
      configure: (plan) => {
        // The address consumers send from belongs to a group; the two login accounts are its members, so either
        // may send as it (stalwart v0.16.18 crates/common/src/cache/principals.rs build_account_info: a member's
        // addresses include its groups'; MtaStageAuth.mustMatchSender checks those).
        plan.destroy("Account", { name: local, "@type": "User" });
        // The logins may authenticate and send, nothing else (stalwart v0.16.18 crates/smtp/src/inbound/auth.rs
        // asks for Permission::Authenticate and EmailSend); no mailbox, no JMAP or IMAP.
        plan.upsert("Role", SENDER_ROLE_ID, ["description"], { description: "System-mail submission", enabledPermissions: setOf(["authenticate", "emailSend"]) });
        plan.upsert("Account", SENDER_GROUP_ID, ["name", "domainId"], {
          "@type": "Group",
          name: local,
          domainId: ref(PLAN_IDS.domain),
          description: "System mail (console PIN and magic-link logins)",
          aliases: orderedList(relay.aliases.map((name) => ({ name, domainId: ref(PLAN_IDS.domain), enabled: true }))),
        });
        senders.forEach((name, i) =>
          plan.upsert("Account", `${SENDER_GROUP_ID}-${"ab"[i]}`, ["name", "domainId"], {
            "@type": "User",
            name,
            domainId: ref(PLAN_IDS.domain),
            description: `Login ${"AB"[i]} of ${relay.senderAddress} (they take turns at each password rotation)`,
            // Stalwart stores the bcrypt hash as given; the password itself never leaves Terraform state and OpenBao.
            credentials: slotPasswordCredential(plan, this.submissionCredential, i as 0 | 1),
            memberGroupIds: setOf([ref(SENDER_GROUP_ID)]),
            roles: { "@type": "Custom", roleIds: setOf([ref(SENDER_ROLE_ID)]) },
          }),
        );
      },
    });
    this.addServerOutputs(this.mail);
    const submissionPort = LISTENERS[relay.submissionListener].port;
    const purposes = clientPurposes("submission", relay.clients.map((c) => c.namespace));
    relay.clients.forEach((client, i) => {
      // Pods reach the LoadBalancer address in-cluster, where ipBlock rules do not match pod addresses.
      this.mail.server.connections.allowFrom(Peer.pods(client.podLabels, client.namespace), [Port.tcp(submissionPort)], purposes[i]);
    });

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
  private mothershipAddress(relay: Extract<Relay, { mode: "mothership" }>): Omit<SmtpEndpoint, "user" | "password"> {
    const m = relay.mothership;
    return { host: m.host, port: m.port, from: m.from, scope: classifyRelayHost(m.host, relay.domain) };
  }
}
