/** DNS records of one mail domain, as data: published by Terraform, printed for BYO customers, validated at synth. */

export type RecordType = "MX" | "A" | "AAAA" | "TXT" | "CNAME";

export interface DnsRecord {
  readonly type: RecordType;
  /** Fully qualified owner name, without the trailing dot. */
  readonly name: string;
  /** MX: `<priority> <host>`; TXT: the text (split into ≤ 255-octet strings when published); A/AAAA: one address each. */
  readonly values: readonly string[];
  /** What the record is for (`spf`, `dkim-ed25519`, …), for messages and reports. */
  readonly purpose: string;
}

export const MAX_TXT_STRING = 255;

/** Splits text into the ≤ 255-octet character-strings of one TXT record (receivers concatenate them). */
export function splitTxt(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length === 0) return [""];
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += MAX_TXT_STRING) parts.push(bytes.subarray(i, i + MAX_TXT_STRING).toString("utf8"));
  return parts;
}

/** A TXT value in zone-file form: quoted character-strings separated by spaces. */
export function zoneTxt(text: string): string {
  return splitTxt(text)
    .map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(" ");
}

/**
 * A zone-file snippet for the records (owner names absolute, with trailing dots). `txtRdata` renders a TXT value
 * (the default splits known text; a caller can render values known only later differently).
 */
export function zoneFile(records: readonly DnsRecord[], ttl: number, txtRdata: (value: string) => string = zoneTxt): string {
  const lines = records.flatMap((r) =>
    r.values.map((v) => {
      const rdata = r.type === "TXT" ? txtRdata(v) : r.type === "MX" || r.type === "CNAME" ? v.replace(/([^.])$/, "$1.") : v;
      return `${r.name}.\t${ttl}\tIN\t${r.type}\t${rdata}`;
    }),
  );
  return `${lines.join("\n")}\n`;
}

/**
 * A zone-file fragment that pastes into a zone as is: a record whose value is known only after apply stays in it
 * as a comment, with `placeholder`'s text in place of the value.
 */
export function pasteableZoneFile(records: readonly DnsRecord[], ttl: number, placeholder: (r: DnsRecord, value: string) => string | undefined): string {
  const lines = records.flatMap((r) =>
    r.values.map((v) => {
      const unknown = placeholder(r, v);
      return unknown === undefined ? zoneFile([{ ...r, values: [v] }], ttl).trimEnd() : `; ${r.name}.\t${ttl}\tIN\t${r.type}\t${unknown}`;
    }),
  );
  return `${lines.join("\n")}\n`;
}
