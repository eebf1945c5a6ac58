import { stringify } from "yaml";

/** A fleet with `tenants` tenants on one Sovereign, alternating free-subdomain and BYO domains. */
export function generateFleetYaml(tenants: number): string {
  return stringify({
    version: 1,
    sovereigns: [
      {
        name: "bench",
        fqdn: "bench.example.org",
        cluster: { context: "bench" },
        openbao: { address: "https://bao.bench.example.org" },
        tenants: Array.from({ length: tenants }, (_, i) => ({
          id: `t${String(i).padStart(4, "0")}`,
          domain: i % 2 === 0 ? { mode: "free-subdomain" } : { mode: "byo", name: `customer${i}.example.com` },
        })),
      },
    ],
  });
}
