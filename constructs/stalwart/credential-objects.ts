import type { DkimKeys, DkimStage } from "../credentials/dkim-keys";
import { EXPIRED, type RotatingPassword } from "../credentials/rotating-password";
import { orderedList, secretFromFile, type OrderedList } from "../../stalwart/encoding";
import type { ObjectBodies, PasswordCredential } from "../../stalwart/objects";
import type { ConfigPlan } from "../../stalwart/plan";

/** Where the server mounts the DKIM Secret; each key is a file named by its Secret key. */
export const DKIM_DIR = "/etc/stalwart/dkim";

/**
 * The password credential of the Stalwart account that logs in with slot `slot` of a rotating password. A Stalwart
 * account holds exactly one password and logs in with that one only (stalwart v0.16.18 crates/jmap/src/registry/
 * mapping/principal.rs, crates/common/src/auth/authentication.rs), so an overlap takes two accounts. The bcrypt
 * hash reaches the plan as a Terraform value, never as text; an expired password may still authenticate but not
 * send, even before the next apply.
 */
export function slotPasswordCredential(plan: ConfigPlan, password: RotatingPassword, slot: 0 | 1): OrderedList<PasswordCredential> {
  const login = password.slotLogin(slot);
  return orderedList([{ "@type": "Password", secret: plan.terraformValue(login.bcryptHash), expiresAt: plan.terraformJsonChoice<string | undefined>(login.expiresAt, [null as unknown as string, EXPIRED]) }]);
}

/**
 * The plan's DkimSignature objects: one per key, signing the domain, the private key read from its mounted file,
 * each with its stage (with a rotation, chosen by Terraform at plan time).
 */
export function addDkimSignatures(plan: ConfigPlan, dkim: DkimKeys, domainId: string): void {
  // Exactly these signatures for the domain: keys of another layout (a domain that started or stopped rotating,
  // an upgrade) would sign from files no longer mounted. A reconcile scoped to the domain removes them; a
  // destroy could not, as the server filters DkimSignature only on domainId and memberTenantId (stalwart
  // v0.16.18 crates/jmap/src/registry/query.rs).
  const entries: Record<string, ObjectBodies["DkimSignature"]> = {};
  for (const key of dkim.signingKeys) {
    entries[key.slot ? `dkim-${key.algorithm}-${key.slot}` : `dkim-${key.algorithm}`] = {
      "@type": key.algorithm === "ed25519" ? "Dkim1Ed25519Sha256" : "Dkim1RsaSha256",
      domainId,
      selector: key.selector,
      privateKey: secretFromFile(`${DKIM_DIR}/${key.secretKey}`),
      stage: key.stageExpression ? plan.terraformChoice<DkimStage>(key.stageExpression, ["pending", "active", "retiring"]) : "active",
    };
  }
  plan.reconcile("DkimSignature", ["domainId", "selector"], { domainId }, entries);
}
