import { ref, setOf } from "./encoding";
import type { ConfigPlan } from "./plan";

/** Scopes a token must carry to log in. */
export const OIDC_SCOPES = ["openid", "email", "profile", "groups"];

export interface OidcDirectorySpec {
  /** Shown in the directory's description. */
  readonly name: string;
  /** The Keycloak realm's issuer URL. */
  readonly issuerUrl: string;
  /** The audience tokens must name: the realm's client for this server. */
  readonly clientId: string;
  /** The mail domain user names belong to. */
  readonly domain: string;
}

/**
 * A Keycloak realm as the server's active directory: one per server, which is what the community edition allows.
 * Users log in with `preferred_username@<domain>`; the realm's groups become Stalwart groups.
 */
export function addOidcDirectory(plan: ConfigPlan, spec: OidcDirectorySpec): void {
  plan.upsert("Directory", "keycloak", ["description"], {
    "@type": "Oidc",
    description: spec.name,
    issuerUrl: spec.issuerUrl,
    // Keycloak puts `aud: account` in access tokens unless an audience mapper adds the client id.
    requireAudience: spec.clientId,
    requireScopes: setOf(OIDC_SCOPES),
    claimUsername: "preferred_username",
    usernameDomain: spec.domain,
    claimName: "name",
    claimGroups: "groups",
  });
  plan.update("Authentication", { directoryId: ref("keycloak") });
}
