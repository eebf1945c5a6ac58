import { TLS_DIR } from "../constructs/stalwart/stalwart-server";
import { validateAgainstCrds } from "./helpers/crd-validation";
import { egressAllowed, ingressAllowed, podToPodAllowed } from "./helpers/network-policy-eval";
import { reachablePorts, secretLiteralProblems, serviceSelectorProblems, unallowedFlowProblems } from "./helpers/semantic";
import { synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf, type Json, type TfJson } from "./helpers/terraform-json";
import { labelsMatch, podWorkloads } from "./helpers/workloads";
import { BACKUP_SECRET } from "../constructs/backup/server-backup";

const example = synthExample();
const manifests = (json: TfJson, kind?: string): Json[] =>
  resourcesOf(json, "kubernetes_manifest")
    .map((r) => r.body.manifest)
    .filter((m) => kind === undefined || m.kind === kind);

const tenants = example.stacks.tenants.map((stack) => ({ name: stack.stackName, stack, json: example.json[stack.stackName], tenant: stack.tenant }));

describe.each(tenants)("$name", ({ stack, json, tenant }) => {
  it("authenticates against the tenant's Keycloak realm with an active OIDC directory", () => {
    const ops = stack.mail.plan.operations;
    const directory = ops.find((o) => o.object === "Directory")!;
    expect(directory).toEqual({
      "@type": "upsert",
      object: "Directory",
      matchOn: ["description"],
      value: {
        keycloak: {
          "@type": "Oidc",
          description: `Keycloak realm of tenant ${tenant.id}`,
          issuerUrl: `https://keycloak.${tenant.domain}/realms/org-${tenant.id}`,
          requireAudience: "stalwart",
          requireScopes: { email: true, groups: true, openid: true, profile: true },
          claimUsername: "preferred_username",
          usernameDomain: tenant.domain,
          claimName: "name",
          claimGroups: "groups",
        },
      },
    });
    expect(ops.find((o) => o.object === "Authentication")).toEqual({ "@type": "update", object: "Authentication", value: { directoryId: "#keycloak" } });
    expect(ops.findIndex((o) => o.object === "Directory")).toBeLessThan(ops.findIndex((o) => o.object === "Authentication"));
  });

  it("reads its secrets from OpenBao through ExternalSecrets that are valid against the v1 CRD", () => {
    const externalSecrets = manifests(json, "ExternalSecret");
    expect(validateAgainstCrds(externalSecrets)).toEqual(externalSecrets.map((m) => ({ kind: "ExternalSecret", name: m.metadata.name, valid: true })));
    const byName = Object.fromEntries(externalSecrets.map((m) => [m.metadata.name, m.spec]));
    const base = `sovereign/omantel.example.org/stalwart/${tenant.id}`;
    expect(byName["stalwart-recovery-admin"]).toMatchObject({
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: "vault-region1" },
      target: { name: "stalwart-recovery-admin", creationPolicy: "Owner" },
      data: [
        { secretKey: "ADMIN_PASSWORD", remoteRef: { key: `${base}/admin`, property: "ADMIN_PASSWORD" } },
        { secretKey: "version", remoteRef: { key: `${base}/admin`, property: "version" } },
      ],
    });
    expect(byName["stalwart-oidc-client-secret"]).toMatchObject({
      data: [
        { secretKey: "OIDC_CLIENT_SECRET", remoteRef: { key: `${base}/oidc`, property: "OIDC_CLIENT_SECRET" } },
        { secretKey: "version", remoteRef: { key: `${base}/oidc`, property: "version" } },
      ],
      target: { template: { data: { OIDC_CLIENT_SECRET: "{{ .OIDC_CLIENT_SECRET }}", "client-secret": "{{ .OIDC_CLIENT_SECRET }}" } } },
    });
  });

  it("seeds its OpenBao paths in the same stack, write-only and versioned by generation time, before the ExternalSecrets read them", () => {
    const base = `sovereign/omantel.example.org/stalwart/${tenant.id}`;
    const seeds = resourcesOf(json, "vault_kv_secret_v2").filter((s) => !s.body.name.endsWith("/dkim"));
    expect(seeds.map((s) => [s.body.mount, s.body.name]).sort()).toEqual([
      ["secret", `${base}/admin`],
      ["secret", `${base}/automation`],
      ["secret", `${base}/metrics`],
      ["secret", `${base}/oidc`],
    ]);
    for (const s of seeds) {
      expect(s.body.data_json).toBeUndefined();
      // The automation identity's two logins: the current one's login and password.
      if (s.body.name.endsWith("/automation")) {
        expect(s.body.data_json_wo).toMatch(/^\$\{jsonencode\(\{"password" = \(local\.automation-credential_slots_\w+\.current == "b"\) \? random_password\.automation-credential_password-b_\w+\.result : random_password\.automation-credential_password-a_\w+\.result, "user" = .*"version" = /);
        continue;
      }
      expect(s.body.data_json_wo).toMatch(/^\$\{jsonencode\(\{"(ADMIN_PASSWORD|OIDC_CLIENT_SECRET|password)" = random_password\.[^.]+\.result, "version" = tostring\(time_static\.[^.]+\.unix\)\}\)\}$/);
      // A fingerprint of the generation and the custom metadata (see OpenBaoSeed; terraform-day2.test.ts applies it).
      expect(s.body.data_json_wo_version).toMatch(/^\$\{parseint\(substr\(sha256\(jsonencode\(\[time_static\.[^.]+\.unix, \{/);
    }
    for (const es of resourcesOf(json, "kubernetes_manifest").filter((r) => r.body.manifest.kind === "ExternalSecret")) {
      expect(es.body.wait).toEqual({ condition: [{ status: "True", type: "Ready" }] });
      // #18: the backup credentials are the bucket owner's, written to OpenBao by them (backup.test.ts).
      if (es.body.manifest.metadata.name === BACKUP_SECRET) continue;
      expect(es.body.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^vault_kv_secret_v2\./)]));
    }
    expect(json.provider.vault).toEqual([{ address: "https://bao.omantel.example.org" }]);
  });

  it("gets a DNS-01 certificate for the mail and webmail hosts, mounts it and points Stalwart at it", () => {
    const [cert] = manifests(json, "Certificate");
    expect(validateAgainstCrds([cert])[0]).toMatchObject({ valid: true });
    expect(cert.spec).toMatchObject({
      secretName: "stalwart-tls",
      dnsNames: [tenant.mailHost, `mta-sts.${tenant.domain}`, `webmail.${tenant.domain}`],
      issuerRef: { kind: "ClusterIssuer", name: "letsencrypt-dns01-prod-powerdns" },
    });
    const sts = resourcesOf(json, "kubernetes_stateful_set_v1")[0].body.spec.template.spec;
    expect(sts.volume).toEqual(expect.arrayContaining([{ name: "tls", secret: { secret_name: "stalwart-tls", optional: false } }]));
    expect(sts.container[0].volume_mount).toEqual(expect.arrayContaining([{ name: "tls", mount_path: TLS_DIR, read_only: true }]));
    const ops = stack.mail.plan.operations;
    expect(ops.find((o) => o.object === "Certificate")!.value).toEqual({
      certificate: { certificate: { "@type": "File", filePath: `${TLS_DIR}/tls.crt` }, privateKey: { "@type": "File", filePath: `${TLS_DIR}/tls.key` } },
    });
    expect(ops.find((o) => o.object === "SystemSettings")!.value).toMatchObject({ defaultCertificateId: "#certificate" });
  });

  it("serves webmail through the gateway on its own host, with selectors disjoint from the mail Services", () => {
    expect(serviceSelectorProblems(json)).toEqual([]);
    const webmail = podWorkloads(json).find((w) => w.address.startsWith("kubernetes_deployment_v1."))!;
    for (const svc of resourcesOf(json, "kubernetes_service_v1").filter((s) => s.body.metadata.name.startsWith("stalwart"))) {
      expect(labelsMatch(svc.body.spec.selector, webmail.podLabels)).toBe(false);
    }
    const [route] = manifests(json, "HTTPRoute");
    expect(validateAgainstCrds([route])[0]).toMatchObject({ valid: true });
    expect(route.spec.parentRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "cilium-gateway-console", namespace: "kube-system" }]);
    expect(route.spec.parentRefs[0].sectionName).toBeUndefined();
    expect(route.spec.hostnames).toEqual([`webmail.${tenant.domain}`]);
    expect(route.spec.hostnames).not.toContain(tenant.mailHost);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: "webmail", port: 8888 }]);
    const domainJson = JSON.parse(resourcesOf(json, "kubernetes_config_map_v1").find((c) => c.body.metadata.name === "webmail-domain")!.body.data[`${tenant.domain}.json`]);
    expect([domainJson.IMAP.host, domainJson.IMAP.port, domainJson.SMTP.port]).toEqual([`stalwart-internal.${tenant.namespace}.svc`, 993, 465]);
    for (const c of webmail.containers) expect(c.resources.requests).toEqual(c.resources.limits);
  });

  it("admits the gateway's ingress entity to webmail with a CiliumNetworkPolicy valid against its CRD", () => {
    const [cnp] = manifests(json, "CiliumNetworkPolicy").filter((m) => m.metadata.name.startsWith("webmail-"));
    expect(validateAgainstCrds([cnp])[0]).toMatchObject({ valid: true });
    expect(cnp.spec).toEqual({
      endpointSelector: { matchLabels: { ...stack.webmail!.selector } },
      ingress: [{ fromEntities: ["ingress"], toPorts: [{ ports: [{ port: "8888", protocol: "TCP" }] }] }],
    });
  });

  it("allows every registered flow and nothing else", () => {
    const server = stack.server;
    const webmail = stack.webmail!;
    const serverPod = { namespace: tenant.namespace, labels: { ...server.selector } };
    const webmailPod = { namespace: tenant.namespace, labels: { ...webmail.selector } };
    const kubernetesFlows = webmail.connections.flows.filter((f) => f.purpose !== "gateway");
    expect(unallowedFlowProblems(json, webmail, kubernetesFlows)).toEqual([]);
    expect(webmail.connections.flows.map((f) => `${f.direction}/${f.purpose}`)).toEqual(["ingress/gateway", "egress/mail", "egress/dns"]);
    expect(podToPodAllowed(json, webmailPod, serverPod, { port: 993 })).toBe(true);
    expect(podToPodAllowed(json, webmailPod, serverPod, { port: 465 })).toBe(true);
    expect(podToPodAllowed(json, webmailPod, serverPod, { port: 8080 })).toBe(false);
    expect(podToPodAllowed(json, webmailPod, serverPod, { port: 25 })).toBe(false);
    // Nothing reaches webmail through Kubernetes policies: only the Cilium gateway rule admits it.
    expect(reachablePorts(json, webmailPod, { ip: "203.0.113.9" })).toEqual([]);
    expect(ingressAllowed(json, webmailPod, { pod: { namespace: "kube-system", labels: {} } }, { port: 8888 })).toBe(false);
    expect(egressAllowed(json, webmailPod, { ip: "198.51.100.7" }, { port: 443 })).toBe(false);
    // Stalwart → Keycloak discovery and JWKS.
    expect(egressAllowed(json, serverPod, { ip: "198.51.100.7" }, { port: 443 })).toBe(true);
  });

  it("holds no literal secret", () => {
    expect(secretLiteralProblems(json)).toEqual([]);
  });

  it("requires the kit slots its CRDs and issuers come from", () => {
    expect(stack.requiredSlots).toEqual(["bp-alloy", "bp-cert-manager", "bp-cert-manager-issuers", "bp-cilium", "bp-external-secrets-stores", "bp-gateway-api", "bp-grafana", "bp-hcloud-ccm", "bp-loki", "bp-mimir"]);
  });
});

describe("tenant options", () => {
  const yaml = (sovereignExtra: string, tenantExtra = "") => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
${sovereignExtra}    tenants:
      - {id: acme, domain: {mode: byo, name: acme.example.com}${tenantExtra}}
`;

  it("derives the issuer from a configured pattern and realm prefix, or takes an explicit one", () => {
    const { stacks } = synthFleetYaml(yaml('    openbao: {address: "https://bao.example.org"}\n    keycloak: {realmPrefix: sme, issuerPattern: "https://id.{domain}/auth/realms/{prefix}-{id}", clientId: mail}\n'));
    const directory = stacks.tenants[0].mail.plan.operations.find((o) => o.object === "Directory")!.value as Record<string, Record<string, unknown>>;
    expect(directory.keycloak).toMatchObject({ issuerUrl: "https://id.acme.example.com/auth/realms/sme-acme", requireAudience: "mail" });
    const explicit = synthFleetYaml(yaml('    openbao: {address: "https://bao.example.org"}\n', ", oidc: {issuerUrl: https://sso.acme.example.com/realms/acme}"));
    const d2 = explicit.stacks.tenants[0].mail.plan.operations.find((o) => o.object === "Directory")!.value as Record<string, Record<string, unknown>>;
    expect(d2.keycloak.issuerUrl).toBe("https://sso.acme.example.com/realms/acme");
  });

  it("writes neither admin nor OIDC path when they are seeded elsewhere, and still reads them", () => {
    const { json } = synthFleetYaml(yaml('    openbao: {address: "https://bao.example.org"}\n', ", secretsSeededElsewhere: true"));
    const stack = json["fsn1-tenant-acme"];
    // What the server itself owns (automation identity, metrics, DKIM) is still generated into OpenBao; the
    // bootstrap renders the recovery admin from the path another system seeds.
    expect(resourcesOf(stack, "vault_kv_secret_v2").map((r) => r.body.name.split("/").pop()).sort()).toEqual(["automation", "dkim", "metrics"]);
    expect(manifests(stack, "ExternalSecret").map((m) => m.metadata.name).sort()).toEqual([
      "stalwart-automation",
      "stalwart-bootstrap",
      "stalwart-dkim",
      "stalwart-metrics",
      "stalwart-oidc-client-secret",
      "stalwart-recovery-admin",
    ]);
    const bootstrap = manifests(stack, "ExternalSecret").find((m) => m.metadata.name === "stalwart-bootstrap")!;
    expect(bootstrap.spec.data).toEqual([{ secretKey: "password", remoteRef: { key: "sovereign/omantel.example.org/stalwart/acme/admin", property: "ADMIN_PASSWORD" } }]);
  });

  it("can run without webmail: no Deployment, route or gateway slot, and the mail Services stay as they are", () => {
    const { json, stacks } = synthFleetYaml(yaml('    openbao: {address: "https://bao.example.org"}\n    webmail: {enabled: false}\n'));
    const stack = json["fsn1-tenant-acme"];
    expect(resourcesOf(stack, "kubernetes_deployment_v1")).toEqual([]);
    expect(manifests(stack).map((m) => m.kind).sort()).toEqual(["Certificate", ...Array(6).fill("ExternalSecret")]);
    expect(stacks.tenants[0].requiredSlots).not.toContain("bp-gateway-api");
    expect(manifests(stack, "Certificate")[0].spec.dnsNames).toEqual(["mail.acme.example.com", "mta-sts.acme.example.com"]);
  });

  it("uses another ClusterSecretStore, refresh interval and issuer when configured", () => {
    const { json } = synthFleetYaml(
      yaml('    openbao: {address: "https://bao.example.org", mount: kv}\n    externalSecrets: {clusterSecretStore: openbao-eu, refreshInterval: 15m}\n    clusterIssuer: internal-dns01\n'),
    );
    const stack = json["fsn1-tenant-acme"];
    // Every ExternalSecret refreshes on the fleet's interval, but the bootstrap one: rendered once, then blanked.
    for (const es of manifests(stack, "ExternalSecret")) {
      expect(es.spec).toMatchObject({ refreshInterval: es.metadata.name === "stalwart-bootstrap" ? "0s" : "15m", secretStoreRef: { name: "openbao-eu" } });
    }
    expect(resourcesOf(stack, "vault_kv_secret_v2").map((r) => r.body.mount)).toEqual(Array(5).fill("kv"));
    expect(manifests(stack, "Certificate")[0].spec.issuerRef.name).toBe("internal-dns01");
    expect(validateAgainstCrds(manifests(stack)).every((r) => r.valid)).toBe(true);
  });
});
