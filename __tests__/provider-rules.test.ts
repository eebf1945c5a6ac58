/**
 * What the pinned providers and Terraform core do that an offline apply cannot show, as checks over the
 * synthesized JSON of every stack of every test fleet. Each rule names the upstream file and tag it was read from
 * (docs/CONFORMANCE.md lists them all).
 */
import semver from "semver";
import { TEST_FLEETS, writeFleet } from "./helpers/test-fleets";
import { resourcesOf, stringLeaves, type Json } from "./helpers/terraform-json";

const stacks = Object.keys(TEST_FLEETS).flatMap(writeFleet);
const each = stacks.map((s) => [`${s.fleet}/${s.name}`, s.json] as const);
const addresses = (json: Json) =>
  new Set([...resourcesOf(json).map((r) => r.address), ...Object.entries(json.data ?? {}).flatMap(([t, byName]) => Object.keys(byName as object).map((n) => `data.${t}.${n}`))]);
const dataSources = (json: Json, type: string): Json[] => Object.values(json.data?.[type] ?? {});

describe.each(each)("%s", (_name, json) => {
  it("depends_on and replace_triggered_by name existing resources by bare address (terraform v1.11.4 internal/configs/resource.go, depends_on.go)", () => {
    const known = addresses(json);
    const entries = [...resourcesOf(json).map((r) => r.body), ...Object.values(json.data ?? {}).flatMap((byName) => Object.values(byName as object))].flatMap((b: Json) => [
      ...(b.depends_on ?? []),
      ...(b.lifecycle?.replace_triggered_by ?? []),
    ]);
    for (const e of entries) {
      expect(e).toMatch(/^(data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*$/);
      expect(known.has(e)).toBe(true);
    }
  });

  it("pins every helm chart to an exact version (hashicorp/terraform-provider-helm v3.1.1 helm/resource_helm_release.go ModifyPlan)", () => {
    for (const r of resourcesOf(json, "helm_release")) expect(semver.valid(r.body.version)).toBe(r.body.version);
  });

  it("configures TSIG all in configuration, fully qualified, with an algorithm the dns provider signs with (hashicorp/terraform-provider-dns v3.4.3 internal/provider/provider_framework.go, config.go)", () => {
    for (const provider of json.provider?.dns ?? []) {
      for (const update of provider.update ?? []) {
        const tsig = ["key_name", "key_algorithm", "key_secret"].filter((k) => update[k] !== undefined);
        expect(tsig.length === 0 || tsig.length === 3).toBe(true);
        if (tsig.length === 0) continue;
        expect(update.key_name).toMatch(/\.$/);
        expect(["hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha512"]).toContain(update.key_algorithm);
        const variable = /^\$\{var\.([\w-]+)\}$/.exec(update.key_secret)![1];
        expect(json.variable[variable]).toMatchObject({ ephemeral: true, sensitive: true });
      }
    }
  });

  it("writes records the dns provider reads back unchanged (hashicorp/terraform-provider-dns v3.4.3 internal/provider/resource_dns_txt_record_set.go, validators)", () => {
    for (const type of ["dns_a_record_set", "dns_aaaa_record_set", "dns_txt_record_set", "dns_mx_record_set", "dns_cname_record"]) {
      for (const r of resourcesOf(json, type)) {
        expect(r.body.zone).toMatch(/\.$/);
        if (r.body.name !== undefined) expect(r.body.name).not.toMatch(/\.$/);
      }
    }
    for (const r of resourcesOf(json, "dns_txt_record_set")) {
      for (const v of r.body.txt as string[]) {
        // Literal text outside interpolations: printable ASCII without quote or backslash.
        const literal = v.replace(/\$\{(?:[^{}"]|"(?:[^"\\]|\\.)*"|\{[^{}]*\})*\}/g, "");
        expect(literal).toMatch(/^[\x20-\x7e]*$/);
        expect(literal).not.toMatch(/["\\]/);
      }
    }
    // An empty address set is sent as nothing and dropped from state on the next read: a precondition stops it.
    for (const r of [...resourcesOf(json, "dns_a_record_set"), ...resourcesOf(json, "dns_aaaa_record_set")]) {
      expect(r.body.lifecycle?.precondition?.[0]?.condition).toMatch(/^\$\{\(length\(.*\) >= 1\)\}$/);
    }
  });

  it("changes the write-only version with the custom metadata (hashicorp/terraform-provider-vault v5.6.0 vault/resource_kv_secret_v2.go kvSecretV2Write)", () => {
    for (const r of resourcesOf(json, "vault_kv_secret_v2")) {
      expect(r.body.data_json).toBeUndefined();
      expect(r.body.data_json_wo).toBeDefined();
      const version: string = r.body.data_json_wo_version;
      expect(version).toMatch(/^\$\{parseint\(substr\(sha256\(jsonencode\(\[/);
      for (const leaf of stringLeaves(r.body.custom_metadata ?? {})) expect(version).toContain(leaf.value.replace(/^\$\{|\}$/g, ""));
    }
  });

  it("triggers no replacement by a time_rotating, which a rotation re-creates rather than replaces (hashicorp/terraform-provider-time v0.13.1 internal/provider/resource_time_rotating.go Read)", () => {
    for (const r of resourcesOf(json)) for (const t of r.body.lifecycle?.replace_triggered_by ?? []) expect(t).not.toMatch(/^time_rotating\./);
  });

  it("keeps private addresses out of Hetzner load balancer status and waits for the address (hcloud-cloud-controller-manager v1.35.0 hcloud/load_balancers.go; terraform-provider-kubernetes v2.38.0)", () => {
    for (const r of resourcesOf(json, "kubernetes_service_v1").filter((s) => s.body.spec.type === "LoadBalancer")) {
      const annotations = r.body.metadata.annotations ?? {};
      if (Object.keys(annotations).some((k) => k.startsWith("load-balancer.hetzner.cloud/"))) expect(annotations["load-balancer.hetzner.cloud/disable-private-ingress"]).toBe("true");
      expect(r.body.wait_for_load_balancer).not.toBe(false);
    }
  });

  it("reads the Hetzner load balancer after a marker that only its name changes (terraform v1.11.4 data source deferral; terraform-provider-hcloud v1.68.0 internal/rdns/resource.go)", () => {
    const markers = json.resource?.terraform_data ?? {};
    for (const lb of dataSources(json, "hcloud_load_balancer")) {
      for (const d of lb.depends_on ?? []) {
        expect(d).toMatch(/^terraform_data\./);
        const marker = markers[d.split(".")[1]];
        expect(JSON.stringify(marker.input)).not.toContain("${");
      }
    }
    for (const r of resourcesOf(json, "hcloud_rdns")) expect(r.body.load_balancer_id).toMatch(/^\$\{data\.hcloud_load_balancer\./);
  });
});

it("covers what the rules are about", () => {
  const all = JSON.stringify(stacks.map((s) => s.json));
  for (const t of ["helm_release", "dns_txt_record_set", "vault_kv_secret_v2", "hcloud_load_balancer", "key_secret"]) expect(all).toContain(t);
});
