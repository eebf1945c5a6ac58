/**
 * `npm run smtp:resolve -- --source <json> [--target <json>] [--defaults <json>] [--show-secrets]`: resolves the
 * projection Secret from the SMTP precedence contract and prints each key with the input it came from.
 * Each argument is a JSON object of Secret keys (or a path to a file holding one). Secret values are masked
 * unless --show-secrets is given.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PROJECTION_KEYS, resolveProjection, type SecretData } from "../relay/smtp-precedence";
import { emptyFlagProblem, runCommand } from "../app/command";
import { readErrorReason } from "../fleet/errors";

const USAGE = "usage: npm run smtp:resolve -- --source <json|file> [--target <json|file>] [--defaults <json|file>] [--show-secrets]";
const SECRET_KEYS = new Set(["smtp-pass", "kc-sa-client-secret"]);

/** Bad input (exit 1), as opposed to a usage error (exit 2). */
class InputError extends Error {}

function readObject(flag: string, text: string): SecretData {
  // Inline JSON starts with "{"; anything else names a file.
  let raw = text;
  if (!text.trimStart().startsWith("{")) {
    try {
      raw = readFileSync(text, "utf8");
    } catch (err) {
      throw new InputError(`--${flag} ${text}: cannot read the file (${readErrorReason(err)}); give a file or an inline JSON object`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new InputError(`--${flag}: not JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new InputError(`--${flag}: expected a JSON object of Secret keys`);
  for (const [k, v] of Object.entries(parsed)) if (typeof v !== "string") throw new InputError(`--${flag}: value of "${k}" must be a string`);
  return parsed as SecretData;
}

export function runSmtpResolve(argv: readonly string[], out: (t: string) => void, err: (t: string) => void): number {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { source: { type: "string" }, target: { type: "string" }, defaults: { type: "string" }, "show-secrets": { type: "boolean", default: false } },
      strict: true,
    });
    const empty = emptyFlagProblem(values);
    if (empty) throw new Error(empty);
    if (values.source === undefined) throw new Error("--source is required");
    const resolved = resolveProjection(
      readObject("source", values.source),
      values.target !== undefined ? readObject("target", values.target) : undefined,
      values.defaults !== undefined ? readObject("defaults", values.defaults) : undefined,
    );
    const shown = Object.fromEntries(
      PROJECTION_KEYS.map((k) => {
        const { value, origin } = resolved[k];
        const masked = SECRET_KEYS.has(k) && !values["show-secrets"] && value !== "" ? `<${value.length} bytes>` : value;
        return [k, { value: masked, from: origin }];
      }),
    );
    out(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      err(`error: ${e.message}\n`);
      return 1;
    }
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runSmtpResolve(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
