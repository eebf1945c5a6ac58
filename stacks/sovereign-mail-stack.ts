import type { Construct } from "constructs";
import type { SecretKeyRef } from "../constructs/kubernetes/secret-key-ref";
import { RECOVERY_ADMIN_ENV, type StalwartServer } from "../constructs/stalwart/stalwart-server";
import type { Sovereign } from "../fleet/model";
import { MailStack } from "./mail-stack";

/** Created outside this stack until credentials are generated in-stack (see README, "What each stack contains"). */
export const RECOVERY_ADMIN_SECRET: SecretKeyRef = { name: "stalwart-recovery-admin", key: RECOVERY_ADMIN_ENV, external: true };

/** `<sovereign>-mail`: the Sovereign's own system-mail relay (noreply@<fqdn>) in namespace `stalwart-sovereign`. */
export class SovereignMailStack extends MailStack {
  readonly server: StalwartServer;

  constructor(scope: Construct, sovereign: Sovereign) {
    super(scope, sovereign.relay.stackName, sovereign.platform);
    this.server = this.addServer(
      { namespace: sovereign.relay.namespace, createNamespace: true, capacity: sovereign.relay.capacity, mailHost: sovereign.relay.mailHost },
      RECOVERY_ADMIN_SECRET,
    );
  }
}
