import type { Relay } from "../../fleet/model";
import { orderedList, ref, setOf } from "../../stalwart/encoding";
import type { ConfigPlan } from "../../stalwart/plan";
import { PLAN_IDS } from "../../stalwart/server-plan";
import type { RotatingPassword } from "../credentials/rotating-password";
import { slotPasswordCredential } from "../stalwart/credential-objects";

/** Client id of the sender group in the relay's plan; its login accounts are `<id>-a` and `<id>-b`. */
export const SENDER_GROUP_ID = "sender";
/** Client id of the role the relay's logins hold. */
export const SENDER_ROLE_ID = "sender-role";

/**
 * The relay's two submission logins (`noreply-a`, `noreply-b`): they take turns at each rotation, each with its own
 * password, so the previous one keeps working while consumers switch (a Stalwart account holds one password).
 */
export const submissionLoginNames = (relay: Relay): readonly [string, string] => {
  const local = relay.senderAddress.split("@")[0];
  return [`${local}-a`, `${local}-b`];
};

/**
 * The relay's accounts in its plan: the sender address belongs to a group whose members are the two logins, so
 * either may send as it (stalwart v0.16.18 crates/common/src/cache/principals.rs build_account_info: a member's
 * addresses include its groups'; MtaStageAuth.mustMatchSender checks those). The logins may authenticate and
 * send, nothing else (crates/smtp/src/inbound/auth.rs asks for Permission::Authenticate and EmailSend): no
 * mailbox, no JMAP or IMAP.
 */
export function addSubmissionLogins(plan: ConfigPlan, relay: Relay, credential: RotatingPassword): void {
  const local = relay.senderAddress.split("@")[0];
  // An earlier layout's user account of the sender's name gives way to the group.
  plan.destroy("Account", { name: local, "@type": "User" });
  plan.upsert("Role", SENDER_ROLE_ID, ["description"], { description: "System-mail submission", enabledPermissions: setOf(["authenticate", "emailSend"]) });
  plan.upsert("Account", SENDER_GROUP_ID, ["name", "domainId"], {
    "@type": "Group",
    name: local,
    domainId: ref(PLAN_IDS.domain),
    description: "System mail (console PIN and magic-link logins)",
    aliases: orderedList(relay.aliases.map((name) => ({ name, domainId: ref(PLAN_IDS.domain), enabled: true }))),
  });
  submissionLoginNames(relay).forEach((name, i) =>
    plan.upsert("Account", `${SENDER_GROUP_ID}-${"ab"[i]}`, ["name", "domainId"], {
      "@type": "User",
      name,
      domainId: ref(PLAN_IDS.domain),
      description: `Login ${"AB"[i]} of ${relay.senderAddress} (they take turns at each password rotation)`,
      // Stalwart stores the bcrypt hash as given; the password itself never leaves Terraform state and OpenBao.
      credentials: slotPasswordCredential(plan, credential, i as 0 | 1),
      memberGroupIds: setOf([ref(SENDER_GROUP_ID)]),
      roles: { "@type": "Custom", roleIds: setOf([ref(SENDER_ROLE_ID)]) },
    }),
  );
}
