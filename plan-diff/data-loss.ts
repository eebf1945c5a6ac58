import type { ResourceChange } from "./diff";
import { claimsText, mailboxesOf } from "./mailboxes";
import type { SynthResource, SynthStack } from "./synth-output";

const namespaceResource = (stack: SynthStack | undefined, namespace: string): SynthResource | undefined =>
  [...(stack?.resources.values() ?? [])].find((r) => r.type === "kubernetes_namespace_v1" && r.body?.metadata?.name === namespace);

/**
 * What in a stack's change would lose mailbox data: the namespace holding a mail server's claims deleted or
 * replaced (Kubernetes deletes the namespace's PVCs, and the storage class's Delete policy their volumes), a
 * removed stack that owns such a namespace, or a server moved to another name or namespace (it starts on new,
 * empty claims; the old ones stay behind). A deleted or replaced StatefulSet alone keeps its claims (retention
 * policy Retain) and is not counted.
 */
export function dataLossOf(name: string, base: SynthStack | undefined, head: SynthStack | undefined, resources: readonly ResourceChange[], plannedRemoval: boolean): string[] {
  const found: string[] = [];
  const volumes = mailboxesOf(base);
  // A completed offboarding is the planned way out: reported among the warnings, not as data loss.
  if (base && !head && plannedRemoval) return [];
  if (base && !head) {
    for (const v of volumes) {
      found.push(
        namespaceResource(base, v.namespace)
          ? `removing stack ${name} deletes namespace ${v.namespace} with the mailboxes (${claimsText(v)}): offboard it first (final backup, retention)`
          : `removing stack ${name} removes the mail server; its mailboxes (${claimsText(v)}) stay behind, unowned: offboard it first (final backup, retention)`,
      );
    }
    return found;
  }
  const action = new Map(resources.map((r) => [r.address, r]));
  for (const v of volumes) {
    const ns = namespaceResource(base, v.namespace);
    const nsChange = ns && action.get(ns.address);
    if (nsChange && (nsChange.action === "delete" || nsChange.action === "replace")) {
      found.push(`${ns!.address} is ${nsChange.action === "delete" ? "DELETED" : "REPLACED"}: Kubernetes deletes the mailboxes with it (${claimsText(v)})`);
      continue;
    }
    const sts = action.get(v.address);
    const moved = sts?.changes.filter((c) => /^(metadata\.(name|namespace)|spec\.volume_claim_template\.[0-9.]*metadata\.[0-9.]*name)$/.test(c.path.replace(/\.0(?=\.|$)/g, ""))) ?? [];
    if (sts?.action === "replace" && moved.length > 0) {
      found.push(`${v.address} moves (${moved.map((c) => c.path).join(", ")}): the server starts on new, empty claims and its mailboxes (${claimsText(v)}) stay behind`);
    }
  }
  return found;
}
