/**
 * `npm run dns:records -- <stack> [--fleet FILE]`: prints the mail domain's records of a stack as a zone-file
 * fragment a BYO customer can paste into their zone. Records whose values Terraform knows only after apply (the
 * load balancer's addresses, the DKIM keys) are commented lines with placeholders; `terraform output -raw
 * dns_zone_file` in the applied stack prints them filled in.
 */
import { Token } from "cdktf";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { mailStackOrExitCode } from "../app/mail-stack-lookup";
import { pasteableZoneFile, type DnsRecord } from "../dns/records";
import { TOKEN } from "../dns/validate";
import { outDirOf, stackDirOf } from "../app/cli";
import { emptyFlagProblem, runCommand, stackArgumentProblem, terraformBinaryOf } from "../app/command";
import { DNS_ZONE_FILE_OUTPUT } from "../stacks/mail-stack";

const USAGE = "usage: npm run dns:records -- <stack> [--fleet FILE]";

/** The command that prints a stack's records filled in, once the stack is applied. */
export const filledZoneCommand = (terraform: string, outDir: string, stack: string): string[] => [terraform, `-chdir=${stackDirOf(outDir, stack)}`, "output", "-raw", DNS_ZONE_FILE_OUTPUT];

/** What stands in for a value known only after apply: the load balancer's addresses, the DKIM public keys. */
function placeholder(r: DnsRecord, value: string): string | undefined {
  // An address list is one list token; its element is no string token.
  if (!Token.isUnresolved(value) && !Token.isUnresolved(r.values)) return undefined;
  if (r.type === "A") return "<IPv4 address of the mail load balancer>";
  if (r.type === "AAAA") return "<IPv6 address of the mail load balancer>";
  return `"${value.replace(new RegExp(TOKEN.source, "g"), r.purpose.startsWith("dkim") ? "<public key>" : "<value>")}"`;
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
  const stack = mailStackOrExitCode({ problem: usage, text: USAGE }, args.positionals[0], args.values.fleet, err);
  if (typeof stack === "number") return stack;
  const { records, ttl } = stack.mail.dns;
  const filled = filledZoneCommand(terraformBinaryOf(process.env), resolve(outDirOf(process.env)), stack.stackName);
  out(`; Mail DNS records of ${records[0].name} (stack ${stack.stackName}): a zone-file fragment.\n`);
  out("; Commented lines hold values known only after apply; once the stack is applied, this prints them filled in:\n");
  out(`;   ${filled.join(" ")}\n`);
  out(pasteableZoneFile(records, ttl, placeholder));
  return 0;
}

if (require.main === module) runCommand(USAGE, process.argv.slice(2), (argv) => runDnsRecords(argv, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
