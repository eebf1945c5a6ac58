// Minimal typings for the SPF and DMARC record parsers used to check rendered records round-trip.
declare module "spf-parse" {
  interface Mechanism {
    prefix: string;
    type: string;
    value?: string;
  }
  function parse(record: string): { mechanisms: Mechanism[]; valid: boolean; messages?: { message: string; type: string }[] };
  export = parse;
}

declare module "dmarc-parse" {
  function parse(record: string): { tags?: Record<string, { value: string }>; messages?: string[] };
  export = parse;
}
