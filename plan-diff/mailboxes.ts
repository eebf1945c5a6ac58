import type { Json, SynthStack } from "./synth-output";

/** A StatefulSet that keeps data on claims from its volumeClaimTemplates: a mail server and its mailboxes. */
export interface Mailboxes {
  /** The StatefulSet's address. */
  readonly address: string;
  readonly namespace: string;
  /** The claims of its one pod: `<template>-<statefulset>-0`. */
  readonly claims: readonly string[];
}

/** Every mail server of a stack, with the claims that hold its mailboxes. */
export function mailboxesOf(stack: SynthStack | undefined): Mailboxes[] {
  return [...(stack?.resources.values() ?? [])]
    .filter((r) => r.type === "kubernetes_stateful_set_v1")
    .flatMap((r) => {
      const templates = asList(r.body?.spec?.volume_claim_template);
      if (templates.length === 0) return [];
      const name = String(r.body?.metadata?.name);
      return [{ address: r.address, namespace: String(r.body?.metadata?.namespace), claims: templates.map((t: Json) => `${asList(t.metadata)[0]?.name}-${name}-0`) }];
    });
}

/** `namespace/claim, …` of a server's mailboxes. */
export const claimsText = (m: Mailboxes): string => m.claims.map((c) => `${m.namespace}/${c}`).join(", ");

const asList = (v: Json): Json[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
