import ipaddr from "ipaddr.js";
import type { Flow } from "../../constructs/network/connections";
import type { PolicyPeer, Workload } from "../../constructs/network/peer";
import { egressAllowed, ingressAllowed, type Endpoint, type PodRef } from "./network-policy-eval";
import { isTerraformExpression, resourcesOf, stringLeaves, type TfJson } from "./terraform-json";
import { labelsMatch, podWorkloads } from "./workloads";

/**
 * Reusable checks over synthesized stacks that catch real outages. Each returns a list of problems
 * (empty = fine), so a failing test prints every problem at once.
 */

/** Every Service selects the pods of exactly one workload, and a non-empty set of them. */
export function serviceSelectorProblems(json: TfJson): string[] {
  const workloads = podWorkloads(json);
  return resourcesOf(json, "kubernetes_service_v1").flatMap((svc) => {
    const selector = svc.body.spec.selector;
    if (!selector || Object.keys(selector).length === 0) return [`${svc.address}: no selector`];
    const ns = svc.body.metadata.namespace;
    const selected = workloads.filter((w) => w.namespace === ns && labelsMatch(selector, w.podLabels));
    if (selected.length !== 1) return [`${svc.address}: selects ${selected.length} workloads (${selected.map((w) => w.address).join(", ") || "none"})`];
    return [];
  });
}

/** Every Service target port is a container port declared by the workload it selects (by name or number). */
export function serviceTargetPortProblems(json: TfJson): string[] {
  const workloads = podWorkloads(json);
  return resourcesOf(json, "kubernetes_service_v1").flatMap((svc) => {
    const ns = svc.body.metadata.namespace;
    const target = workloads.find((w) => w.namespace === ns && labelsMatch(svc.body.spec.selector ?? {}, w.podLabels));
    if (!target) return [];
    return (svc.body.spec.port ?? []).flatMap((p: { port: number; target_port?: string; protocol?: string }) => {
      const t = p.target_port ?? String(p.port);
      const ok = target.ports.some((cp) => (cp.name === t || String(cp.port) === t) && cp.protocol === (p.protocol ?? "TCP"));
      return ok ? [] : [`${svc.address}: port ${p.port} targets "${t}", which ${target.address} does not declare`];
    });
  });
}

/** Every Secret and ConfigMap a pod reads is created in the stack or declared external on the pod template. */
/** A name Terraform chooses at plan time (`${cond ? "a" : "b"}`): each name it can be; a plain name: itself. */
const alternatives = (name: string): string[] => {
  const choice = /^\$\{.*\? "([^"]+)" : "([^"]+)"\}$/.exec(name);
  return choice ? [choice[1], choice[2]] : [name];
};

export function danglingReferenceProblems(json: TfJson): string[] {
  const created = (type: string) =>
    new Set(resourcesOf(json, type).map((r) => `${r.body.metadata.namespace}/${r.body.metadata.name}`));
  const secrets = created("kubernetes_secret_v1");
  for (const m of resourcesOf(json, "kubernetes_manifest")) {
    const manifest = m.body.manifest;
    // Secrets that operators create: ESO from an ExternalSecret, cert-manager from a Certificate.
    if (manifest.kind === "ExternalSecret") secrets.add(`${manifest.metadata.namespace}/${manifest.spec.target?.name ?? manifest.metadata.name}`);
    if (manifest.kind === "Certificate") secrets.add(`${manifest.metadata.namespace}/${manifest.spec.secretName}`);
  }
  const configMaps = created("kubernetes_config_map_v1");
  return podWorkloads(json).flatMap((w) => [
    ...w.secretNames
      .flatMap(alternatives)
      .filter((n) => !secrets.has(`${w.namespace}/${n}`) && !w.externalSecrets.includes(n))
      .map((n) => `${w.address}: Secret ${w.namespace}/${n} is neither created in the stack nor declared external`),
    ...w.configMapNames
      .filter((n) => !configMaps.has(`${w.namespace}/${n}`))
      .map((n) => `${w.address}: ConfigMap ${w.namespace}/${n} is not created in the stack`),
    ...w.externalSecrets
      .filter((n) => secrets.has(`${w.namespace}/${n}`))
      .map((n) => `${w.address}: Secret ${n} is declared external but created in the stack`),
  ]);
}

/** Names of env vars and Secret keys that carry secret values (usernames, hosts and ports are not secret). */
const SECRET_NAME = /(PASS|SECRET|TOKEN|PRIVATE|CREDENTIAL|RECOVERY_ADMIN|API_?KEY|tls\.key|KEY$)/i;
const SECRET_SHAPES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "PEM private key"],
  [/\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}/, "bcrypt hash"],
  [/\$argon2(id|i|d)\$/, "argon2 hash"],
  [/^[A-Za-z0-9._%+-]+:(?!\/\/)[^\s:${}/]{12,}$/, "user:password pair"],
];
const SENSITIVE_PROVIDER_KEYS = ["token", "password", "client_key", "client_certificate", "cluster_ca_certificate", "exec"];

/**
 * No literal secret value: secret-named env vars come from references, secret-named Secret keys hold Terraform expressions,
 * providers carry no credentials, and no string anywhere looks like key material or a password hash.
 */
