import { Fn, Token } from "cdktf";
import { MAX_TXT_STRING, splitTxt } from "../../dns/records";
import { escapeTemplate } from "../terraform/escape";

/** A literal text followed by a value known only at apply time (`v=DKIM1; …; p=` + key). */
const LITERAL_THEN_TOKEN = /^([^$]*)(\$\{TfToken\[[^\]]+\]\})$/;

/**
 * The ≤ 255-octet character-strings of one TXT value, joined by `" "` (so `"a" "b"` are two strings once quoted).
 * A literal prefix stays one string; a value known only at apply time is split by Terraform.
 */
export function txtStrings(value: string): string {
  if (!Token.isUnresolved(value)) return splitTxt(escapeTemplate(value)).join('" "');
  const m = LITERAL_THEN_TOKEN.exec(value);
  if (!m) throw new Error("a TXT value may hold one apply-time value, at its end");
  const chunks = Fn.join(Fn.rawString('" "'), Fn.regexall(`.{1,${MAX_TXT_STRING}}`, m[2]));
  return m[1] === "" ? chunks : `${splitTxt(escapeTemplate(m[1])).join('" "')}" "${chunks}`;
}
