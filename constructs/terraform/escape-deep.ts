import { escapeTemplate } from "./escape";

/** {@link escapeTemplate} over every string of a JSON value (keys and values), for free-form manifests. */
export function escapeTemplateDeep<T>(value: T): T {
  if (typeof value === "string") return escapeTemplate(value) as T;
  if (Array.isArray(value)) return value.map(escapeTemplateDeep) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeTemplate(k), escapeTemplateDeep(v)])) as T;
  }
  return value;
}
