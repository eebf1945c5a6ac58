import type { Construct } from "constructs";
import type { Sovereign } from "../fleet/model";
import { MailStack, type MailServer } from "./mail-stack";

/** `<sovereign>-mail`: the Sovereign's own system-mail relay (noreply@<fqdn>) in namespace `stalwart-sovereign`. */
export class SovereignMailStack extends MailStack {
  readonly mail: MailServer;

  constructor(scope: Construct, sovereign: Sovereign) {
    super(scope, sovereign.relay.stackName, sovereign.platform);
    this.mail = this.addServer({
      domain: sovereign.relay.domain,
      namespace: sovereign.relay.namespace,
      createNamespace: true,
      capacity: sovereign.relay.capacity,
      mailHost: sovereign.relay.mailHost,
      // It only sends system mail.
      spamFilter: false,
    });
  }

  get server() {
    return this.mail.server;
  }
}
