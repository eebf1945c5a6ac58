import { conditional, Fn, Token } from "cdktf";
import type { ConfigPlan } from "../../stalwart/plan";
import { escapeTemplate } from "../terraform/escape";

const PLACEHOLDER = /\{\{terraform:(\d+)\}\}/g;
/** A JSON-valued placeholder with its JSON quotes: the whole `"…"` gives way to `${jsonencode(…)}`. */
const JSON_PLACEHOLDER = /"\{\{terraform-json:(\d+)\}\}"/g;

/** The Terraform expressions behind a plan's placeholders, in placeholder order, then each conditional entry's condition. */
export function terraformExpressionsOf(plan: ConfigPlan): readonly string[] {
  const { values, jsonValues, conditionalEntries } = plan.terraformParts;
  return [...values, ...jsonValues.map((v) => Fn.jsonencode(Token.asAny(v))), ...conditionalEntries.map((c) => Fn.tostring(c.condition))];
}

/** The plan as Terraform text: literal text escaped (`$${`, `%%{`), placeholders replaced by their expressions. */
export function renderForTerraform(plan: ConfigPlan): string {
  const { values, jsonValues, conditionalEntries } = plan.terraformParts;
  const withValues = (text: string) => text.replace(PLACEHOLDER, (_m, i: string) => values[Number(i)]);
  let text = escapeTemplate(plan.render());
  for (const entry of conditionalEntries) {
    const escaped = escapeTemplate(entry.text);
    const at = text.indexOf(escaped);
    if (at < 0 || text.indexOf(escaped, at + 1) >= 0) throw new Error("a conditional list entry must occur exactly once in the plan");
    // A quoted HCL string inside the interpolation: its quotes and backslashes are escaped, references stay.
    const literal = withValues(escaped).replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    text = text.slice(0, at) + Token.asString(conditional(entry.condition, literal, "")) + text.slice(at + escaped.length);
  }
  return withValues(text).replace(JSON_PLACEHOLDER, (_m, i: string) => Token.asString(Fn.jsonencode(Token.asAny(jsonValues[Number(i)]))));
}
