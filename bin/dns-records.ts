/**
 * `npm run dns:records -- <stack> [--fleet FILE]`: prints the mail domain's records of a stack as a zone-file
 * snippet, for a BYO customer to publish. Values Terraform knows only after apply (the load balancer's addresses,
 * the DKIM keys) are shown as placeholders; `terraform output -raw dns_zone_file` in the stack prints them filled.
 */
import { Testing } from "cdktf";
import { parseArgs } from "node:util";
import { findMailStack } from "../app/mail-stack-lookup";
import { emptyFlagProblem, runCommand, stackArgumentProblem } from "../app/command";

const USAGE = "usage: npm run dns:records -- <stack> [--fleet FILE]";

/** Replaces each Terraform expression (`${…}`, nested braces included) with a placeholder naming what fills it. */
export function withPlaceholders(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{" && text[i - 1] !== "$") {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      const expr = text.slice(i + 2, j);
      out += /tls_private_key/.test(expr) ? "<DKIM public key, known after apply>" : /load_balancer/.test(expr) ? "<mail load balancer addresses, known after apply>" : "<known after apply>";
      i = j;
    } else {
      out += text[i];
    }
  }
  return out;
}

export function runDnsRecords(argv: readonly string[], out: (t: string) => void, err: (t: string) => void): number {
  let args;
  try {
    args = parseArgs({ args: [...argv], allowPositionals: true, options: { fleet: { type: "string" } } });
  } catch (e) {
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const usage = emptyFlagProblem(args.values) ?? stackArgumentProblem(args.positionals);
  if (usage) {
    err(`error: ${usage}\n${USAGE}\n`);
    return 2;
  }
  const stack = findMailStack(args.positionals[0], args.values.fleet);
  if (typeof stack === "string") {
    err(`${stack}\n`);
    return 1;
  }
  const json = JSON.parse(Testing.synth(stack));
  const output = json.output.dns_zone_file.value as string;
  // The output refers to a local that holds the snippet.
  const local = /^\$\{local\.([^}]+)\}$/.exec(output);
  const zone = (local ? json.locals[local[1]] : output) as string;
  out(`; ${stack.stackName}: records of ${stack.mail.dns.records[0].name}\n`);
  out(`; after apply: terraform -chdir=cdktf.out/stacks/${stack.stackName} output -raw dns_zone_file\n`);
  out(withPlaceholders(zone));
  return 0;
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runDnsRecords(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
