import { Rotating } from "@cdktf/provider-time/lib/rotating";
import { Fn, Op, TerraformLocal, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { addressOf } from "../terraform/replace-triggered-by";

const EPOCH = "1970-01-01T00:00:00Z";
const EPOCH_DAY_LOCAL = "credential_epoch_day";

/**
 * Days since 1970-01-01 of the plan's date (`plantimestamp()`), as a Terraform expression: the civil-from-days
 * algorithm (proleptic Gregorian calendar, March-based years), because Terraform has no timestamp-to-number
 * function. Exported so tests can evaluate the exact text.
 */
export function epochDayExpression(timestamp = "plantimestamp()"): string {
  const part = (format: string) => `tonumber(formatdate("${format}", ${timestamp}))`;
  const [y, m, d] = [part("YYYY"), part("M"), part("D")];
  // Years start in March so the leap day is the last day of a year.
  const year = `(${y} - (${m} <= 2 ? 1 : 0))`;
  const dayOfYear = `floor((153 * ((${m} + 9) % 12) + 2) / 5) + ${d} - 1`;
  return `365 * ${year} + floor(${year} / 4) - floor(${year} / 100) + floor(${year} / 400) + ${dayOfYear} - 719468`;
}

/** One `local.credential_epoch_day` per stack: every rotation of the stack counts days from the same plan date. */
function epochDay(scope: Construct): number {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(EPOCH_DAY_LOCAL) as TerraformLocal | undefined;
  return (existing ?? new TerraformLocal(stack, EPOCH_DAY_LOCAL, `\${${epochDayExpression()}}`)).asNumber;
}

export interface CredentialRotationProps {
  /** Days between rotations; 0 turns automatic rotation off (the credential changes only when reset). */
  readonly rotationDays: number;
}

/**
 * When a credential rotates. Rotation periods are counted from 1970-01-01, so generation `g` covers the days
 * `[g·N, (g+1)·N)` and every credential with the same period rotates in the same apply. A `time_rotating` holds
 * the current period (its base is the period's first day); the first plan after the period ends replaces it,
 * which replaces the values keyed on it. Like every Terraform rotation, it happens only when Terraform runs:
 * apply at least once per period (a scheduled plan/apply).
 */
export class CredentialRotation extends Construct {
  readonly rotationDays: number;
  /** The `time_rotating` of the current period; undefined when rotation is off. */
  readonly period?: Rotating;
  private readonly generationLocal?: TerraformLocal;

  constructor(scope: Construct, id: string, props: CredentialRotationProps) {
    super(scope, id);
    if (!Number.isInteger(props.rotationDays) || props.rotationDays < 0) throw new Error(`rotationDays must be a whole number ≥ 0 (got ${props.rotationDays})`);
    this.rotationDays = props.rotationDays;
    if (props.rotationDays === 0) return;
    const periodIndex = Fn.floor(Op.div(epochDay(this), props.rotationDays));
    this.period = new Rotating(this, "period", {
      // The period's first day: a later plan date in the same period gives the same value, the next period replaces it.
      rfc3339: Fn.timeadd(EPOCH, Fn.format("%dh", [Op.mul(periodIndex, props.rotationDays * 24)])),
      rotationDays: props.rotationDays,
    });
    // `g` from the period's configured base, never from `unix`: a recreated time_rotating knows `unix` only after
    // apply, and an unknown keeper would replace every slot of a password at once (the previous one included).
    const base = `${addressOf(this.period)}.rfc3339`;
    this.generationLocal = new TerraformLocal(this, "generation", `\${floor((${epochDayExpression(base)}) / ${props.rotationDays})}`);
  }

  /** The generation number `g` (a Terraform number known at plan time), `0` when rotation is off. */
  get generation(): number {
    return this.generationLocal?.asNumber ?? 0;
  }

  /** When the next rotation is due (RFC 3339), for audit metadata; undefined when rotation is off. */
  get nextRotation(): string | undefined {
    return this.period?.rotationRfc3339;
  }
}
