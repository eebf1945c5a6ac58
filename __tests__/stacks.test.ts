import { EXTERNAL_SECRETS_ANNOTATION } from "../constructs/k8s/secret-key-ref";
import { LISTENERS } from "../stalwart/listeners";
import {
  danglingReferenceProblems,
  danglingTerraformReferenceProblems,
  secretLiteralProblems,
  serviceSelectorProblems,
  serviceTargetPortProblems,
} from "./helpers/semantic";
import { synthExample, synthFleetYaml } from "./helpers/synth";
import { resourcesOf, type TfJson } from "./helpers/terraform-json";
import { podWorkloads } from "./helpers/workloads";
import { BACKUP_SECRET } from "../constructs/backup/server-backup";

const example = synthExample();
const stackNames = Object.keys(example.json);
const mailStackNames = [...example.stacks.relays, ...example.stacks.tenants].map((s) => s.stackName);

describe("example fleet stacks", () => {
  it("has a kit stack, one relay stack and one stack per tenant, named from the fleet", () => {
    expect(stackNames).toEqual(["fsn1-kit", "fsn1-mail", "fsn1-tenant-acme", "fsn1-tenant-globex"]);
  });

  it.each(stackNames)("%s: every Service selects exactly the workload it fronts", (name) => {
    expect(serviceSelectorProblems(example.json[name])).toEqual([]);
  });

  it.each(stackNames)("%s: every Service target port is a declared container port", (name) => {
    expect(serviceTargetPortProblems(example.json[name])).toEqual([]);
  });

  it.each(stackNames)("%s: every referenced Secret/ConfigMap is created or declared external", (name) => {
    expect(danglingReferenceProblems(example.json[name])).toEqual([]);
  });

  it.each(stackNames)("%s: refers only to what it defines (no cross-stack references)", (name) => {
    expect(danglingTerraformReferenceProblems(example.json[name])).toEqual([]);
  });

  it.each(stackNames)("%s: no literal secret value anywhere", (name) => {
    expect(secretLiteralProblems(example.json[name])).toEqual([]);
  });

  it.each(mailStackNames)("%s: kubernetes provider from the fleet, pinned, with the kubeconfig context only", (name) => {
    const json = example.json[name];
    expect(json.provider.kubernetes).toEqual([{ config_context: "fsn1-admin", config_path: "~/.kube/config" }]);
    expect(json.terraform.required_providers.kubernetes).toEqual({ source: "hashicorp/kubernetes", version: "2.38.0" });
  });

  it.each(stackNames)("%s: requests equal limits on every container", (name) => {
    for (const w of podWorkloads(example.json[name])) {
      for (const c of w.containers) expect(c.resources.requests).toEqual(c.resources.limits);
    }
  });

  it("sizes tenants and the relay from the fleet", () => {
    const sizing = (json: TfJson) => {
      const [sts] = resourcesOf(json, "kubernetes_stateful_set_v1");
      return [sts.body.spec.template.spec.container[0].resources.limits, sts.body.spec.volume_claim_template[0].spec.resources.requests.storage];
    };
    expect(sizing(example.json["fsn1-mail"])).toEqual([{ cpu: "250m", memory: "512Mi" }, "10Gi"]);
    expect(sizing(example.json["fsn1-tenant-acme"])).toEqual([{ cpu: "500m", memory: "1Gi" }, "20Gi"]);
    expect(sizing(example.json["fsn1-tenant-globex"])).toEqual([{ cpu: "1", memory: "2Gi" }, "50Gi"]);
  });

  it("puts the relay in stalwart-sovereign and each tenant in its own namespace", () => {
    const namespaces = (json: TfJson) => [
      ...new Set(
        resourcesOf(json)
          .filter((r) => r.type.startsWith("kubernetes_"))
          .map((r) => (r.body.manifest ?? r.body).metadata)
          .map((m) => m.namespace ?? m.name),
      ),
    ];
    // The relay also writes the consumer contract into catalyst-system.
    expect(namespaces(example.json["fsn1-mail"]).sort()).toEqual(["catalyst-system", "stalwart-sovereign"]);
    expect(namespaces(example.json["fsn1-tenant-acme"])).toEqual(["org-acme"]);
    expect(namespaces(example.json["fsn1-tenant-globex"])).toEqual(["org-globex"]);
  });

  it("reports the mail host and management endpoint as outputs", () => {
    const out = example.json["fsn1-tenant-globex"].output;
    expect(out.mail_host.value).toBe("mail.globex.example.com");
    expect(out.management_endpoint.value).toBe("stalwart-management.org-globex.svc:8080");
    expect(out.mail_load_balancer_addresses.value).toMatch(/^\$\{kubernetes_service_v1\.[^.]+\.status\[0\]\.load_balancer\[0\]\.ingress\[\*\]\.ip\}$/);
  });

  it("generates every credential into OpenBao and lets pods read them only from Secrets that ExternalSecrets render", () => {
    for (const name of mailStackNames) {
      const json = example.json[name];
      // No Secret written by Terraform: every credential class reaches the cluster through External Secrets.
      expect(resourcesOf(json, "kubernetes_secret_v1")).toEqual([]);
      const externalSecrets = resourcesOf(json, "kubernetes_manifest").map((r) => r.body.manifest).filter((m) => m.kind === "ExternalSecret");
      // TLS certificates come from cert-manager; they are not credentials Terraform generates.
      const certificates = resourcesOf(json, "kubernetes_manifest").map((r) => r.body.manifest).filter((m) => m.kind === "Certificate");
      const rendered = new Set([...externalSecrets, ...certificates].map((m) => `${m.metadata.namespace}/${m.spec.target?.name ?? m.spec.secretName}`));
      const workloads = podWorkloads(json);
      // (The apply Job's login is chosen at plan time: the recovery admin's while bootstrapping, then the automation identity's.)
      const choices = (n: string) => /^\$\{.*\? "([^"]+)" : "([^"]+)"\}$/.exec(n)?.slice(1) ?? [n];
      for (const w of workloads) for (const secret of w.secretNames.flatMap(choices)) expect(rendered).toContain(`${w.namespace}/${secret}`);
      expect(workloads.every((w) => w.externalSecrets.length === 0 && w.annotations[EXTERNAL_SECRETS_ANNOTATION] === undefined)).toBe(true);
      // Each ExternalSecret reads a path this stack seeds write-only, below its server's OpenBao folder.
      const seeds = new Map(resourcesOf(json, "vault_kv_secret_v2").map((r) => [r.body.name as string, r.body]));
      const base = `sovereign/omantel.example.org/stalwart/${name === "fsn1-mail" ? "relay" : name.replace("fsn1-tenant-", "")}/`;
      // (#18: the backup credentials are the bucket owner's, at the fleet's path; backup.test.ts covers them.)
      for (const es of externalSecrets.filter((m) => m.metadata.name !== BACKUP_SECRET)) {
        for (const d of es.spec.data as { remoteRef: { key: string } }[]) {
          expect(d.remoteRef.key.startsWith(base)).toBe(true);
          expect(seeds.get(d.remoteRef.key)?.data_json_wo).toBeDefined();
        }
      }
      const tenantAdmin = externalSecrets.find((m) => m.metadata.name === "stalwart-recovery-admin")!;
      expect(tenantAdmin.spec.target.template.data).toMatchObject(
        name === "fsn1-mail"
          ? { STALWART_RECOVERY_ADMIN: "admin:{{ .password }}", username: "admin", password: "{{ .password }}" }
          : { STALWART_RECOVERY_ADMIN: "admin:{{ .ADMIN_PASSWORD }}", username: "admin", password: "{{ .ADMIN_PASSWORD }}" },
      );
      expect(workloads.map((w) => w.secretNames)).toEqual(
        // The server: the bootstrap Secret (recovery admin only while bootstrapping), DKIM, metrics; the apply Job: its login.
        expect.arrayContaining([["stalwart-bootstrap", "stalwart-dkim", "stalwart-metrics"], [expect.stringContaining('"stalwart-automation" : "stalwart-recovery-admin"')]].map((n) => expect.arrayContaining(n))),
      );
    }
  });
});

