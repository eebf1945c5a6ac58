import { Testing } from "cdktf";
import { Connections } from "../constructs/network/connections";
import { Peer } from "../constructs/network/peer";
import { Port } from "../constructs/network/port";
import { egressAllowed, ingressAllowed, podToPodAllowed, type PodRef } from "./helpers/network-policy-eval";
import { reachablePorts, unallowedFlowProblems } from "./helpers/semantic";
import { oneSovereignYaml, synthExample, synthFleetYaml } from "./helpers/synth";

const example = synthExample();
const servers = [...example.stacks.relays, ...example.stacks.tenants].map((s) => ({ name: s.stackName, server: s.server, json: example.json[s.stackName] }));

describe.each(servers)("$name: Stalwart NetworkPolicies", ({ name, server, json }) => {
  const pod: PodRef = { namespace: server.namespace, labels: { ...server.selector, "app.kubernetes.io/version": "v0.16.18" } };

  const isRelay = name === "fsn1-mail";
  const hasBackups = example.fleet.sovereigns[0].platform.backup !== undefined;

  it("allows every registered flow", () => {
    expect(server.connections.flows.map((f) => `${f.direction}/${f.purpose}`)).toEqual([
      "ingress/mail-clients",
      "ingress/management-alloy",
      "egress/dns",
      "egress/outbound-smtp",
      // #18: the example Sovereign backs its servers up to object storage.
      "egress/object-storage",
      "ingress/management-from-stalwart-apply",
      ...(isRelay ? ["ingress/submission-catalyst-system"] : ["egress/keycloak-oidc", "ingress/mail-from-webmail"]),
    ]);
    expect(unallowedFlowProblems(json, server, server.connections.flows)).toEqual([]);
  });

  it("lets the world reach the mail ports and nothing else", () => {
    // The relay only sends: inbound SMTP and its one submission port.
    const mailPorts = isRelay ? ["25/TCP", "465/TCP"] : ["25/TCP", "143/TCP", "443/TCP", "465/TCP", "587/TCP", "993/TCP", "4190/TCP"];
    expect(reachablePorts(json, pod, { ip: "203.0.113.9" })).toEqual(mailPorts);
    expect(reachablePorts(json, pod, { ip: "2001:db8::9" })).toEqual(mailPorts);
  });

  it("admits the management listener only from the named clients", () => {
    // The kit's Alloy, the scraper of monitoring.scraper.
    const alloy = { namespace: "alloy", labels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy" } };
    expect(ingressAllowed(json, pod, { pod: alloy }, { port: 8080 })).toBe(true);
    expect(ingressAllowed(json, pod, { pod: { namespace: "alloy", labels: { "app.kubernetes.io/name": "grafana" } } }, { port: 8080 })).toBe(false);
    expect(ingressAllowed(json, pod, { pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "alloy" } } }, { port: 8080 })).toBe(false);
    expect(ingressAllowed(json, pod, { pod: { namespace: "default", labels: {} } }, { port: 8080 })).toBe(false);
    expect(ingressAllowed(json, pod, { ip: "203.0.113.9" }, { port: 8080 })).toBe(false);
  });

  it("sends SMTP to the public internet only, and resolves names through cluster DNS only", () => {
    for (const port of [25, 465, 587]) {
      expect(egressAllowed(json, pod, { ip: "198.51.100.7" }, { port })).toBe(true);
      expect(egressAllowed(json, pod, { ip: "2001:db8::7" }, { port })).toBe(true);
      for (const ip of ["10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "fd00::1"]) {
        expect(egressAllowed(json, pod, { ip }, { port })).toBe(false);
      }
    }
    // Tenants fetch their realm's OIDC discovery and keys over HTTPS; the relay needs HTTPS only for its backups.
    expect(egressAllowed(json, pod, { ip: "198.51.100.7" }, { port: 443 })).toBe(!isRelay || hasBackups);
    expect(egressAllowed(json, pod, { ip: "10.0.0.1" }, { port: 443 })).toBe(false);
    expect(egressAllowed(json, pod, { ip: "198.51.100.7" }, { port: 53, protocol: "UDP" })).toBe(false);
    const kubeDns = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
    expect(egressAllowed(json, pod, { pod: kubeDns }, { port: 53, protocol: "UDP" })).toBe(true);
    expect(egressAllowed(json, pod, { pod: kubeDns }, { port: 53, protocol: "TCP" })).toBe(true);
  });
});

