/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): the functions with the most self time and the most inclusive
 * time, and self time by owner (the npm package, the project's top folder, node itself, the garbage collector), as
 * seconds and shares of the samples. `node dist/bench/profile-summary.js FILE.cpuprofile [COUNT]`. Owners need the
 * compiled modules (`node dist/app/main.js`), not the bundle, whose code is all one file.
 * For a clean single-threaded profile of synthesis: `SOVEREIGN_MAIL_SYNTH_WORKERS=1 node --cpu-prof
 * --cpu-prof-dir=prof dist/main.js --fleet F --out D` (with workers, each thread writes its own profile).
 */
import { readFileSync } from "node:fs";
import { packageOf } from "./dependency-floor";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export function summarizeProfile(profile: Profile, count: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const sampled = new Map<number, number>();
  profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*node_modules\//, "")}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of sampled) {
    total += micros;
    const key = name(byId.get(id)!);
    self.set(key, (self.get(key) ?? 0) + micros);
    const owner = ownerOf(byId.get(id)!.callFrame);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + micros);
    // A function counts once per sample, however often it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(byId.get(cur)!);
      if (!seen.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + micros);
      seen.add(k);
    }
  }
  const table = (title: string, m: Map<string, number>) => [
    `${title} (of ${(total / 1e6).toFixed(2)} s sampled)`,
    ...[...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([k, t]) => `${(t / 1e6).toFixed(2).padStart(8)} s ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`),
  ];
  return [...table("self time", self), "", ...table("inclusive time", inclusive), "", ...table("self time by owner", byOwner)];
}

/**
 * Who owns a sampled function: its npm package, else the project's top folder (`project: <folder>`), else node's
 * own JavaScript (`node`), else V8's pseudo-frames and built-ins by name (`(garbage collector)`, `(program)`, …).
 */
export function ownerOf(frame: ProfileNode["callFrame"]): string {
  const pkg = packageOf(frame.url);
  if (pkg) return pkg;
  const project = /\/dist\/([^/]+)\//.exec(frame.url);
  if (project) return `project: ${project[1]}`;
  if (frame.url.startsWith("node:")) return "node";
  return frame.url === "" && frame.functionName.startsWith("(") ? frame.functionName : "native built-ins";
}

if (require.main === module) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: node dist/bench/profile-summary.js FILE.cpuprofile [COUNT]\n");
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(count) || 30).join("\n")}\n`);
}
