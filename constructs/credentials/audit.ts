/** Annotations (on the Secret) and OpenBao custom metadata keys of the audit trail: when, by which stack, what. */
export const AUDIT = {
  generatedAt: "sovereign-mail.openova.io/generated-at",
  generatedBy: "sovereign-mail.openova.io/generated-by",
  credential: "sovereign-mail.openova.io/credential",
  nextRotation: "sovereign-mail.openova.io/next-rotation",
} as const;

/** Key of every projected Secret that says which generation it carries (the server's start gate compares it). */
export const VERSION_KEY = "version";

/** What the audit trail records of a generated credential; never its value. */
export interface AuditRecord {
  /** When the current value was generated (RFC 3339, a Terraform expression). */
  readonly generatedAt: string;
  /** The stack that generated it. */
  readonly stackName: string;
  /** Its credential class (`admin`, `submission`, …, `dkim`). */
  readonly credential: string;
  /** When the next automatic rotation is due. @default none (not rotated automatically) */
  readonly nextRotation?: string;
}

/** The record as annotations / OpenBao custom metadata. */
export function auditMetadata(record: AuditRecord): Record<string, string> {
  return {
    [AUDIT.generatedAt]: record.generatedAt,
    [AUDIT.generatedBy]: record.stackName,
    [AUDIT.credential]: record.credential,
    ...(record.nextRotation ? { [AUDIT.nextRotation]: record.nextRotation } : {}),
  };
}
