import { Port } from "../constructs/network/port";
import { Peer } from "../constructs/network/peer";
import {
  danglingReferenceProblems,
  danglingTerraformReferenceProblems,
  reachablePorts,
  secretLiteralProblems,
  serviceSelectorProblems,
  serviceTargetPortProblems,
  unallowedFlowProblems,
} from "./helpers/semantic";
import { synthExample } from "./helpers/synth";
import { resourcesOf, type TfJson } from "./helpers/terraform-json";

/** The semantic checks must fail on broken output, or the stack tests that use them prove nothing. */
const example = synthExample();
const pristine = example.json["fsn1-tenant-acme"];
const mutate = (change: (json: TfJson) => void): TfJson => {
  const copy = structuredClone(pristine);
  change(copy);
  return copy;
};
const statefulSet = (json: TfJson) => resourcesOf(json, "kubernetes_stateful_set_v1")[0].body;
const service = (json: TfJson, type: string) => resourcesOf(json, "kubernetes_service_v1").find((s) => s.body.spec.type === type)!.body;

describe("semantic checks catch broken stacks", () => {
  it("a Service whose selector matches no pod", () => {
    const json = mutate((j) => (service(j, "LoadBalancer").spec.selector["app.kubernetes.io/component"] = "webmail"));
    expect(serviceSelectorProblems(json)).toEqual([expect.stringMatching(/selects 0 workloads/)]);
  });

  it("a Service selecting two workloads (a second pod set with the same labels)", () => {
    const json = mutate((j) => {
      const sts = resourcesOf(j, "kubernetes_stateful_set_v1")[0];
      j.resource.kubernetes_deployment_v1 = { webmail: structuredClone(sts.body) };
    });
    expect(serviceSelectorProblems(json).length).toBeGreaterThan(0);
  });

  it("a target port the container does not declare", () => {
    const json = mutate((j) => statefulSet(j).spec.template.spec.container[0].port.splice(0, 1));
    // Both the public LoadBalancer and the in-cluster Service carry port 25.
    expect(serviceTargetPortProblems(json)).toEqual([
      expect.stringMatching(/stalwart_internal_[^:]+: port 25 targets "smtp"/),
      expect.stringMatching(/stalwart_mail_[^:]+: port 25 targets "smtp"/),
    ]);
  });

  const withoutResourceNamed = (type: string, name: string) =>
    mutate((j) => {
      for (const [key, body] of Object.entries(j.resource[type] as Record<string, { metadata: { name: string } }>)) {
        if (body.metadata.name === name) delete j.resource[type][key];
      }
    });

  it("a Secret that is neither created nor declared external", () => {
    // The metrics Secret is materialized by an ExternalSecret: without it, nothing creates the Secret.
    const json = mutate((j) => {
      const manifests = j.resource.kubernetes_manifest as Record<string, { manifest: { metadata: { name: string } } }>;
      for (const [key, body] of Object.entries(manifests)) if (body.manifest.metadata.name === "stalwart-metrics") delete manifests[key];
    });
    expect(danglingReferenceProblems(json)).toEqual([expect.stringMatching(/Secret org-acme\/stalwart-metrics is neither created/)]);
  });

  it("a Secret declared external although the stack creates it", () => {
    const json = mutate((j) => (statefulSet(j).spec.template.metadata.annotations["sovereign-mail.openova.io/external-secrets"] = "stalwart-metrics"));
    expect(danglingReferenceProblems(json)).toEqual([expect.stringMatching(/Secret stalwart-metrics is declared external but created in the stack/)]);
  });

  it("a ConfigMap volume whose ConfigMap is not in the stack", () => {
    const json = withoutResourceNamed("kubernetes_config_map_v1", "stalwart-config");
    expect(danglingReferenceProblems(json)).toEqual([expect.stringMatching(/ConfigMap org-acme\/stalwart-config/)]);
  });

  it("literal secrets: env value, Secret data, provider token, key material", () => {
    const json = mutate((j) => {
      statefulSet(j).spec.template.spec.container[0].env.push({ name: "ADMIN_PASSWORD", value: "hunter2hunter2" });
      j.resource.kubernetes_secret_v1 = { s: { metadata: { name: "s", namespace: "org-acme" }, data: { username: "admin", password: "plain" } } };
      j.provider.kubernetes[0].token = "abc";
      j.output.leak = { value: "-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----" };
    });
    expect(secretLiteralProblems(json)).toEqual([
      expect.stringMatching(/env ADMIN_PASSWORD has a literal value/),
      expect.stringMatching(/data.password is a literal/),
      expect.stringMatching(/provider kubernetes: token/),
      expect.stringMatching(/output.leak.value: looks like a PEM private key/),
    ]);
  });

  it("a registered flow the policies do not admit", () => {
    const server = example.stacks.tenants[0].server;
    const json = mutate((j) => {
      for (const name of Object.keys(j.resource.kubernetes_network_policy_v1)) {
        if (name.includes("outbound-smtp")) delete j.resource.kubernetes_network_policy_v1[name];
      }
    });
    const extra = [{ direction: "ingress" as const, peer: Peer.cidr("198.51.100.0/24"), ports: [Port.tcp(2525)], purpose: "extra" }];
    expect(unallowedFlowProblems(json, server, [...server.connections.flows, ...extra])).toEqual([
      'stalwart: egress flow "outbound-smtp" (public-internet as 198.51.100.7, 25/TCP) is blocked',
      'stalwart: egress flow "outbound-smtp" (public-internet as 198.51.100.7, 465/TCP) is blocked',
      'stalwart: egress flow "outbound-smtp" (public-internet as 198.51.100.7, 587/TCP) is blocked',
      'stalwart: egress flow "outbound-smtp" (public-internet as 2001:db8::7, 25/TCP) is blocked',
      'stalwart: egress flow "outbound-smtp" (public-internet as 2001:db8::7, 465/TCP) is blocked',
      'stalwart: egress flow "outbound-smtp" (public-internet as 2001:db8::7, 587/TCP) is blocked',
      'stalwart: ingress flow "extra" (cidr 198.51.100.0/24 as 198.51.100.7, 2525/TCP) is blocked',
    ]);
  });

  it("a reference to another stack's resource", () => {
    const json = mutate((j) => (j.output.leak = { value: "${kubernetes_service_v1.elsewhere.metadata[0].name}" }));
    expect(danglingTerraformReferenceProblems(json)).toEqual(["output.leak.value: refers to kubernetes_service_v1.elsewhere, which the stack does not define"]);
    expect(danglingTerraformReferenceProblems(pristine)).toEqual([]);
  });

  it("a policy that opens everything to the world", () => {
    const json = mutate((j) => {
      j.resource.kubernetes_network_policy_v1.open = {
        metadata: { name: "open", namespace: "org-acme" },
        spec: { pod_selector: { match_labels: {} }, policy_types: ["Ingress"], ingress: [{ from: [{ ip_block: { cidr: "0.0.0.0/0" } }] }] },
      };
    });
    const pod = { namespace: "org-acme", labels: { ...example.stacks.tenants[0].server.selector } };
    expect(reachablePorts(json, pod, { ip: "203.0.113.9" })).toEqual(["1-65535/TCP", "1-65535/UDP"]);
  });
});
