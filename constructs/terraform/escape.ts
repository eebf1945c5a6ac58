/**
 * Terraform reads every string in JSON configuration as a template: `${…}` interpolates and `%{…}` is a
 * directive (Stalwart's own `%{env:X}%` macros fail with "Invalid template control keyword"). cdktf does not
 * escape literal text, so everything that is text rather than a Terraform expression goes through here.
 */
export function escapeTemplate(literal: string): string {
  // cdktf's own token markers (`${TfToken[TOKEN.n]}`) are references it resolves later, not literal text.
  return literal.replace(/([$%])\{(?!TfToken\[TOKEN\.\d+\]\})/g, "$1$1{");
}

/** Escapes every value of a string map (ConfigMap data, annotations). Keys are checked by their own schemas. */
export function escapeTemplateValues(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, escapeTemplate(v)]));
}
