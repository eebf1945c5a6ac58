import fc from "fast-check";
import { escapeTemplate, escapeTemplateValues } from "../constructs/terraform/escape";

/** What Terraform does to a literal JSON string: `$${` → `${`, `%%{` → `%{`; an unescaped `${`/`%{` is a template. */
function terraformLiteral(text: string): string | "template" {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const two = text.slice(i, i + 3);
    if (two === "$${" || two === "%%{") {
      out += `${text[i]}{`;
      i += 2;
    } else if ((text[i] === "$" || text[i] === "%") && text[i + 1] === "{") {
      return "template";
    } else {
      out += text[i];
    }
  }
  return out;
}

describe("escapeTemplate", () => {
  it.each([
    ["%{env:STALWART_DB_PASSWORD}%", "%%{env:STALWART_DB_PASSWORD}%"],
    ["${var.x}", "$${var.x}"],
    ["a $ b % c {d}", "a $ b % c {d}"],
    ["$${already}", "$$${already}"],
  ])("%s → %s", (input, expected) => {
    expect(escapeTemplate(input)).toBe(expected);
  });

  it("round-trips any text through Terraform's literal reading", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("$", "%", "{", "}", "a", "$$", "\\") }), (text) => {
        expect(terraformLiteral(escapeTemplate(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("escapes every value of a map and leaves keys alone", () => {
    expect(escapeTemplateValues({ "a${b}": "x${y}" })).toEqual({ "a${b}": "x$${y}" });
  });
});
