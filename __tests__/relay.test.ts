import { runSmtpResolve } from "../bin/smtp-resolve";
import { classifyRelayHost } from "../relay/relay-scope";
import { PROJECTION_KEYS, projectionValues, resolveProjection, type SecretData } from "../relay/smtp-precedence";
import { validateAgainstCrds } from "./helpers/crd-validation";
import { ingressAllowed, podToPodAllowed } from "./helpers/network-policy-eval";
import { secretLiteralProblems } from "./helpers/semantic";
import { synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf, type TfJson } from "./helpers/terraform-json";
import { podWorkloads } from "./helpers/workloads";

const secretNamed = (json: TfJson, namespace: string, name: string) =>
  resourcesOf(json, "kubernetes_secret_v1").find((r) => r.body.metadata.namespace === namespace && r.body.metadata.name === name)?.body;

/** The contract as consumers get it: a Terraform Secret, or the Secret an ExternalSecret renders (keys as templates). */
function contractOf(json: TfJson) {
  const secret = secretNamed(json, "catalyst-system", "sovereign-smtp-credentials");
  if (secret) return { kind: "secret", data: secret.data, metadata: secret.metadata, depends_on: secret.depends_on };
  const es = resourcesOf(json, "kubernetes_manifest").find((r) => r.body.manifest.metadata.namespace === "catalyst-system" && r.body.manifest.metadata.name === "sovereign-smtp-credentials")!;
  const manifest = es.body.manifest;
  return { kind: "external-secret", data: manifest.spec.target.template.data, metadata: manifest.spec.target.template.metadata, depends_on: es.body.depends_on, manifest };
}

