import { generateKeyPairSync } from "node:crypto";
import { runDnsRecords } from "../bin/dns-records";
import { dkimPublicValue, ED25519_SPKI_PREFIX } from "../constructs/credentials/dkim-keys";
import { DkimKeys } from "../constructs/credentials/dkim-keys";
import { Rdns } from "../constructs/hcloud/rdns";
import { mailDomainRecords, type MailDomainRecordsSpec } from "../dns/mail-records";
import { splitTxt, zoneTxt, type DnsRecord } from "../dns/records";
import { forwardConfirmationProblems, recordProblems } from "../dns/validate";
import { Testing } from "cdktf";
import { synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf, type TfJson } from "./helpers/terraform-json";

const example = synthExample();
const baseSpec: MailDomainRecordsSpec = {
  domain: "acme.example.org",
  mailHost: "mail.acme.example.org",
  ipv4: ["203.0.113.10"],
  ipv6: ["2001:db8::10"],
  spfAll: "-all",
  dkim: [
    { algorithm: "ed25519", selector: "sm-ed25519", publicKey: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" },
    { algorithm: "rsa", selector: "sm-rsa", publicKey: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "A".repeat(348) },
  ],
  dmarc: { policy: "reject", rua: ["mailto:postmaster@acme.example.org"] },
  tlsRptRua: "mailto:postmaster@acme.example.org",
  mtaStsId: "0123456789abcdef0123",
};

describe("mail DNS records", () => {
  it("renders exactly the records a mail domain needs", () => {
    expect(mailDomainRecords(baseSpec).map((r) => [r.type, r.name, r.values.join(" | ")])).toEqual([
      ["MX", "acme.example.org", "10 mail.acme.example.org"],
      ["A", "mail.acme.example.org", "203.0.113.10"],
      ["AAAA", "mail.acme.example.org", "2001:db8::10"],
      ["TXT", "acme.example.org", "v=spf1 mx -all"],
      ["TXT", "mail.acme.example.org", "v=spf1 a -all"],
      ["TXT", "sm-ed25519._domainkey.acme.example.org", "v=DKIM1; k=ed25519; h=sha256; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
      ["TXT", "sm-rsa._domainkey.acme.example.org", `v=DKIM1; k=rsa; h=sha256; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${"A".repeat(348)}`],
      ["TXT", "_dmarc.acme.example.org", "v=DMARC1; p=reject; rua=mailto:postmaster@acme.example.org"],
      ["TXT", "_smtp._tls.acme.example.org", "v=TLSRPTv1; rua=mailto:postmaster@acme.example.org"],
      ["TXT", "_mta-sts.acme.example.org", "v=STSv1; id=0123456789abcdef0123"],
      ["CNAME", "mta-sts.acme.example.org", "mail.acme.example.org"],
    ]);
    expect(recordProblems("acme.example.org", mailDomainRecords(baseSpec))).toEqual([]);
  });

  it("accepts punycode IDNs and '--' in every name, report URIs included", () => {
    const idn = "xn--mnchen-3ya.example.org";
    const spec = { ...baseSpec, domain: idn, mailHost: `mail.${idn}`, dmarc: { policy: "reject" as const, rua: [`mailto:postmaster@${idn}`, "mailto:dmarc@my--shop.example.com!10m"] }, tlsRptRua: `mailto:postmaster@${idn}` };
    expect(recordProblems(idn, mailDomainRecords(spec))).toEqual([]);
    const broken = { ...spec, dmarc: { policy: "reject" as const, rua: ["mailto:dmarc@-bad.example.com", "mailto:no-host", "https://example.com/"] } };
    expect(recordProblems(idn, mailDomainRecords(broken)).filter((p) => p.includes("rua"))).toEqual([
      `${idn}: TXT _dmarc.${idn} (dmarc): DMARC rua "mailto:dmarc@-bad.example.com" is not a mailto: URI`,
      `${idn}: TXT _dmarc.${idn} (dmarc): DMARC rua "mailto:no-host" is not a mailto: URI`,
      `${idn}: TXT _dmarc.${idn} (dmarc): DMARC rua "https://example.com/" is not a mailto: URI`,
    ]);
  });

  it("splits long TXT values into ≤ 255-octet strings", () => {
    const rsa = mailDomainRecords(baseSpec).find((r) => r.purpose === "dkim-rsa")!.values[0];
    const parts = splitTxt(rsa);
    expect(parts.map((p) => p.length)).toEqual([255, rsa.length - 255]);
    expect(parts.join("")).toBe(rsa);
    expect(zoneTxt(rsa)).toBe(`"${parts[0]}" "${parts[1]}"`);
    expect(zoneTxt('a "quoted" \\ value')).toBe('"a \\"quoted\\" \\\\ value"');
  });

  describe("validation names the domain and the record", () => {
    const withExtra = (extra: DnsRecord) => recordProblems("acme.example.org", [...mailDomainRecords(baseSpec), extra]);
    const txt = (name: string, value: string, purpose = "extra"): DnsRecord => ({ type: "TXT", name, values: [value], purpose });

    it("SPF with 11 DNS lookups", () => {
      const eleven = `v=spf1 ${Array.from({ length: 11 }, (_, i) => `include:s${i}.example.net`).join(" ")} -all`;
      expect(recordProblems("acme.example.org", [txt("acme.example.org", eleven, "spf")])).toEqual([
        "acme.example.org: TXT acme.example.org (spf): SPF needs 11 DNS lookups; at most 10 are allowed (include, a, mx, ptr, exists, redirect)",
      ]);
      const ten = eleven.replace(" include:s10.example.net", "");
      expect(recordProblems("acme.example.org", [txt("acme.example.org", ten, "spf")])).toEqual([]);
    });

    it("two SPF records at one name", () => {
      expect(withExtra(txt("acme.example.org", "v=spf1 a -all"))).toEqual(["acme.example.org: 2 SPF records at acme.example.org; exactly one is allowed (more is a permerror)"]);
    });

    it("a bad DKIM selector", () => {
      expect(withExtra(txt("Bad_Selector._domainkey.acme.example.org", "v=DKIM1; k=rsa; p=x", "dkim-rsa"))).toEqual([
        'acme.example.org: TXT Bad_Selector._domainkey.acme.example.org (dkim-rsa): selector "Bad_Selector" is not made of valid DNS labels',
      ]);
    });

    it("invalid DMARC", () => {
      const problems = recordProblems("acme.example.org", mailDomainRecords({ ...baseSpec, dmarc: { policy: "bogus" as never, rua: ["postmaster@acme.example.org"] } }));
      expect(problems).toEqual(
        expect.arrayContaining([
          'acme.example.org: TXT _dmarc.acme.example.org (dmarc): DMARC p must be none, quarantine or reject (got "bogus")',
          'acme.example.org: TXT _dmarc.acme.example.org (dmarc): DMARC rua "postmaster@acme.example.org" is not a mailto: URI',
        ]),
      );
    });

    it("round-trips SPF through the parser", () => {
      expect(recordProblems("x.example.org", [txt("x.example.org", "v=spf1 mx ~all", "spf"), txt("mail.x.example.org", "v=spf1 a -all", "spf-helo")])).toEqual([]);
    });
  });

  it("refuses RSA keys under 2048 bits", () => {
    expect(() => Testing.synthScope((scope) => new DkimKeys(scope, "dkim", { namespace: "n", selectors: { ed25519: "a", rsa: "b" }, rsaBits: 1024, openbao: { mount: "secret", path: "p" }, externalSecrets: { clusterSecretStore: "s", refreshInterval: "1h" }, stackName: "s" }))).toThrow(
      "DKIM RSA keys must have at least 2048 bits (got 1024)",
    );
  });

  it("computes the Ed25519 p= as the raw 32-byte key from the SPKI", () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const spki = publicKey.export({ type: "spki", format: "der" }).toString("base64");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url").toString("base64");
    expect(spki.startsWith(ED25519_SPKI_PREFIX)).toBe(true);
    expect(dkimPublicValue(spki, "ed25519")).toBe(raw);
    expect(Buffer.from(dkimPublicValue(spki, "ed25519"), "base64")).toHaveLength(32);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "der" }).toString("base64");
    expect(dkimPublicValue(rsa, "rsa")).toBe(rsa);
    expect(() => dkimPublicValue(rsa, "ed25519")).toThrow(/not an Ed25519/);
  });

  it("requires forward-confirmed rDNS: EHLO = PTR = MX target = A/AAAA name", () => {
    const ok = { ehlo: "mail.x.org", ptr: ["mail.x.org", "mail.x.org."], mxTarget: "mail.x.org", addressName: "mail.x.org" };
    expect(forwardConfirmationProblems("s", ok)).toEqual([]);
    expect(forwardConfirmationProblems("s", { ...ok, ptr: ["smtp.x.org"] })).toEqual([
      "s: forward-confirmed rDNS needs one name, got EHLO name mail.x.org, MX target mail.x.org, A/AAAA name mail.x.org, PTR 1 smtp.x.org",
    ]);
    expect(forwardConfirmationProblems("s", { ...ok, mxTarget: "mx.x.org" })).toHaveLength(1);
  });
});

