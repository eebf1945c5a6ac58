import { claimsText, mailboxesOf } from "./mailboxes";
import type { Json, SynthStack } from "./synth-output";

/** The stack output a mail stack carries while it is offboarding (see `MailStack`). */
export const OFFBOARDING_OUTPUT = "offboarding";

/** What an offboarding stack recorded: its final backup and the last day it must stay. */
export interface OffboardingRecord {
  readonly finalBackup: string;
  readonly retainUntil: string;
}

export function offboardingOf(stack: SynthStack): OffboardingRecord | undefined {
  const value: Json = stack.resources.get(`output.${OFFBOARDING_OUTPUT}`)?.body?.value;
  return value && typeof value.final_backup === "string" && typeof value.retain_until === "string" ? { finalBackup: value.final_backup, retainUntil: value.retain_until } : undefined;
}

/** Today in UTC, `YYYY-MM-DD`: what `retainUntil` is compared with. */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/**
 * Why a stack that holds mailboxes may not leave the fleet yet, or undefined when it may: it never went through
 * offboarding (no final backup, no retention), or its retention runs past `today`. Stacks without a mail server
 * (a kit) may always go.
 */
export function removalProblem(stack: SynthStack, today: string): string | undefined {
  const servers = mailboxesOf(stack);
  if (servers.length === 0) return undefined;
  const claims = servers.map(claimsText);
  const record = offboardingOf(stack);
  if (!record) {
    return `stack ${stack.name} holds mailboxes (${claims.join(", ")}) and was never offboarded: set its tenant's (or Sovereign's) offboarding: {finalBackup, retainUntil}, apply that, and remove the entry after retainUntil`;
  }
  if (record.retainUntil >= today) {
    return `stack ${stack.name} is offboarding until ${record.retainUntil} (final backup ${record.finalBackup}): keep its entry in the fleet until the day after`;
  }
  return undefined;
}
