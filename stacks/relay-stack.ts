import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { generatedPassword } from "../constructs/credentials/credential-settings";
import { PASSWORD_PROPERTY, type RotatingPassword } from "../constructs/credentials/rotating-password";
import { MailServer } from "../constructs/mail-server";
import { MailGrafana } from "../constructs/monitoring/mail-grafana";
import { clientPurposes } from "../constructs/network/connections";
import { Peer } from "../constructs/network/peer";
import { Port } from "../constructs/network/port";
import type { KeycloakCredentialsProjection } from "../constructs/relay/keycloak-credentials-projection";
import { LOGIN_PROPERTY, RelayContract } from "../constructs/relay/relay-contract";
import type { SmtpCredentialsSecret, SmtpEndpoint } from "../constructs/relay/smtp-credentials-secret";
import { addSubmissionLogins, submissionLoginNames } from "../constructs/relay/submission-logins";
import { inPublishedZone } from "../dns/published-zone";
import type { Relay, SovereignPlatform } from "../fleet/model";
import { LISTENERS } from "../stalwart/listeners";
import { MailStack } from "./mail-stack";

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

  constructor(scope: Construct, platform: SovereignPlatform, relay: Relay) {
    super(scope, relay.stackName, platform);
    // Its place in the kit DAG: what slot 95 depends on.
    this.requireSlots(...relay.requiredSlots);

    this.submissionCredential = generatedPassword(this, "submission-credential", this.credentials, "submission", {
      basePath: relay.credentialsPath,
      secretName: "stalwart-submission",
      namespace: relay.namespace,
      template: { username: `{{ .${LOGIN_PROPERTY} }}`, password: `{{ .${PASSWORD_PROPERTY} }}` },
      overlap: true,
      slotAccounts: { property: LOGIN_PROPERTY, names: submissionLoginNames(relay).map((name) => `${name}@${relay.domain}`) as [string, string] },
    });
    this.mail = new MailServer(this, "mail", {
      platform,
      kind: "relay",
      credentials: this.credentials,
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
      // Stalwart fetches nothing from the internet (with backups the pod may reach HTTPS: the object storage).
      internet: false,
      dns: {
        spfAll: platform.dns.relaySpfAll,
        dmarcPolicy: platform.dns.relayDmarcPolicy,
        publish: inPublishedZone(relay.domain, platform.dns),
        dkimOpenBaoPath: relay.dkimPath,
      },
      configure: (plan) => addSubmissionLogins(plan, relay, this.submissionCredential),
    });
    this.addServerOutputs(this.mail, relay.offboarding);
    // Once per Sovereign: the datasources every mail server's rules and dashboards name.
    if (platform.monitoring) new MailGrafana(this, "grafana", { namespace: relay.namespace, policy: platform.monitoring });
    const submissionPort = LISTENERS[relay.submissionListener].port;
    const purposes = clientPurposes("submission", relay.clients.map((c) => c.namespace));
    relay.clients.forEach((client, i) => {
      // Pods reach the LoadBalancer address in-cluster, where ipBlock rules do not match pod addresses.
      this.mail.server.connections.allowFrom(Peer.pods(client.podLabels, client.namespace), [Port.tcp(submissionPort)], purposes[i]);
    });

    const contract = new RelayContract(this, "contract", {
      relay,
      submissionCredential: this.submissionCredential,
      listeners: this.mail.server.listeners,
      applyJob: this.mail.applyJob.job,
      externalSecrets: platform.externalSecrets,
    });
    this.endpoint = contract.endpoint;
    this.contract = contract.secret;
    this.projection = contract.projection;

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
}
