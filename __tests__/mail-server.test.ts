/**
 * The L3 MailServer on its own: what one server consists of, the kit slots it declares, forward-confirmed rDNS,
 * MTA-STS in one unit, its credentials' reset targets, and that it keeps the addresses its resources had as
 * children of the stack.
 */
import { App, Testing } from "cdktf";
import { Construct } from "constructs";
import { credentialSettings } from "../constructs/credentials/credential-settings";
import { OpenBaoCredential } from "../constructs/credentials/openbao-credential";
import { credentialReset, generatedCredentialsOf } from "../constructs/credentials/reset";
import { MailServer, type MailServerProps } from "../constructs/mail-server";
import { requiredSlotsOf } from "../constructs/kit/required-slots";
import { keepAddresses } from "../constructs/terraform/address-scope";
import { mtaStsMaxAgeSeconds } from "../dns/mta-sts";
import { parseFleet } from "../fleet/load";
import { SLOT } from "../kit/slots";
import { BaseStack } from "../stacks/base-stack";
import { parsePlan } from "../stalwart/plan";
import { oneSovereignYaml } from "./helpers/synth";
import type { TfJson } from "./helpers/terraform-json";

const platformOf = (extra: string) => parseFleet(oneSovereignYaml(extra), "inline.yaml").sovereigns[0].platform;

const propsFor = (extra = ""): MailServerProps => {
  const platform = platformOf(extra);
  return {
    platform,
    kind: "tenant",
    credentials: credentialSettings("fsn1-tenant-acme", platform, platform.openbao!),
    instance: "fsn1-tenant-acme",
    domain: "acme.example.org",
    namespace: "org-acme",
    createNamespace: true,
    capacity: { cpu: "500m", memory: "1Gi", storage: "20Gi" },
    mailHost: "mail.acme.example.org",
    credentialsPath: "sovereign/omantel.example.org/stalwart/acme",
    tlsSecretName: "stalwart-tls",
    dns: { spfAll: "-all", dmarcPolicy: "reject", publish: false, dkimOpenBaoPath: "sovereign/omantel.example.org/stalwart/acme/dkim" },
  };
};

class TestStack extends BaseStack {
  constructor(scope: Construct) {
    super(scope, "test", { backend: "local" });
  }
}

function build(props: MailServerProps): { stack: TestStack; mail: MailServer; json: TfJson } {
  const stack = new TestStack(Testing.app());
  const mail = new MailServer(stack, "mail", props);
  return { stack, mail, json: JSON.parse(Testing.synth(stack)) as TfJson };
}

const resourcesOf = (json: TfJson, type: string): Record<string, Record<string, unknown>> => (json.resource?.[type] ?? {}) as Record<string, Record<string, unknown>>;

describe("MailServer", () => {
  const { stack, mail, json } = build(propsFor());

  it("is one whole server: namespace, StatefulSet, apply Job, DKIM keys, DNS report, and the credentials it reads", () => {
    expect(Object.keys(resourcesOf(json, "kubernetes_namespace_v1"))).toHaveLength(1);
    expect(Object.keys(resourcesOf(json, "kubernetes_stateful_set_v1"))).toHaveLength(1);
    expect(Object.keys(resourcesOf(json, "kubernetes_job_v1")).length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(resourcesOf(json, "tls_private_key"))).toHaveLength(2);
    expect(generatedCredentialsOf(mail).map((c) => c.resetName)).toEqual(["admin", "automation", "metrics", "dkim"]);
    const plan = parsePlan(mail.plan.render());
    const objects = plan.map((op) => op.object);
    expect(objects).toEqual(expect.arrayContaining(["Domain", "DkimSignature", "Role", "Account", "SystemSettings"]));
  });

  it("keeps the Terraform addresses its resources had as children of the stack", () => {
    for (const type of ["kubernetes_stateful_set_v1", "kubernetes_job_v1", "vault_kv_secret_v2", "random_password"]) {
      for (const address of Object.keys(resourcesOf(json, type))) expect(address).not.toMatch(/^mail_/);
    }
    expect(Object.keys(resourcesOf(json, "kubernetes_stateful_set_v1"))[0]).toMatch(/^stalwart_statefulset_/);
  });

  it("refuses two resources whose addresses would coincide", () => {
    const clash = new TestStack(new App());
    const group = new Construct(clash, "group");
    keepAddresses(group);
    new OpenBaoCredential(group, "same", { secretName: "a", namespace: "n", path: "p", property: "x", clusterSecretStore: "s", refreshInterval: "1h" });
    new OpenBaoCredential(clash, "same", { secretName: "b", namespace: "n", path: "p", property: "x", clusterSecretStore: "s", refreshInterval: "1h" });
    expect(() => Testing.synth(clash)).toThrow(/would both have the Terraform address/);
  });

  it("declares the kit slots of what it creates: the CNI, the ExternalSecret store, and the Hetzner controller only on Hetzner", () => {
    expect(requiredSlotsOf(stack)).toEqual([SLOT.cni, SLOT.externalSecretsStores].sort());
    const onHetzner = build(propsFor("    ptr: {location: fsn1}"));
    expect(requiredSlotsOf(onHetzner.stack)).toContain(SLOT.hetznerCcm);
  });

  it("refuses a plan whose EHLO name is not the mail host (forward-confirmed rDNS)", () => {
    const props = { ...propsFor(), configure: (plan: MailServer["plan"]) => void plan.update("SystemSettings", { defaultHostname: "other.example.org" }) };
    expect(() => build(props)).toThrow(/forward-confirmed rDNS needs one name.*EHLO name other\.example\.org/);
  });

  it("serves MTA-STS with the policy's max_age and MX host, in the server's unit (milliseconds)", () => {
    const platform = propsFor().platform;
    const policy = { mode: platform.dns.mtaSts.mode, mx: "mail.acme.example.org", maxAgeDays: platform.dns.mtaSts.maxAgeDays };
    const mtaSts = mail.plan.settingOf("MtaSts");
    expect(mtaSts?.maxAge).toBe(mtaStsMaxAgeSeconds(policy) * 1000);
    expect(Object.keys(mtaSts?.mxHosts ?? {})).toEqual(["mail.acme.example.org"]);
  });

  it("uses a recovery admin another system keeps instead of generating one", () => {
    const scope = new TestStack(Testing.app());
    const admin = new OpenBaoCredential(scope, "admin-credential", { secretName: "stalwart-recovery-admin", namespace: "org-acme", path: "tenant/admin", property: "ADMIN_PASSWORD", clusterSecretStore: "s", refreshInterval: "1h" });
    const server = new MailServer(scope, "mail", { ...propsFor(), recoveryAdmin: admin });
    expect(server.recoveryAdmin).toBe(admin);
    expect(generatedCredentialsOf(server).map((c) => c.resetName)).toEqual(["automation", "metrics", "dkim"]);
  });

  it("resets a credential by replacing every resource that holds it, and names those that exist otherwise", () => {
    const dkim = credentialReset(mail, "dkim");
    expect(dkim).toMatchObject({ openbaoPath: "sovereign/omantel.example.org/stalwart/acme/dkim", namespace: "org-acme", externalSecrets: ["org-acme/stalwart-dkim"] });
    expect("replace" in dkim && dkim.replace.filter((a) => a.startsWith("tls_private_key."))).toHaveLength(2);
    const automation = credentialReset(mail, "automation");
    expect("replace" in automation && automation.replace.filter((a) => a.startsWith("random_password."))).toHaveLength(2);
    expect(credentialReset(mail, "submission")).toEqual({ known: ["admin", "automation", "metrics", "dkim"] });
  });
});