/** Narrow snapshots: resources and outputs only, so a provider version bump does not churn them. */
describe("snapshots", () => {
  it.each(stackNames)("%s", (name) => {
    const { resource, output } = example.json[name];
    // Every token resolved: an unresolved one would leak its creation stack (machine paths) into the output.
    expect(JSON.stringify(example.json[name])).not.toMatch(/creationStack|TfToken\[/);
    expect({ resource, output }).toMatchSnapshot();
  });
});

describe("upgrades", () => {
  const fleetWithImage = (image: string) => `version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    stalwart: {image: "${image}"}
    tenants:
      - {id: acme, domain: {mode: free-subdomain}}
`;
  const statefulSets = (image: string) => {
    const { json } = synthFleetYaml(fleetWithImage(image));
    return Object.values(json).map((j) => resourcesOf(j, "kubernetes_stateful_set_v1")[0].body.spec);
  };

  it("keeps volumeClaimTemplate labels and the selector unchanged when the image version changes", () => {
    const before = statefulSets("stalwartlabs/stalwart:v0.16.17");
    const after = statefulSets("stalwartlabs/stalwart:v0.16.18");
    expect(after.map((s) => s.template.spec.container[0].image)).toEqual(["stalwartlabs/stalwart:v0.16.18", "stalwartlabs/stalwart:v0.16.18"]);
    expect(after.map((s) => s.volume_claim_template)).toEqual(before.map((s) => s.volume_claim_template));
    expect(after.map((s) => s.selector)).toEqual(before.map((s) => s.selector));
    // The version is visible where it may change: the pod template.
    expect(after[0].template.metadata.labels["app.kubernetes.io/version"]).toBe("v0.16.18");
    expect(before[0].template.metadata.labels["app.kubernetes.io/version"]).toBe("v0.16.17");
  });

  it("exposes exactly the public listeners on the mail LoadBalancer and never 8080", () => {
    const services = resourcesOf(example.json["fsn1-tenant-acme"], "kubernetes_service_v1");
    const lb = services.filter((s) => s.body.spec.type === "LoadBalancer");
    expect(lb).toHaveLength(1);
    const publicPorts = Object.values(LISTENERS).filter((l) => l.exposure === "public").map((l) => l.port).sort((a, b) => a - b);
    expect(lb[0].body.spec.port.map((p: { port: number }) => p.port)).toEqual(publicPorts);
    expect(lb[0].body.spec).toMatchObject({ allocate_load_balancer_node_ports: false, external_traffic_policy: "Local" });
    const portsByName = Object.fromEntries(services.filter((x) => x.body.spec.type !== "LoadBalancer").map((x) => [x.body.metadata.name, x.body.spec.port.map((p: { port: number }) => p.port)]));
    // In-cluster clients (webmail) use the same mail ports through a ClusterIP Service; 8080 stays internal.
    expect(portsByName).toEqual({ "stalwart-headless": [8080], "stalwart-internal": publicPorts, "stalwart-management": [8080], webmail: [8888] });
  });
});

describe("escaping", () => {
  it("escapes template sequences in fleet text that reaches the output", () => {
    const { json } = synthFleetYaml(`version: 1
sovereigns:
  - name: fsn1
    fqdn: omantel.example.org
    cluster: {context: fsn1}
    openbao: {address: "https://bao.example.org"}
    loadBalancer:
      annotations: {example.com/note: "cost \${center} %{if x}"}
`);
    const [lb] = resourcesOf(json["fsn1-mail"], "kubernetes_service_v1").filter((s) => s.body.spec.type === "LoadBalancer");
    expect(lb.body.metadata.annotations["example.com/note"]).toBe("cost $\${center} %%{if x}");
  });
});

describe("ordering inside a stack", () => {
  it.each(mailStackNames)("%s: every resource in a namespace the stack creates waits for that namespace", (name) => {
    const json = example.json[name];
    const created = resourcesOf(json, "kubernetes_namespace_v1").map((r) => [r.body.metadata.name, r.address]);
    for (const [ns, address] of created) {
      const inside = resourcesOf(json)
        .filter((r) => r.type.startsWith("kubernetes_") && r.type !== "kubernetes_namespace_v1")
        .filter((r) => (r.body.manifest ?? r.body).metadata?.namespace === ns);
      expect(inside.length).toBeGreaterThan(5);
      expect(inside.filter((r) => !(r.body.depends_on ?? []).includes(address)).map((r) => r.address)).toEqual([]);
    }
  });
});