describe.each([...example.stacks.relays, ...example.stacks.tenants].map((s) => ({ name: s.stackName, stack: s })))(
  "$name: configuration apply Job flows",
  ({ name, stack }) => {
    const json = example.json[name];
    const job = stack.mail.applyJob;
    const jobPod: PodRef = { namespace: job.namespace, labels: { ...job.selector } };
    const serverPod: PodRef = { namespace: stack.server.namespace, labels: { ...stack.server.selector } };

    it("registers exactly management and DNS egress, and both are admitted", () => {
      expect(job.connections.flows.map((f) => `${f.direction}/${f.purpose}`)).toEqual(["egress/management", "egress/dns"]);
      expect(unallowedFlowProblems(json, job, job.connections.flows)).toEqual([]);
    });

    it("reaches the server's management port and nothing else", () => {
      expect(podToPodAllowed(json, jobPod, serverPod, { port: 8080 })).toBe(true);
      for (const port of [25, 443, 465, 587, 993]) expect(podToPodAllowed(json, jobPod, serverPod, { port })).toBe(false);
      expect(egressAllowed(json, jobPod, { ip: "198.51.100.7" }, { port: 443 })).toBe(false);
      expect(reachablePorts(json, jobPod, { ip: "203.0.113.9" })).toEqual([]);
    });
  },
);

describe("client flows", () => {
  it("admits relay and management clients with 63-character namespaces, several per namespace, each by its own policy", () => {
    const ns = "n".repeat(63);
    const { stacks, json } = synthFleetYaml(
      oneSovereignYaml(`    relay:
      clients:
        - {namespace: ${ns}}
        - {namespace: ${ns}, podLabels: {app: second}}
        - {namespace: catalyst-system}
    managementClients:
      - {namespace: ${ns}}
      - {namespace: ${ns}, podLabels: {app: second}}
`),
    );
    const server = stacks.relays[0].server;
    const clients = server.connections.flows.filter((f) => /^(submission|management)-(n|catalyst)/.test(f.purpose));
    expect(clients).toHaveLength(5);
    const names = new Set(clients.map((f) => `${f.direction}-${f.purpose}`));
    expect(names.size).toBe(5);
    for (const f of clients) expect(f.purpose.length).toBeLessThanOrEqual(42);
    expect(clients.map((f) => f.purpose)).toContain("submission-catalyst-system");
    expect(unallowedFlowProblems(json["fsn1-mail"], server, server.connections.flows)).toEqual([]);
    const second: PodRef = { namespace: ns, labels: { app: "second" } };
    const pod: PodRef = { namespace: server.namespace, labels: { ...server.selector, "app.kubernetes.io/version": "v0.16.18" } };
    expect(reachablePorts(json["fsn1-mail"], pod, { pod: second })).toEqual(["465/TCP", "8080/TCP"]);
  });
});

describe("Connections intent API", () => {
  const synthPair = () => {
    let flows: { a: Connections; b: Connections } | undefined;
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const server = { name: "server", namespace: "ns", selector: { app: "server" } } as { name: string; namespace: string; selector: Record<string, string>; connections?: Connections };
        server.connections = new Connections(scope, "server", { workload: server });
        const job = { name: "job", namespace: "ns", selector: { app: "job" } };
        const jobConnections = new Connections(scope, "job", { workload: job });
        jobConnections.allowTo(Peer.workload(server), [Port.tcp(8080)], "management");
        flows = { a: server.connections, b: jobConnections };
      }),
    );
    return { json, flows: flows! };
  };

  it("opens both ends of a flow between two isolated workloads", () => {
    const { json, flows } = synthPair();
    const job = { namespace: "ns", labels: { app: "job" } };
    const server = { namespace: "ns", labels: { app: "server" } };
    expect(podToPodAllowed(json, job, server, { port: 8080 })).toBe(true);
    expect(podToPodAllowed(json, job, server, { port: 8081 })).toBe(false);
    expect(podToPodAllowed(json, server, job, { port: 8080 })).toBe(false);
    expect(flows.b.flows.map((f) => `${f.direction}/${f.purpose}`)).toEqual(["egress/management"]);
    expect(flows.a.flows.map((f) => `${f.direction}/${f.purpose}`)).toEqual(["ingress/management-from-job"]);
  });

  it("isolates a workload as soon as it has connections", () => {
    const { json } = synthPair();
    expect(ingressAllowed(json, { namespace: "ns", labels: { app: "server" } }, { ip: "203.0.113.1" }, { port: 25 })).toBe(false);
    expect(egressAllowed(json, { namespace: "ns", labels: { app: "server" } }, { ip: "203.0.113.1" }, { port: 25 })).toBe(false);
    // Pods the policies do not select stay unaffected.
    expect(ingressAllowed(json, { namespace: "ns", labels: { app: "other" } }, { ip: "203.0.113.1" }, { port: 25 })).toBe(true);
  });

  it("rejects duplicate flows, empty port lists and unreadable purposes", () => {
    Testing.synthScope((scope) => {
      const c = new Connections(scope, "c", { workload: { name: "w", namespace: "ns", selector: { app: "w" } } });
      c.allowFrom(Peer.anyAddress(), [Port.tcp(25)], "smtp");
      expect(() => c.allowFrom(Peer.anyAddress(), [Port.tcp(26)], "smtp")).toThrow(/registered twice/);
      expect(() => c.allowFrom(Peer.anyAddress(), [], "none")).toThrow(/names no port/);
      expect(() => c.allowFrom(Peer.anyAddress(), [Port.tcp(25)], "Not Kebab")).toThrow(/kebab-case/);
    });
  });
});
