import type { Construct } from "constructs";
import type { StalwartServer } from "../constructs/stalwart/stalwart-server";
import type { Sovereign, Tenant } from "../fleet/model";
import { MailStack } from "./mail-stack";
import { RECOVERY_ADMIN_SECRET } from "./sovereign-mail-stack";

/** `<sovereign>-tenant-<id>`: a dedicated Stalwart for one SME tenant (own domain, queue, IP) in its namespace. */
export class TenantMailStack extends MailStack {
  readonly server: StalwartServer;

  constructor(scope: Construct, sovereign: Sovereign, readonly tenant: Tenant) {
    super(scope, tenant.stackName, sovereign.platform);
    this.server = this.addServer(
      { namespace: tenant.namespace, createNamespace: tenant.createNamespace, capacity: tenant.capacity, mailHost: tenant.mailHost },
      RECOVERY_ADMIN_SECRET,
    );
  }
}
