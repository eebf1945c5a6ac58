import { EXTERNAL_SECRETS_ANNOTATION } from "../../constructs/k8s/secret-key-ref";
import { resourcesOf, type Json, type TfJson } from "./terraform-json";

/** The pod-bearing resources we check, and where each keeps its pod template. */
const POD_TEMPLATES: Record<string, (body: Json) => Json> = {
  kubernetes_stateful_set_v1: (b) => b.spec.template,
  kubernetes_deployment_v1: (b) => b.spec.template,
  kubernetes_job_v1: (b) => b.spec.template,
  kubernetes_daemon_set_v1: (b) => b.spec.template,
  kubernetes_cron_job_v1: (b) => b.spec.job_template.spec.template,
};

export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

/** What a pod template says about the pods it makes. */
export interface PodWorkload {
  readonly address: string;
  /** The resource type, e.g. `kubernetes_job_v1`. */
  readonly type: string;
  /** `metadata.name` of the workload object. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the workload object itself (not of its pods). */
  readonly objectLabels: Record<string, string>;
  /** The pod template's spec, as synthesized. */
  readonly podSpec: Json;
  readonly podLabels: Record<string, string>;
  readonly selector?: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly containers: Json[];
  readonly ports: ContainerPort[];
  readonly secretNames: string[];
  readonly configMapNames: string[];
  readonly externalSecrets: string[];
}

export function podWorkloads(json: TfJson): PodWorkload[] {
  const out: PodWorkload[] = [];
  for (const [type, templateOf] of Object.entries(POD_TEMPLATES)) {
    for (const r of resourcesOf(json, type)) {
      const template = templateOf(r.body);
      const spec = template.spec;
      const containers: Json[] = [...(spec.container ?? []), ...(spec.init_container ?? [])];
      const secretNames = new Set<string>();
      const configMapNames = new Set<string>();
      for (const c of containers) {
        for (const e of c.env ?? []) {
          if (e.value_from?.secret_key_ref) secretNames.add(e.value_from.secret_key_ref.name);
          if (e.value_from?.config_map_key_ref) configMapNames.add(e.value_from.config_map_key_ref.name);
        }
        for (const e of c.env_from ?? []) {
          if (e.secret_ref) secretNames.add(e.secret_ref.name);
          if (e.config_map_ref) configMapNames.add(e.config_map_ref.name);
        }
      }
      for (const v of spec.volume ?? []) {
        if (v.secret) secretNames.add(v.secret.secret_name);
        if (v.config_map) configMapNames.add(v.config_map.name);
        for (const s of v.projected?.sources ?? []) {
          for (const sec of s.secret ?? []) secretNames.add(sec.name);
          for (const cm of s.config_map ?? []) configMapNames.add(cm.name);
        }
      }
      const annotations = template.metadata?.annotations ?? {};
      out.push({
        address: r.address,
        type,
        name: r.body.metadata.name,
        namespace: r.body.metadata.namespace,
        objectLabels: r.body.metadata.labels ?? {},
        podSpec: spec,
        podLabels: template.metadata?.labels ?? {},
        selector: r.body.spec.selector?.match_labels,
        annotations,
        containers,
        ports: containers.flatMap((c) => (c.port ?? []).map((p: Json) => ({ name: p.name, port: p.container_port, protocol: p.protocol ?? "TCP" }))),
        secretNames: [...secretNames].sort(),
        configMapNames: [...configMapNames].sort(),
        externalSecrets: (annotations[EXTERNAL_SECRETS_ANNOTATION] ?? "").split(",").filter((s: string) => s !== ""),
      });
    }
  }
  return out;
}

/** matchLabels semantics: every selector label present with the same value (an empty selector matches all). */
export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
