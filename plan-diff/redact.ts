/** Attribute names whose values are secret by nature; a diff shows that they changed, never the values. */
const SENSITIVE_NAME = /^(.*password.*|.*passwd.*|client_secret|token|key_secret|client_key|data_json_wo|data_wo|binary_data_wo|private_key_pem.*|private_key_openssh|set_sensitive|.*\.pem)$/i;
/** Values that look like key material or password hashes, wherever they appear. */
const SECRET_SHAPES = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}/, /\$argon2(id|i|d)\$/];

export const REDACTED = "(redacted)";

/** Whether a changed attribute must be shown redacted: a sensitive name on the path, Secret data, or a secret-looking value. */
export function isSensitive(type: string, path: readonly (string | number)[], ...values: unknown[]): boolean {
  const names = path.filter((p): p is string => typeof p === "string");
  if (type === "kubernetes_secret_v1" && (names[0] === "data" || names[0] === "binary_data")) return true;
  if (names.some((n) => SENSITIVE_NAME.test(n))) return true;
  return values.some((v) => typeof v === "string" && SECRET_SHAPES.some((s) => s.test(v)));
}
