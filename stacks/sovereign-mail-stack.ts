import { DataKubernetesSecretV1 } from "@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1";
import { DataVaultKvSecretV2 } from "@cdktf/provider-vault/lib/data-vault-kv-secret-v2";
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
import type { Mothership, OpenBao, Relay, Sovereign } from "../fleet/model";
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

    this.endpoint = relay.mode === "mothership" ? this.mothershipEndpoint(relay, sovereign) : this.localEndpoint(relay);
    if (relay.mode === "sovereign-local" && !this.mail.server.listeners.some((l) => l.port === this.endpoint.port)) {
      throw new Error(`relay ${relay.stackName}: contract port ${this.endpoint.port} is not a listener of the server`);
    }
    const contract = this.contractWriter(relay);
    this.contract = new SmtpCredentialsSecret(this, "smtp-credentials", { ...this.endpoint, ...contract.values, writer: relay.stackName, via: contract.via });
    if (relay.mode === "sovereign-local") {
      // A new password reaches OpenBao, and so consumers, only once the server accepts it: a failed apply leaves
      // consumers on the password they have, and the previous one stays valid through the overlap window.
      addDependsOn(this.submissionCredential.seed, [this.mail.applyJob.job]);
    }

    if (relay.keycloakProjection) {
      const kc = relay.keycloakProjection;
      const clientSecret = kc.clientSecret
        ? new DataKubernetesSecretV1(this, "keycloak-client-secret", { metadata: { namespace: kc.clientSecret.namespace, name: kc.clientSecret.name } }).data.lookup(kc.clientSecret.key)
        : undefined;
      this.projection = new KeycloakCredentialsProjection(this, "keycloak-projection", {
        // Terraform-side values (the contract itself may hold ESO templates): see the README on this exception.
        source: contractData(this.endpoint),
        defaults: {
          "kc-addr": kc.addr,
          "kc-realm": kc.realm,
          "kc-sa-client-id": kc.clientId,
          "kc-audience": kc.audience,
          "kc-sa-client-secret": clientSecret,
        },
      });
    }

    if (this.projection && relay.mode === "sovereign-local") addDependsOn(this.projection, [this.mail.applyJob.job]);

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
  private contractWriter(relay: Relay): { via: ContractWriter; values: Partial<SmtpEndpoint> } {
    if (relay.mode === "sovereign-local") {
      const credential = this.submissionCredential;
      return {
        via: { kind: "external-secret", project: (secret) => credential.project("smtp-credentials", secret), version: Fn.tostring(credential.version) },
        values: { password: `{{ .${PASSWORD_PROPERTY} }}` },
      };
    }
    const c = (relay.mothership as Mothership).credentials;
    if (c.kind === "secret") return { via: { kind: "terraform" }, values: {} };
    const template = { user: "{{ .user }}", password: "{{ .pass }}" };
    return {
      via: {
        kind: "external-secret",
        project: (secret) =>
          new ExternalSecret(this, "mothership-contract", {
            ...secret,
            ...this.platform.externalSecrets,
            data: [
              { secretKey: "user", key: c.path, property: c.userKey },
              { secretKey: "pass", key: c.path, property: c.passwordKey },
            ],
            targetMetadata: { labels: secret.labels, annotations: secret.annotations },
          }),
        // The central relay's owner rotates it; consumers pick it up at the next refresh.
        version: c.path,
      },
      values: template,
    };
  }

  private localEndpoint(relay: Relay): SmtpEndpoint {
    return {
      host: relay.mailHost,
      port: LISTENERS[relay.submissionListener].port,
      from: relay.senderAddress,
      user: relay.senderAddress,
      password: this.submissionCredential.current,
      scope: classifyRelayHost(relay.mailHost, relay.domain),
    };
  }

  /** The central relay: address from the fleet, credentials from a named Secret or an OpenBao KV path. */
  private mothershipEndpoint(relay: Relay, sovereign: Sovereign): SmtpEndpoint {
    const m = relay.mothership as Mothership;
    const c = m.credentials;
    const data =
      c.kind === "secret"
        ? new DataKubernetesSecretV1(this, "mothership-credentials", { metadata: { namespace: c.namespace, name: c.name } }).data
        : this.openbaoSecret(sovereign.platform.openbao as OpenBao, c.path).data;
    return { host: m.host, port: m.port, from: m.from, user: data.lookup(c.userKey), password: data.lookup(c.passwordKey), scope: classifyRelayHost(m.host, relay.domain) };
  }

  private openbaoSecret(openbao: OpenBao, path: string): DataVaultKvSecretV2 {
    this.useOpenBao(openbao);
    return new DataVaultKvSecretV2(this, "mothership-credentials", { mount: openbao.mount, name: path });
  }
}
