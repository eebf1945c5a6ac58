import { Rotating } from "@cdktf/provider-time/lib/rotating";
import { Fn, Op, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { stackSingleton } from "../terraform/address-scope";

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
  return stackSingleton(scope, EPOCH_DAY_LOCAL, (parent) => new TerraformLocal(parent, EPOCH_DAY_LOCAL, `\${${epochDayExpression()}}`)).asNumber;
}

export interface CredentialRotationProps {
  /** Days between rotations; 0 turns automatic rotation off (the credential changes only when reset). */
  readonly rotationDays: number;
}

/**
 * When a credential rotates. Rotation periods are counted from 1970-01-01, so generation `g` covers the days
 * `[g·N, (g+1)·N)` and every credential with the same period rotates in the same apply. `g` comes from the plan's
 * date alone (known at plan, and never from a resource, so the stack's memory can be read before anything else);
 * a `time_rotating` holding the current period records when the next rotation is due. Like every Terraform
 * rotation, it happens only when Terraform runs; what a late apply does is decided from the stack's memory
 * ({@link RotatingPassword}, {@link DkimKeys}), so any gap between applies rotates once.
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
    this.generationLocal = new TerraformLocal(this, "generation", Fn.floor(Op.div(epochDay(this), props.rotationDays)));
    this.period = new Rotating(this, "period", {
      // The period's first day: a later plan date in the same period gives the same value, the next period replaces it.
      rfc3339: Fn.timeadd(EPOCH, Fn.format("%dh", [Op.mul(this.generationLocal.asNumber, props.rotationDays * 24)])),
      rotationDays: props.rotationDays,
    });
  }

  /** The stack's schedule of one credential class (`rotation-<class>`), created where it is first needed. */
  static of(scope: Construct, credential: string, rotationDays: number): CredentialRotation {
    return stackSingleton(scope, `rotation-${credential}`, (parent) => new CredentialRotation(parent, `rotation-${credential}`, { rotationDays }));
  }

  /** The generation number `g` (a Terraform number known at plan time), `0` when rotation is off. */
  get generation(): number {
    return this.generationLocal?.asNumber ?? 0;
  }

  /** `g` as HCL text (`local.<name>`, or `0` when rotation is off), for expressions written out by hand. */
  get generationExpression(): string {
    return this.generationLocal ? `local.${this.generationLocal.friendlyUniqueId}` : "0";
  }

  /** When the next rotation is due (RFC 3339), for audit metadata; undefined when rotation is off. */
  get nextRotation(): string | undefined {
    return this.period?.rotationRfc3339;
  }
}
