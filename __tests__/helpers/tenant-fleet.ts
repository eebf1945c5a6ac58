/** A one-Sovereign fleet (fsn1, OpenBao, webmail off) with the given tenant lines and extra Sovereign lines. */
export const tenantFleet = (tenants: string, sovereignExtra = "") => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    webmail: {enabled: false}
${sovereignExtra}    tenants:
${tenants}
`;