describe("the example fleet's DNS", () => {
  const json = (name: string): TfJson => example.json[name];

  it("publishes the relay and the free-subdomain tenant to the Sovereign zone by RFC 2136, never the BYO tenant", () => {
    for (const name of ["fsn1-mail", "fsn1-tenant-acme"]) {
      const stack = json(name);
      // All three TSIG settings in configuration (the provider's AlsoRequires); the secret an ephemeral variable.
      expect(stack.provider.dns).toEqual([
        { update: [{ key_algorithm: "hmac-sha256", key_name: "sovereign-mail.", key_secret: "${var.dns_update_key_secret}", port: 53, server: "ns1.omantel.example.org" }] },
      ]);
      expect(stack.variable.dns_update_key_secret).toMatchObject({ ephemeral: true, sensitive: true, type: "string" });
      expect(stack.variable.dns_update_key_secret.default).toBeUndefined();
      expect(stack.terraform.required_providers.dns).toEqual({ source: "hashicorp/dns", version: "3.4.3" });
      for (const type of ["dns_mx_record_set", "dns_a_record_set", "dns_aaaa_record_set", "dns_txt_record_set"]) {
        for (const r of resourcesOf(stack, type)) expect(r.body.zone).toBe("omantel.example.org.");
      }
    }
    const acme = json("fsn1-tenant-acme");
    const mx = resourcesOf(acme, "dns_mx_record_set")[0].body;
    expect(mx).toMatchObject({ name: "acme", mx: [{ preference: 10, exchange: "mail.acme.omantel.example.org." }], ttl: 300 });
    const names = resourcesOf(acme, "dns_txt_record_set").map((r) => r.body.name).sort();
    // Published domains rotate their DKIM keys: three slots per algorithm, every one published.
    const dkim = ["a", "b", "c"].flatMap((slot) => [`sm-ed25519-${slot}._domainkey.acme`, `sm-rsa-${slot}._domainkey.acme`]);
    expect(names).toEqual(["_dmarc.acme", "_mta-sts.acme", "_smtp._tls.acme", "acme", "mail.acme", ...dkim].sort());
    // Each TXT value whole: hashicorp/dns 3.4.3 splits it into 255-octet strings itself and reads it back joined,
    // so a value we split (`…" "…`) would never match its state (terraform-apply.test.ts checks the applied text).
    const rsa = resourcesOf(acme, "dns_txt_record_set").find((r) => r.body.name === "sm-rsa-b._domainkey.acme")!.body.txt;
    expect(rsa).toEqual([expect.stringMatching(/^v=DKIM1; k=rsa; h=sha256; p=\$\{replace\(tls_private_key\.dkim_rsa-b_[^.]+\.public_key_pem, "\/-----\[A-Z \]\+-----\|\\n\/", ""\)\}$/)]);
    for (const r of resourcesOf(json("fsn1-mail"), "dns_txt_record_set")) for (const v of r.body.txt) expect(v).not.toContain('" "');
    const globex = json("fsn1-tenant-globex");
    expect(globex.provider.dns).toBeUndefined();
    expect(Object.keys(globex.resource).filter((t) => t.startsWith("dns_"))).toEqual([]);
  });

  it("reports every domain's records: output, ConfigMap and the dns:records CLI", () => {
    const globex = json("fsn1-tenant-globex");
    const localName = /^\$\{local\.([^}]+)\}$/.exec(globex.output.dns_zone_file.value)![1];
    const zone = globex.locals[localName] as string;
    expect(zone).toContain("globex.example.com.\t300\tIN\tMX\t10 mail.globex.example.com.\n");
    expect(zone).toContain('_dmarc.globex.example.com.\t300\tIN\tTXT\t"v=DMARC1; p=reject; rua=mailto:postmaster@globex.example.com"\n');
    const cm = resourcesOf(globex, "kubernetes_config_map_v1").find((r) => r.body.metadata.name === "stalwart-dns-records")!;
    expect(cm.body.data["zone.txt"]).toBe(`\${local.${localName}}`);
    let out = "";
    expect(runDnsRecords(["fsn1-tenant-globex"], (t) => (out += t), () => undefined)).toBe(0);
    // Pasteable: every line is a comment or a complete record; values known after apply are commented lines.
    const lines = out.trimEnd().split("\n");
    const records = lines.filter((l) => !l.startsWith(";"));
    for (const line of records) expect(line).toMatch(/^[a-z0-9._-]+\.\t300\tIN\t(MX|A|AAAA|TXT|CNAME)\t[^<>${}#]+$/);
    expect(records.map((l) => l.split("\t")[3]).sort()).toEqual(["CNAME", "MX", "TXT", "TXT", "TXT", "TXT", "TXT"]);
    expect(lines).toEqual(
      expect.arrayContaining([
        "; mail.globex.example.com.\t300\tIN\tA\t<IPv4 address of the mail load balancer>",
        "; mail.globex.example.com.\t300\tIN\tAAAA\t<IPv6 address of the mail load balancer>",
        '; sm-rsa._domainkey.globex.example.com.\t300\tIN\tTXT\t"v=DKIM1; k=rsa; h=sha256; p=<public key>"',
        '_dmarc.globex.example.com.\t300\tIN\tTXT\t"v=DMARC1; p=reject; rua=mailto:postmaster@globex.example.com"',
      ]),
    );
    expect(lines[2]).toMatch(/^;   terraform -chdir=\/\S+\/stacks\/fsn1-tenant-globex output -raw dns_zone_file$/);
  });

  it("generates DKIM keys with the tls provider and signs with both, from mounted files (BYO domain: one key each)", () => {
    const byo = json("fsn1-tenant-globex");
    expect(resourcesOf(byo, "tls_private_key").map((r) => [r.body.algorithm, r.body.rsa_bits])).toEqual([
      ["ED25519", undefined],
      ["RSA", 2048],
    ]);
    const stack = example.stacks.tenants.find((t) => t.stackName === "fsn1-tenant-globex")!;
    const dkimOps = stack.mail.plan.operations.filter((o) => o.object === "DkimSignature" && o["@type"] === "reconcile").flatMap((o) => Object.values(o.value));
    expect(dkimOps).toEqual([
      { "@type": "Dkim1Ed25519Sha256", domainId: "#domain", selector: "sm-ed25519", privateKey: { "@type": "File", filePath: "/etc/stalwart/dkim/ed25519.pem" }, stage: "active" },
      { "@type": "Dkim1RsaSha256", domainId: "#domain", selector: "sm-rsa", privateKey: { "@type": "File", filePath: "/etc/stalwart/dkim/rsa.pem" }, stage: "active" },
    ]);
    // OpenBao is the system of record (write-only), the mounted Secret is rendered from it by an ExternalSecret.
    const kv = resourcesOf(byo, "vault_kv_secret_v2").find((r) => r.body.name.endsWith("/dkim"))!.body;
    expect(kv.name).toBe("sovereign/omantel.example.org/stalwart/globex/dkim");
    expect(kv.data_json_wo).toMatch(/"rsa" = tls_private_key\.dkim_rsa_[^.]+\.private_key_pem/);
    expect(resourcesOf(byo, "kubernetes_secret_v1").find((r) => r.body.metadata.name === "stalwart-dkim")).toBeUndefined();
    const es = resourcesOf(byo, "kubernetes_manifest").find((r) => r.body.manifest.metadata.name === "stalwart-dkim")!.body.manifest;
    expect(es.spec.target.template.data).toMatchObject({ "rsa.pem": "{{ .rsa }}", "ed25519.pem": "{{ .ed25519 }}" });
    expect(es.spec.data.map((d: { remoteRef: { key: string } }) => d.remoteRef.key)).toEqual(Array(3).fill(kv.name));
  });

  it("sets the PTR of the mail load balancer to the mail host through the cloud controller, and EHLO = PTR = MX = A", () => {
    for (const s of [...example.stacks.relays, ...example.stacks.tenants]) {
      const lb = resourcesOf(json(s.stackName), "kubernetes_service_v1").find((r) => r.body.spec.type === "LoadBalancer")!.body;
      const mailHost = json(s.stackName).output.mail_host.value;
      expect(lb.metadata.annotations).toEqual({
        "load-balancer.hetzner.cloud/disable-private-ingress": "true",
        "load-balancer.hetzner.cloud/name": s.stackName,
        "load-balancer.hetzner.cloud/location": "fsn1",
        "load-balancer.hetzner.cloud/ipv4-rdns": mailHost,
        "load-balancer.hetzner.cloud/ipv6-rdns": mailHost,
      });
      const ehlo = (s.mail.plan.operations.find((o) => o.object === "SystemSettings")!.value as { defaultHostname: string }).defaultHostname;
      const mx = s.mail.dns.records.find((r) => r.type === "MX")!.values[0].split(" ")[1];
      const a = s.mail.dns.records.find((r) => r.type === "A")!.name;
      expect(new Set([ehlo, mx, a, mailHost])).toEqual(new Set([mailHost]));
    }
  });
});

describe("Hetzner PTR by Terraform", () => {
  const fleet = (ptr: string, annotations = "") => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    ptr: ${ptr}
${annotations}`;

  it("looks the CCM's load balancer up by name after the Service exists and sets hcloud_rdns for IPv4 and IPv6", () => {
    const { json } = synthFleetYaml(fleet("{mode: terraform, location: nbg1}"));
    const stack = json["fsn1-mail"];
    expect(stack.terraform.required_providers.hcloud).toEqual({ source: "hetznercloud/hcloud", version: "1.68.0" });
    expect(stack.provider.hcloud).toEqual([{}]);
    const [lb] = Object.values(stack.data.hcloud_load_balancer) as { name: string; depends_on: string[] }[];
    expect(lb.name).toBe("fsn1-mail");
    // Through a marker created after the Service that changes only with the name: a Service change does not
    // defer the read (which would replace both hcloud_rdns); terraform-day2.test.ts plans it on real Terraform.
    expect(lb.depends_on).toEqual([expect.stringMatching(/^terraform_data\.ptr_load-balancer-created_/)]);
    const marker = Object.values(stack.resource.terraform_data as Record<string, { input: unknown; depends_on: string[] }>)[0];
    expect(marker).toMatchObject({ input: { name: "fsn1-mail" }, depends_on: [expect.stringMatching(/^kubernetes_service_v1\.stalwart_mail_/)] });
    const rdns = resourcesOf(stack, "hcloud_rdns").map((r) => r.body);
    expect(rdns).toEqual([
      { dns_ptr: "mail.omantel.example.org", ip_address: expect.stringMatching(/\.ipv4\}$/), load_balancer_id: expect.stringMatching(/^\$\{data\.hcloud_load_balancer\.[^.]+\.id\}$/) },
      { dns_ptr: "mail.omantel.example.org", ip_address: expect.stringMatching(/\.ipv6\}$/), load_balancer_id: expect.stringMatching(/^\$\{data\.hcloud_load_balancer\.[^.]+\.id\}$/) },
    ]);
    // Only one owner per IP: the CCM gets no rdns annotations in this mode.
    const svc = resourcesOf(stack, "kubernetes_service_v1").find((r) => r.body.spec.type === "LoadBalancer")!.body;
    expect(Object.keys(svc.metadata.annotations).sort()).toEqual([
      "load-balancer.hetzner.cloud/disable-private-ingress",
      "load-balancer.hetzner.cloud/location",
      "load-balancer.hetzner.cloud/name",
    ]);
  });

  it("rejects a PTR set both by annotation and by the ptr setting", () => {
    expect(() => synthFleetYaml(fleet("{location: fsn1}", "    loadBalancer: {annotations: {load-balancer.hetzner.cloud/ipv4-rdns: mail.omantel.example.org}}\n"))).toThrow(
      /loadBalancer\.annotations\.load-balancer\.hetzner\.cloud\/ipv4-rdns: PTR is managed by sovereigns\[\]\.ptr/,
    );
  });

  it("hcloud_rdns needs exactly one owner id", () => {
    const make = (owners: Record<string, number>) => () =>
      Testing.synthScope((scope) => new Rdns(scope, "r", { dnsPtr: "mail.x.org", ipAddress: "203.0.113.1", ...owners }));
    expect(make({})).toThrow("hcloud_rdns r: exactly one of server_id, primary_ip_id, floating_ip_id, load_balancer_id is required (got 0)");
    expect(make({ serverId: 1, loadBalancerId: 2 })).toThrow(/\(got 2\)/);
    expect(JSON.parse(make({ primaryIpId: 7 })()).resource.hcloud_rdns.r).toEqual({ dns_ptr: "mail.x.org", ip_address: "203.0.113.1", primary_ip_id: 7 });
  });
});

describe("smart host for blocked outbound port 25", () => {
  it("routes remote mail through the relay with its password from OpenBao", () => {
    const { json, stacks } = synthFleetYaml(`version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    smartHost:
      address: smtp.relay.example.net
      port: 587
      username: fsn1
      password: {openbaoPath: sovereign/omantel.example.org/smart-host, property: password}
`);
    const ops = stacks.relays[0].mail.plan.operations;
    expect(ops.find((o) => o.object === "MtaRoute")!.value).toEqual({
      "smart-host": {
        "@type": "Relay",
        name: "smart-host",
        address: "smtp.relay.example.net",
        port: 587,
        protocol: "smtp",
        implicitTls: false,
        authUsername: "fsn1",
        authSecret: { "@type": "EnvironmentVariable", variableName: "STALWART_SMART_HOST_PASSWORD" },
      },
    });
    expect(ops.find((o) => o.object === "MtaOutboundStrategy")!.value).toEqual({
      route: { match: { "0": { if: "is_local_domain(rcpt_domain)", then: "'local'" } }, else: "'smart-host'" },
    });
    const stack = json["fsn1-mail"];
    const es = resourcesOf(stack, "kubernetes_manifest").map((r) => r.body.manifest).find((m) => m.metadata.name === "stalwart-smart-host")!;
    expect(es.spec.data).toEqual([{ secretKey: "password", remoteRef: { key: "sovereign/omantel.example.org/smart-host", property: "password" } }]);
    const env = resourcesOf(stack, "kubernetes_stateful_set_v1")[0].body.spec.template.spec.container[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: "STALWART_SMART_HOST_PASSWORD", value_from: { secret_key_ref: { name: "stalwart-smart-host", key: "password" } } }]));
    expect(stacks.relays[0].requiredSlots).toContain("bp-external-secrets-stores");
  });
});
