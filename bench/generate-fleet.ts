import { stringify } from "yaml";

/**
 * The benchmark fleets: `sovereigns` Sovereigns (`bench`, then `bench2`, …) of `tenants` tenants each, alternating
 * published (free-subdomain) and BYO domains. `plain`: nothing published (every tenant stack of the BYO kind).
 * `realistic`: each Sovereign publishes its mail DNS by RFC 2136, sets PTRs through Terraform (Hetzner rDNS) and
 * rotates DKIM keys, with the example fleet's kit (docs/BENCHMARKS.md counts the resources per stack).
 */
export type FleetKind = "plain" | "realistic";

export function generateFleetYaml(tenants: number, kind: FleetKind = "plain", sovereigns = 1): string {
  return stringify({
    version: 1,
    sovereigns: Array.from({ length: sovereigns }, (_, s) => {
      const name = s === 0 ? "bench" : `bench${s + 1}`;
      const published =
        kind === "realistic"
          ? {
              dns: { rfc2136: { server: `ns1.${name}.example.org`, zone: `${name}.example.org`, keyName: "sovereign-mail." } },
              ptr: { mode: "terraform", location: "fsn1" },
              // The example fleet's kit: the PTR mode needs bp-hcloud-ccm, the mail stacks what it depends on.
              kit: {
                include: ["bp-cilium", "bp-cert-manager", "bp-cert-manager-issuers", "bp-external-secrets-stores", "bp-keycloak", "bp-powerdns", "bp-hcloud-ccm", "bp-catalyst-platform"],
              },
              credentials: { classes: { dkim: { rotationDays: 90 } } },
            }
          : {};
      return {
        name,
        fqdn: `${name}.example.org`,
        cluster: { context: name },
        openbao: { address: `https://bao.${name}.example.org` },
        ...published,
        tenants: Array.from({ length: tenants }, (_, i) => ({
          id: `${s === 0 ? "" : `s${s + 1}-`}t${String(i).padStart(4, "0")}`,
          domain: i % 2 === 0 ? { mode: "free-subdomain" } : { mode: "byo", name: s === 0 ? `customer${i}.example.com` : `customer${i}.${name}.example.com` },
        })),
      };
    }),
  });
}