const fleetYaml = (relay: string, extra = "") => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
${extra}    relay:
${relay}
`;

describe("SMTP precedence contract: decision table", () => {
  const resolve = (source: SecretData, target?: SecretData, defaults?: SecretData) => resolveProjection(source, target, defaults);

  // Each row: inputs → expected [value, origin] for one key.
  it.each([
    ["smtp-user from source smtp-*", { "smtp-user": "s", user: "legacy" }, { "smtp-user": "t" }, undefined, "smtp-user", "s", "source"],
    ["smtp-user from source legacy", { user: "legacy" }, { "smtp-user": "t" }, undefined, "smtp-user", "legacy", "source-legacy"],
    ["smtp-user from existing target", {}, { "smtp-user": "t" }, undefined, "smtp-user", "t", "target"],
    ["smtp-user empty when nothing is present", {}, {}, { "smtp-user": "d" }, "smtp-user", "", "empty"],
    ["an empty source value does not count", { "smtp-pass": "", password: "legacy" }, { "smtp-pass": "t" }, undefined, "smtp-pass", "legacy", "source-legacy"],
    ["smtp-pass from source smtp-*", { "smtp-pass": "s", password: "legacy" }, { "smtp-pass": "t" }, undefined, "smtp-pass", "s", "source"],
    ["smtp-pass from existing target", { password: "" }, { "smtp-pass": "t" }, undefined, "smtp-pass", "t", "target"],
    ["smtp-host from source", { "smtp-host": "s" }, { "smtp-host": "t" }, { "smtp-host": "d" }, "smtp-host", "s", "source"],
    ["smtp-host from existing target", {}, { "smtp-host": "t" }, { "smtp-host": "d" }, "smtp-host", "t", "target"],
    ["smtp-host from defaults", {}, {}, { "smtp-host": "d" }, "smtp-host", "d", "defaults"],
    ["smtp-port never from a legacy key", { port: "25" }, undefined, { "smtp-port": "587" }, "smtp-port", "587", "defaults"],
    ["smtp-from from source", { "smtp-from": "s@x" }, { "smtp-from": "t@x" }, undefined, "smtp-from", "s@x", "source"],
    ["kc-addr: existing target wins", { "kc-addr": "s" }, { "kc-addr": "t" }, undefined, "kc-addr", "t", "target"],
    ["kc-addr: then source", { "kc-addr": "s" }, {}, undefined, "kc-addr", "s", "source"],
    ["kc-sa-client-secret: target wins", { "kc-sa-client-secret": "s" }, { "kc-sa-client-secret": "t" }, undefined, "kc-sa-client-secret", "t", "target"],
    ["kc-audience defaults to the client id", { "kc-sa-client-id": "catalyst" }, {}, undefined, "kc-audience", "catalyst", "client-id"],
    ["kc-audience from existing target", { "kc-sa-client-id": "catalyst" }, { "kc-audience": "aud" }, undefined, "kc-audience", "aud", "target"],
  ] as const)("%s", (_row, source, target, defaults, key, value, origin) => {
    expect(resolve(source, target, defaults)[key]).toEqual({ value, origin });
  });

  it("always yields every projection key", () => {
    expect(Object.keys(projectionValues(resolve({})))).toEqual([...PROJECTION_KEYS]);
  });
});

describe("npm run smtp:resolve", () => {
  const run = (...argv: string[]) => {
    let out = "";
    let err = "";
    const code = runSmtpResolve(argv, (t) => (out += t), (t) => (err += t));
    return { code, out, err };
  };

  it("prints each key with its origin and masks secrets", () => {
    const r = run("--source", '{"user":"noreply","password":"s3cret-value","smtp-host":"mail.x"}', "--target", '{"smtp-user":"old"}', "--defaults", '{"smtp-port":"587"}');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out);
    expect(parsed["smtp-user"]).toEqual({ value: "noreply", from: "source-legacy" });
    expect(parsed["smtp-pass"]).toEqual({ value: "<12 bytes>", from: "source-legacy" });
    expect(parsed["smtp-port"]).toEqual({ value: "587", from: "defaults" });
    expect(r.out).not.toContain("s3cret-value");
    expect(JSON.parse(run("--source", '{"smtp-pass":"p"}', "--show-secrets").out)["smtp-pass"].value).toBe("p");
  });

  it("rejects bad input with a usage error", () => {
    expect(run().err).toContain("--source is required");
    expect(run("--source", "{nope").err).toMatch(/--source: not JSON/);
    expect(run("--source", '{"smtp-port":587}').err).toContain('value of "smtp-port" must be a string');
    expect(run("--source", "{}").code).toBe(0);
    expect(run("--bogus").code).toBe(2);
  });
});

describe("relay scope", () => {
  it.each([
    ["mail.omantel.example.org", "sovereign-local"],
    ["omantel.example.org", "sovereign-local"],
    ["stalwart-management.stalwart-sovereign.svc.cluster.local", "sovereign-local"],
    ["relay.mail.svc", "sovereign-local"],
    ["localhost", "sovereign-local"],
    ["127.0.0.1", "sovereign-local"],
    ["mail.openova.io", "mothership"],
    ["notomantel.example.org", "mothership"],
  ])("%s is %s", (host, scope) => {
    expect(classifyRelayHost(host, "omantel.example.org")).toBe(scope);
  });
});

describe("the relay stack of the example fleet", () => {
  const example = synthExample();
  const relay = example.stacks.relays[0];
  const json = example.json["fsn1-mail"];
  const contract = contractOf(json);

  it("publishes the contract with both key shapes carrying the same bytes, rendered from OpenBao", () => {
    expect(contract.kind).toBe("external-secret");
    expect(contract.manifest.spec.data.map((d: { remoteRef: { key: string; property: string } }) => d.remoteRef)).toEqual([
      { key: "sovereign/omantel.example.org/stalwart/relay/submission", property: "password" },
      { key: "sovereign/omantel.example.org/stalwart/relay/submission", property: "user" },
      { key: "sovereign/omantel.example.org/stalwart/relay/submission", property: "version" },
    ]);
    expect(contract.data["smtp-host"]).toBe("mail.omantel.example.org");
    expect(contract.data["smtp-from"]).toBe("noreply@omantel.example.org");
    // The current login (noreply-a@ or noreply-b@, they take turns at each rotation) comes with the password.
    expect(contract.data["smtp-user"]).toBe("{{ .user }}");
    const seed = resourcesOf(json, "vault_kv_secret_v2").find((r) => r.address.startsWith("vault_kv_secret_v2.submission-credential"))!.body;
    expect(seed.data_json_wo).toMatch(/"user" = \(local\.submission-credential_slots_\w+\.current == "b"\) \? "noreply-b@omantel\.example\.org" : "noreply-a@omantel\.example\.org"/);
    expect(contract.data.user).toBe(contract.data["smtp-user"]);
    expect(contract.data.password).toBe(contract.data["smtp-pass"]);
    expect(contract.data["smtp-pass"]).toBe("{{ .password }}");
    expect(Object.values(contract.data).every((v) => !String(v).endsWith("\n"))).toBe(true);
    expect(secretLiteralProblems(json)).toEqual([]);
  });

  it("records writer and scope, and offers a checksum for consumer pod templates", () => {
    expect(contract.metadata.annotations).toMatchObject({
      "catalyst.openova.io/seeded-by": "sovereign-mail/fsn1-mail",
      "catalyst.openova.io/relay-scope": "sovereign-local",
      "catalyst.openova.io/seed-phase": "phase-2-sovereign-local-relay",
    });
    expect(contract.metadata.labels["catalyst.openova.io/relay-scope"]).toBe("sovereign-local");
    const checksum = json.output.smtp_credentials_checksum.value as string;
    // Over the endpoint and the password's version (its generation time), never the password itself.
    // (The login changes with the password, so the version covers both.)
    expect(checksum).toMatch(/^\$\{nonsensitive\(sha256\(join\("\|", \["mail\.omantel\.example\.org", "465", "noreply@omantel\.example\.org", "\{\{ \.user \}\}", tostring\(.*time_static\.submission-credential_generated-b[^.]*\.unix : time_static\.submission-credential_generated-a[^.]*\.unix\)\]\)\)\)\}$/);
    expect(checksum).not.toMatch(/random_password/);
    expect(contract.metadata.annotations["checksum/smtp-config"]).toBe(checksum);
  });

  it("points consumers at a port the server really listens on, only after its account exists", () => {
    const [server] = podWorkloads(json);
    expect(server.ports.map((p) => p.port)).toContain(Number(contract.data["smtp-port"]));
    // Through OpenBao: the password is written there only after the apply Job put it on the account.
    expect(contract.depends_on).toEqual([expect.stringMatching(/^vault_kv_secret_v2\.submission-credential/)]);
    const seed = resourcesOf(json, "vault_kv_secret_v2").find((r) => r.address.startsWith("vault_kv_secret_v2.submission-credential"))!;
    expect(seed.body.depends_on).toEqual([expect.stringMatching(/^kubernetes_job_v1\./)]);
  });

  it("creates the noreply group and its two logins with their generated passwords' bcrypt hashes, one submission listener and no IMAP", () => {
    const accounts = relay.mail.plan.operations.filter((o) => o.object === "Account" && o["@type"] === "upsert" && !Object.keys(o.value)[0].startsWith("automation"));
    expect(accounts.map((a) => a.value)).toEqual([
      { sender: expect.objectContaining({ "@type": "Group", name: "noreply", domainId: "#domain" }) },
      { "sender-a": expect.objectContaining({ "@type": "User", name: "noreply-a", domainId: "#domain", memberGroupIds: { "#sender": true } }) },
      { "sender-b": expect.objectContaining({ "@type": "User", name: "noreply-b", domainId: "#domain", memberGroupIds: { "#sender": true } }) },
    ]);
    // The logins may authenticate and send, nothing else.
    const role = relay.mail.plan.operations.find((o) => o.object === "Role" && Object.keys(o.value)[0] === "sender-role")!;
    expect(Object.values(role.value)[0]).toEqual({ description: "System-mail submission", enabledPermissions: { authenticate: true, emailSend: true } });
    for (const a of accounts.slice(1)) expect((Object.values(a.value)[0] as { roles: unknown }).roles).toEqual({ "@type": "Custom", roleIds: { "#sender-role": true } });
    expect(relay.server.listeners.map((l) => l.name)).toEqual(["smtp", "submissions", "http"]);
    const plan = resourcesOf(json, "kubernetes_config_map_v1").find((r) => r.body.metadata.name === "stalwart-plan")!.body.data["plan.ndjson"];
    for (const slot of ["a", "b"]) expect(plan).toMatch(new RegExp(`"secret":"\\$\\{random_password\\.submission-credential_password-${slot}[^.]*\\.bcrypt_hash\\}"`));
  });

  it("lets the platform's pods submit in-cluster, and no other namespace", () => {
    const serverPod = { namespace: "stalwart-sovereign", labels: { ...relay.server.selector } };
    expect(ingressAllowed(json, serverPod, { pod: { namespace: "catalyst-system", labels: { app: "catalyst-api" } } }, { port: 465 })).toBe(true);
    expect(ingressAllowed(json, serverPod, { pod: { namespace: "catalyst-system", labels: { app: "catalyst-api" } } }, { port: 8080 })).toBe(false);
    expect(ingressAllowed(json, serverPod, { pod: { namespace: "default", labels: {} } }, { port: 465 })).toBe(false);
    expect(podToPodAllowed(json, { namespace: "stalwart-sovereign", labels: { ...relay.mail.applyJob.selector } }, serverPod, { port: 8080 })).toBe(true);
  });
});

describe("relay variants", () => {
  it("uses 587 with STARTTLS when asked, and the contract follows the listener", () => {
    const { json, stacks } = synthFleetYaml(fleetYaml("      submission: starttls\n      senders: [pin@omantel.example.org, login@omantel.example.org]"));
    const contract = contractOf(json["fsn1-mail"]);
    expect(contract.data["smtp-port"]).toBe("587");
    expect(stacks.relays[0].server.listeners.map((l) => l.name)).toEqual(["smtp", "submission", "http"]);
    const group = stacks.relays[0].mail.plan.operations.find((o) => o.object === "Account" && o["@type"] === "upsert")!.value as Record<string, { aliases: unknown }>;
    expect(group.sender.aliases).toEqual({ "0": { name: "login", domainId: "#domain", enabled: true }, "1": { name: "pin", domainId: "#domain", enabled: true } });
  });

  it("writes the contract the same way in mothership mode, credentials from a named Secret, scope mothership", () => {
    const { json } = synthFleetYaml(
      fleetYaml(`      mode: mothership
      mothership:
        host: mail.openova.io
        from: noreply@openova.io
        credentials: {secret: {namespace: catalyst-system, name: mothership-smtp}}`),
    );
    const stack = json["fsn1-mail"];
    // A central relay's credentials in a cluster Secret: the one contract Terraform writes itself.
    const contract = contractOf(stack);
    expect(contract.kind).toBe("secret");
    expect(contract.data).toMatchObject({ "smtp-host": "mail.openova.io", "smtp-port": "587", "smtp-from": "noreply@openova.io" });
    expect(contract.data["smtp-user"]).toMatch(/^\$\{data\.kubernetes_secret_v1\.mothership-credentials\.data\["smtp-user"\]\}$/);
    expect(contract.data.password).toBe(contract.data["smtp-pass"]);
    expect(contract.metadata.annotations["catalyst.openova.io/relay-scope"]).toBe("mothership");
    expect(contract.metadata.annotations["catalyst.openova.io/seed-phase"]).toBe("phase-1-mothership-relay");
    // The local relay still runs, but the contract does not wait for it.
    expect(contract.depends_on).toBeUndefined();
    expect(stack.output.relay_scope.value).toBe("mothership");
  });

  it("reads mothership credentials from OpenBao through an ExternalSecret; Terraform never reads them", () => {
    const { json } = synthFleetYaml(
      fleetYaml(
        `      mode: mothership
      mothership:
        host: mail.openova.io
        port: 465
        from: noreply@openova.io
        credentials: {openbao: {path: sovereign/mothership/smtp}}`,
      ),
    );
    const stack = json["fsn1-mail"];
    expect(stack.provider.vault).toEqual([{ address: "https://bao.example.org" }]);
    expect(stack.terraform.required_providers.vault).toEqual({ source: "hashicorp/vault", version: "5.6.0" });
    // No data source: the central relay's password never enters this stack's state.
    expect(stack.data?.vault_kv_secret_v2).toBeUndefined();
    const contract = contractOf(stack);
    expect(contract.kind).toBe("external-secret");
    expect(contract.data).toMatchObject({ "smtp-pass": "{{ .pass }}", "smtp-user": "{{ .user }}", "smtp-port": "465" });
    expect(contract.manifest.spec.data.map((d: { remoteRef: unknown }) => d.remoteRef)).toEqual([
      { key: "sovereign/mothership/smtp", property: "smtp-user" },
      { key: "sovereign/mothership/smtp", property: "smtp-pass" },
    ]);
    expect(secretLiteralProblems(stack)).toEqual([]);
  });

  it("renders the Keycloak projection from the contract with the precedence rules, through an ExternalSecret like the contract", () => {
    const { json } = synthFleetYaml(
      fleetYaml(`      keycloakProjection:
        addr: http://keycloak.keycloak.svc
        realm: sovereign
        clientId: catalyst-api-server
        clientSecret: {namespace: keycloak, name: catalyst-kc-sa-credentials, key: client-secret}`),
    );
    const stack = json["fsn1-mail"];
    expect(resourcesOf(stack, "kubernetes_secret_v1")).toEqual([]);
    const manifests = resourcesOf(stack, "kubernetes_manifest");
    const es = manifests.find((r) => r.body.manifest.kind === "ExternalSecret" && r.body.manifest.metadata.name === "catalyst-openova-kc-credentials")!;
    const manifest = es.body.manifest;
    expect(manifest.metadata.namespace).toBe("catalyst-system");
    const template = manifest.spec.target.template.data;
    expect(Object.keys(template).sort()).toEqual([...PROJECTION_KEYS, "version"].sort());
    expect(template).toMatchObject({
      "kc-addr": "http://keycloak.keycloak.svc",
      "kc-realm": "sovereign",
      "kc-sa-client-id": "catalyst-api-server",
      "kc-audience": "catalyst-api-server",
      "smtp-host": "mail.omantel.example.org",
      "smtp-user": "{{ .user }}",
      // The current submission login and password, from the same OpenBao path as the contract: a rotation reaches Keycloak too.
      "smtp-pass": "{{ .password }}",
      "kc-sa-client-secret": "{{ .kc_sa_client_secret }}",
    });
    const contract = contractOf(stack).manifest;
    const byKey = Object.fromEntries(manifest.spec.data.map((d: { secretKey: string }) => [d.secretKey, d]));
    expect(byKey.password).toEqual(contract.spec.data.find((d: { secretKey: string }) => d.secretKey === "password"));
    expect(byKey.user).toEqual(contract.spec.data.find((d: { secretKey: string }) => d.secretKey === "user"));
    // The client secret comes from its cluster Secret through a store allowed to get that one Secret.
    expect(byKey.kc_sa_client_secret).toEqual({ secretKey: "kc_sa_client_secret", remoteRef: { key: "catalyst-kc-sa-credentials", property: "client-secret" }, sourceRef: { storeRef: { name: "keycloak-client-secret-reader", kind: "SecretStore" } } });
    const store = manifests.find((r) => r.body.manifest.kind === "SecretStore")!;
    expect(store.body.manifest.metadata).toMatchObject({ name: "keycloak-client-secret-reader", namespace: "catalyst-system" });
    expect(store.body.manifest.spec.provider.kubernetes).toMatchObject({ remoteNamespace: "keycloak", auth: { serviceAccount: { name: "keycloak-client-secret-reader" } } });
    const role = resourcesOf(stack, "kubernetes_role_v1")[0].body;
    expect(role.metadata.namespace).toBe("keycloak");
    expect(role.rule).toEqual([{ api_groups: [""], resources: ["secrets"], resource_names: ["catalyst-kc-sa-credentials"], verbs: ["get"] }]);
    const binding = resourcesOf(stack, "kubernetes_role_binding_v1")[0].body;
    expect(binding.subject).toEqual([{ kind: "ServiceAccount", name: "keycloak-client-secret-reader", namespace: "catalyst-system" }]);
    expect(binding.role_ref.name).toBe(role.metadata.name);
    expect(resourcesOf(stack, "kubernetes_service_account_v1").map((r) => r.body.metadata)).toContainEqual(expect.objectContaining({ name: "keycloak-client-secret-reader", namespace: "catalyst-system" }));
    // Ordering: the store after its permissions, the projection after the store and after OpenBao holds what the server accepted.
    expect(store.body.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_role_binding_v1\./)]));
    expect(es.body.depends_on).toEqual(expect.arrayContaining([store.address, expect.stringMatching(/^vault_kv_secret_v2\.submission-credential/)]));
    const seed = resourcesOf(stack, "vault_kv_secret_v2").find((r) => r.address.includes("submission-credential"))!;
    expect(seed.body.depends_on).toEqual([expect.stringMatching(/^kubernetes_job_v1\./)]);
    expect(validateAgainstCrds([manifest, store.body.manifest])).toEqual([
      { kind: "ExternalSecret", name: "catalyst-openova-kc-credentials", valid: true },
      { kind: "SecretStore", name: "keycloak-client-secret-reader", valid: true },
    ]);
    expect(secretLiteralProblems(stack)).toEqual([]);
  });

  it("writes the Keycloak projection with Terraform only when the contract is (a central relay's cluster Secret)", () => {
    const { json } = synthFleetYaml(
      fleetYaml(`      mode: mothership
      mothership:
        host: mail.openova.io
        port: 465
        from: noreply@openova.io
        credentials: {secret: {namespace: catalyst-system, name: mothership-smtp}}
      keycloakProjection:
        addr: http://keycloak.keycloak.svc
        realm: sovereign
        clientId: catalyst-api-server
        clientSecret: {namespace: keycloak, name: catalyst-kc-sa-credentials, key: client-secret}`),
    );
    const stack = json["fsn1-mail"];
    const projection = secretNamed(stack, "catalyst-system", "catalyst-openova-kc-credentials");
    expect(projection.data["smtp-pass"]).toBe('${data.kubernetes_secret_v1.mothership-credentials.data["smtp-pass"]}');
    expect(projection.data["kc-sa-client-secret"]).toMatch(/^\$\{data\.kubernetes_secret_v1\.keycloak-projection_client-secret_\w+\.data\["client-secret"\]\}$/);
    expect(resourcesOf(stack, "kubernetes_manifest").filter((r) => r.body.manifest.kind === "SecretStore")).toEqual([]);
  });

  it("gives two Sovereigns two independent relay stacks", () => {
    const { stacks, json } = synthFleetYaml(`version: 1
sovereigns:
  - {name: fsn1, fqdn: omantel.example.org, cluster: {context: fsn1}, openbao: {address: "https://bao.omantel.example.org"}}
  - {name: hel1, fqdn: helsinki.example.net, cluster: {context: hel1}, openbao: {address: "https://bao.helsinki.example.net"}}
`);
    expect(stacks.relays.map((s) => s.stackName)).toEqual(["fsn1-mail", "hel1-mail"]);
    expect(stacks.relays.flatMap((s) => s.dependencies)).toEqual([]);
    expect(json["hel1-mail"].provider.kubernetes).toEqual([{ config_context: "hel1", config_path: "~/.kube/config" }]);
    expect(contractOf(json["hel1-mail"]).data["smtp-host"]).toBe("mail.helsinki.example.net");
  });
});
