import { stringify } from "yaml";

/**
 * The benchmark fleets, one Sovereign each with tenants alternating published (free-subdomain) and BYO domains.
 * `plain`: nothing published (every tenant stack of the BYO kind, 52 resources). `realistic`: the Sovereign
 * publishes its mail DNS by RFC 2136, sets PTRs through Terraform (Hetzner rDNS) and rotates DKIM keys, so a
 * published tenant's stack holds 74 resources.
 */
export type FleetKind = "plain" | "realistic";

export function generateFleetYaml(tenants: number, kind: FleetKind = "plain"): string {
  const published =
    kind === "realistic"
      ? {
          dns: { rfc2136: { server: "ns1.bench.example.org", zone: "bench.example.org", keyName: "sovereign-mail." } },
          ptr: { mode: "terraform", location: "fsn1" },
          // The example fleet's kit: the PTR mode needs bp-hcloud-ccm, the mail stacks what it depends on.
          kit: {
            include: ["bp-cilium", "bp-cert-manager", "bp-cert-manager-issuers", "bp-external-secrets-stores", "bp-keycloak", "bp-powerdns", "bp-hcloud-ccm", "bp-catalyst-platform"],
          },
          credentials: { classes: { dkim: { rotationDays: 90 } } },
        }
      : {};
  return stringify({
    version: 1,
    sovereigns: [
      {
        name: "bench",
        fqdn: "bench.example.org",
        cluster: { context: "bench" },
        openbao: { address: "https://bao.bench.example.org" },
        ...published,
        tenants: Array.from({ length: tenants }, (_, i) => ({
          id: `t${String(i).padStart(4, "0")}`,
          domain: i % 2 === 0 ? { mode: "free-subdomain" } : { mode: "byo", name: `customer${i}.example.com` },
        })),
      },
    ],
  });
}
