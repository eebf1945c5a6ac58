import type { Construct } from "constructs";
import type { Sovereign, Tenant } from "../fleet/model";
import { MailStack, type MailServer } from "./mail-stack";

/** `<sovereign>-tenant-<id>`: a dedicated Stalwart for one SME tenant (own domain, queue, IP) in its namespace. */
export class TenantMailStack extends MailStack {
  readonly mail: MailServer;

  constructor(scope: Construct, sovereign: Sovereign, readonly tenant: Tenant) {
    super(scope, tenant.stackName, sovereign.platform);
    this.mail = this.addServer({
      domain: tenant.domain,
      namespace: tenant.namespace,
      createNamespace: tenant.createNamespace,
      capacity: tenant.capacity,
      mailHost: tenant.mailHost,
    });
  }

  get server() {
    return this.mail.server;
  }
}
