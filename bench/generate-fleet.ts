import { stringify } from "yaml";

/**
 * A fleet with `tenants` tenants on each of `sovereigns` Sovereigns (`bench`, then `bench2`, …), alternating
 * free-subdomain and BYO domains.
 */
export function generateFleetYaml(tenants: number, sovereigns = 1): string {
  return stringify({
    version: 1,
    sovereigns: Array.from({ length: sovereigns }, (_, s) => {
      const name = s === 0 ? "bench" : `bench${s + 1}`;
      return {
        name,
        fqdn: `${name}.example.org`,
        cluster: { context: name },
        openbao: { address: `https://bao.${name}.example.org` },
        tenants: Array.from({ length: tenants }, (_, i) => ({
          id: `${s === 0 ? "" : `s${s + 1}-`}t${String(i).padStart(4, "0")}`,
          domain: i % 2 === 0 ? { mode: "free-subdomain" } : { mode: "byo", name: s === 0 ? `customer${i}.example.com` : `customer${i}.${name}.example.com` },
        })),
      };
    }),
  });
}
