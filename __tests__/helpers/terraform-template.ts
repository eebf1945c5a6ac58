/**
 * Just enough of Terraform's template language to evaluate synthesized strings offline: finds each `${…}`
 * interpolation (nested strings and braces included) and substitutes what `evaluate` returns for it.
 */
export function renderTemplate(text: string, evaluate: (expression: string) => string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      out += text.slice(i + 1, i + 3);
      i += 3;
    } else if (text.startsWith("${", i)) {
      const end = interpolationEnd(text, i + 2);
      out += evaluate(text.slice(i + 2, end).trim());
      i = end + 1;
    } else {
      out += text[i++];
    }
  }
  return out;
}

/** Index of the `}` closing an interpolation whose body starts at `from`. */
function interpolationEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = stringEnd(text, i + 1);
    else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new Error(`unterminated interpolation at ${from}`);
}

/** Index of the `"` closing a quoted string whose body starts at `from` (escapes and nested interpolations skipped). */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text.startsWith("${", i)) i = interpolationEnd(text, i + 2);
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated string at ${from}`);
}

/** `cond ? "a" : "b"` at the top level of an expression: the condition and both branches' string bodies, or undefined. */
export function splitConditional(expression: string): { condition: string; whenTrue: string; whenFalse: string } | undefined {
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '"') i = stringEnd(expression, i + 1);
    else if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
    else if (c === "?" && depth === 0) {
      const rest = expression.slice(i + 1).trim();
      if (!rest.startsWith('"')) return undefined;
      const trueEnd = stringEnd(rest, 1);
      const afterTrue = rest.slice(trueEnd + 1).trim();
      if (!afterTrue.startsWith(":")) return undefined;
      const falsePart = afterTrue.slice(1).trim();
      if (!falsePart.startsWith('"')) return undefined;
      return { condition: expression.slice(0, i).trim(), whenTrue: unquote(rest.slice(1, trueEnd)), whenFalse: unquote(falsePart.slice(1, stringEnd(falsePart, 1))) };
    }
  }
  return undefined;
}

/** The text of a quoted HCL string body: `\"` and `\\` unescaped. */
const unquote = (body: string): string => body.replace(/\\(["\\])/g, "$1");
