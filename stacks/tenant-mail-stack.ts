import { escapeTemplate } from "../constructs/terraform/escape";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { existingCredential, generatedPassword } from "../constructs/credentials/credential-settings";
import type { OpenBaoCredential } from "../constructs/credentials/openbao-credential";
import type { RotatingPassword } from "../constructs/credentials/rotating-password";
import { MailServer, RECOVERY_ADMIN_SECRET, RECOVERY_ADMIN_USER } from "../constructs/mail-server";
import { Peer } from "../constructs/network/peer";
import { Port } from "../constructs/network/port";
import { addOidcDirectory } from "../stalwart/oidc-directory";
import { RECOVERY_ADMIN_ENV } from "../constructs/stalwart/stalwart-server";
import { OWNERSHIP_LABELS } from "../constructs/k8s/labels";
import { Certificate } from "../constructs/tls/certificate";
import { SnappyMail } from "../constructs/webmail/snappymail";
import { inPublishedZone } from "../dns/published-zone";
import type { SovereignPlatform } from "../fleet/model";
import type { StackTenant } from "../fleet/stack-inputs";
import { MailStack } from "./mail-stack";

export const TLS_SECRET = "stalwart-tls";
export const OIDC_CLIENT_SECRET = "stalwart-oidc-client-secret";

/**
 * `<sovereign>-tenant-<id>`: a dedicated Stalwart for one SME tenant (own domain, DKIM, queue, IP reputation) in
 * its namespace. Users log in through the tenant's Keycloak realm (an OIDC directory, the active one); the
 * recovery admin stays as a directory-independent break-glass login. Secrets come from OpenBao through
 * ExternalSecrets, TLS from cert-manager, webmail (SnappyMail) through the cluster gateway.
 */
export class TenantMailStack extends MailStack {
  readonly mail: MailServer;
  readonly adminCredential: RotatingPassword | OpenBaoCredential;
  readonly oidcClientSecret: RotatingPassword | OpenBaoCredential;
  readonly certificate: Certificate;
  readonly webmail?: SnappyMail;

  constructor(scope: Construct, platform: SovereignPlatform, readonly tenant: StackTenant) {
    super(scope, tenant.stackName, platform);
    const secrets = tenant.secrets;
    // The upstream chart's property names, so other readers of these paths keep working.
    const [adminProperty, oidcProperty] = ["ADMIN_PASSWORD", "OIDC_CLIENT_SECRET"];
    const adminKeys = { [RECOVERY_ADMIN_ENV]: `${RECOVERY_ADMIN_USER}:{{ .${adminProperty} }}`, username: RECOVERY_ADMIN_USER, password: `{{ .${adminProperty} }}` };
    const oidcKeys = { OIDC_CLIENT_SECRET: `{{ .${oidcProperty} }}`, "client-secret": `{{ .${oidcProperty} }}` };
    const admin = { secretName: RECOVERY_ADMIN_SECRET, property: adminProperty, template: adminKeys };
    const oidc = { secretName: OIDC_CLIENT_SECRET, property: oidcProperty, template: oidcKeys };
    if (secrets.seedFromTerraform) {
      const target = { basePath: secrets.basePath, namespace: tenant.namespace };
      this.adminCredential = generatedPassword(this, "admin-credential", this.credentials, "admin", { ...target, ...admin });
      // For the tenant's OIDC clients (webmail, apps) registered in the realm; Stalwart itself only validates tokens.
      this.oidcClientSecret = generatedPassword(this, "oidc-client-secret", this.credentials, "oidc", { ...target, ...oidc });
    } else {
      // Another system writes (and rotates) the paths.
      this.adminCredential = existingCredential(this, "admin-credential", this.credentials, { namespace: tenant.namespace, ...admin, path: secrets.adminPath });
      this.oidcClientSecret = existingCredential(this, "oidc-client-secret", this.credentials, { namespace: tenant.namespace, ...oidc, path: secrets.oidcPath });
    }

    const webmailHost = tenant.webmail?.host;
    this.certificate = new Certificate(this, "certificate", {
      name: "stalwart",
      namespace: tenant.namespace,
      secretName: TLS_SECRET,
      // The MTA-STS policy host is served by Stalwart too.
      dnsNames: [tenant.mailHost, `mta-sts.${tenant.domain}`, ...(webmailHost ? [webmailHost] : [])],
      clusterIssuer: tenant.clusterIssuer,
      labels: OWNERSHIP_LABELS,
    });

    this.mail = new MailServer(this, "mail", {
      platform,
      kind: "tenant",
      credentials: this.credentials,
      instance: this.stackName,
      domain: tenant.domain,
      namespace: tenant.namespace,
      createNamespace: tenant.createNamespace,
      credentialsPath: secrets.basePath,
      capacity: tenant.capacity,
      mailHost: tenant.mailHost,
      recoveryAdmin: this.adminCredential,
      tlsSecretName: TLS_SECRET,
      internalService: tenant.webmail !== undefined,
      dns: {
        spfAll: platform.dns.tenantSpfAll,
        dmarcPolicy: platform.dns.tenantDmarcPolicy,
        // Free-subdomain domains live in the Sovereign's zone; a BYO customer publishes the reported records.
        publish: tenant.domainMode === "free-subdomain" && inPublishedZone(tenant.domain, platform.dns),
        dkimOpenBaoPath: tenant.secrets.dkimPath,
      },
      configure: (plan) => addOidcDirectory(plan, { name: `Keycloak realm of tenant ${tenant.id}`, issuerUrl: tenant.oidc.issuerUrl, clientId: tenant.oidc.clientId, domain: tenant.domain }),
    });
    this.addServerOutputs(this.mail, tenant.offboarding);
    const server = this.mail.server;
    // Token validation fetches the realm's discovery document and JWKS over HTTPS.
    server.connections.allowTo(Peer.publicInternet(), [Port.tcp(443)], "keycloak-oidc");

    if (tenant.webmail) {
      this.webmail = new SnappyMail(this, "webmail", {
        server,
        domain: tenant.domain,
        host: tenant.webmail.host,
        image: tenant.webmail.image,
        gateway: tenant.webmail.gateway,
        clusterDns: Peer.pods(platform.clusterDns.podLabels, platform.clusterDns.namespace),
      });
      new TerraformOutput(this, "webmail_host", { value: tenant.webmail.host, description: "Webmail host (served by the cluster gateway)" });
    }
    new TerraformOutput(this, "oidc_issuer", { value: escapeTemplate(tenant.oidc.issuerUrl), description: "Keycloak realm that authenticates this tenant's users" });
    new TerraformOutput(this, "openbao_paths", { value: [secrets.adminPath, secrets.oidcPath], description: "OpenBao KV v2 paths of the tenant's secrets" });
  }

  get server() {
    return this.mail.server;
  }
}