export function secretLiteralProblems(json: TfJson): string[] {
  const problems: string[] = [];
  for (const w of podWorkloads(json)) {
    for (const c of w.containers) {
      for (const e of c.env ?? []) {
        if (SECRET_NAME.test(e.name) && e.value !== undefined) problems.push(`${w.address}: env ${e.name} has a literal value`);
      }
    }
  }
  for (const s of resourcesOf(json, "kubernetes_secret_v1")) {
    for (const [k, v] of Object.entries({ ...(s.body.data ?? {}), ...(s.body.binary_data ?? {}) })) {
      if (SECRET_NAME.test(k) && (typeof v !== "string" || !isTerraformExpression(v))) problems.push(`${s.address}: data.${k} is a literal`);
    }
  }
  for (const [name, configs] of Object.entries(json.provider ?? {})) {
    for (const cfg of configs as Record<string, unknown>[]) {
      // The helm provider nests its cluster access in a `kubernetes` object.
      for (const [where, block] of [[name, cfg], [`${name}.kubernetes`, cfg.kubernetes ?? {}]] as [string, Record<string, unknown>][]) {
        for (const key of SENSITIVE_PROVIDER_KEYS) if (block[key] !== undefined) problems.push(`provider ${where}: ${key} is set in the configuration`);
      }
    }
  }
  for (const leaf of stringLeaves(json)) {
    for (const [shape, what] of SECRET_SHAPES) if (shape.test(leaf.value)) problems.push(`${leaf.path}: looks like a ${what}`);
  }
  return problems;
}

/** Sample addresses to stand for an ipBlock: documentation ranges first, then private ones. */
const SAMPLE_ADDRESSES = ["198.51.100.7", "203.0.113.9", "2001:db8::7", "10.1.2.3", "172.16.5.4", "192.168.1.1", "fd00::1"];

function sampleEndpoints(entry: PolicyPeer, ownNamespace: string): Endpoint[] {
  if ("ipBlock" in entry) {
    const inside = (ip: string, cidr: string) => {
      const a = ipaddr.parse(ip);
      const r = ipaddr.parseCIDR(cidr);
      return a.kind() === r[0].kind() && a.match(r);
    };
    const ip = SAMPLE_ADDRESSES.find((a) => inside(a, entry.ipBlock.cidr) && !entry.ipBlock.except.some((x) => inside(a, x)));
    if (!ip) throw new Error(`no sample address for ${entry.ipBlock.cidr}`);
    return [{ ip }];
  }
  return [{ pod: { namespace: entry.namespace ?? ownNamespace, labels: { ...entry.podLabels } } }];
}

const describe = (e: Endpoint) => ("ip" in e ? e.ip : `pod ${e.pod.namespace}/${JSON.stringify(e.pod.labels)}`);

/** Every registered flow is admitted by the synthesized policies, for every peer entry and port. */
export function unallowedFlowProblems(json: TfJson, workload: Workload, flows: readonly Flow[]): string[] {
  const pod: PodRef = { namespace: workload.namespace, labels: { ...workload.selector } };
  const problems: string[] = [];
  for (const flow of flows) {
    for (const entry of flow.peer.entries) {
      for (const endpoint of sampleEndpoints(entry, workload.namespace)) {
        for (const port of flow.ports) {
          const c = { port: port.port, protocol: port.protocol };
          const ok = flow.direction === "ingress" ? ingressAllowed(json, pod, endpoint, c) : egressAllowed(json, pod, endpoint, c);
          if (!ok) problems.push(`${workload.name}: ${flow.direction} flow "${flow.purpose}" (${flow.peer.description} as ${describe(endpoint)}, ${port}) is blocked`);
        }
      }
    }
  }
  return problems;
}

/**
 * Port ranges on which `from` may reach the pod, over every TCP and UDP port. Exact and fast: whether a port is
 * admitted can only change at a port some policy rule names, so one probe per segment between those decides it.
 */
export function reachablePorts(json: TfJson, pod: PodRef, from: Endpoint): string[] {
  const breaks = new Set<number>([1, 65536]);
  for (const policy of resourcesOf(json, "kubernetes_network_policy_v1")) {
    for (const rule of policy.body.spec.ingress ?? []) {
      for (const p of rule.ports ?? []) {
        if (p.port === undefined) continue;
        breaks.add(Number(p.port));
        breaks.add((p.end_port ?? Number(p.port)) + 1);
      }
    }
  }
  const points = [...breaks].sort((a, b) => a - b);
  const open: string[] = [];
  for (const protocol of ["TCP", "UDP"] as const) {
    let runStart: number | undefined;
    for (let i = 0; i < points.length; i++) {
      const isOpen = i < points.length - 1 && ingressAllowed(json, pod, from, { port: points[i], protocol });
      if (isOpen && runStart === undefined) runStart = points[i];
      if (!isOpen && runStart !== undefined) {
        const end = points[i] - 1;
        open.push(`${runStart === end ? runStart : `${runStart}-${end}`}/${protocol}`);
        runStart = undefined;
      }
    }
  }
  return open;
}

/**
 * Every Terraform reference (`${type.name…}`, `${data.type.name…}`, `${local.name}`) points at something the
 * stack itself defines: stacks never reference each other.
 */
export function danglingTerraformReferenceProblems(json: TfJson): string[] {
  const defined = new Set<string>([
    ...resourcesOf(json).map((r) => r.address),
    ...Object.entries((json.data ?? {}) as Record<string, Record<string, unknown>>).flatMap(([t, byName]) => Object.keys(byName).map((n) => `data.${t}.${n}`)),
    ...Object.keys(json.locals ?? {}).map((n) => `local.${n}`),
  ]);
  const problems = new Set<string>();
  for (const leaf of stringLeaves(json)) {
    for (const m of leaf.value.matchAll(/\b((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+)(?=[.[\s,)}]|$)/g)) {
      const address = m[1];
      const [first] = address.split(".");
      const isReference = first === "data" || first === "local" || /^(kubernetes|random|tls|vault|dns|hcloud|helm)_/.test(first);
      if (isReference && isTerraformExpression(leaf.value) && !defined.has(address)) problems.add(`${leaf.path}: refers to ${address}, which the stack does not define`);
    }
  }
  return [...problems];
}
