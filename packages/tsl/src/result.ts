import type { TslIssue } from './errors.ts';
import type { Ctx } from './nodes.ts';

/**
 * The outcome of validating one message. `ok` is false when any issue is an error. `value`
 * is present only when the validator changed the input (coerced leaves, dropped unknown
 * identifiers): forward `result.value ?? input`.
 */
export interface TslResult {
  readonly ok: boolean;
  readonly issues: readonly TslIssue[];
  readonly value?: unknown;
}

const NO_ISSUES: readonly TslIssue[] = Object.freeze([]);
/** The one result every valid message shares, so the valid path allocates nothing. */
export const VALID: TslResult = Object.freeze({ ok: true, issues: NO_ISSUES });

export function finish(ctx: Ctx, input: unknown, value: unknown): TslResult {
  const issues = ctx.issues;
  if (issues.length === 0 && value === input) return VALID;
  let ok = true;
  for (const i of issues) if (i.severity === 'error') ok = false;
  return value === input ? { ok, issues } : { ok, issues, value };
}

/**
 * What a batch message needs from the validator of each device it carries. Test functions
 * return the number of entries checked, or -1 when something fails; explain functions report
 * under `path` and return the value to forward.
 */
export interface Internals {
  readonly strict: boolean;
  readonly coerce: boolean;
  pointsTest(v: unknown): number;
  pointsExplain(v: unknown, path: string, ctx: Ctx, skipInvalid: boolean): unknown;
  stampedTest(v: unknown, timeRequired: boolean): number;
  stampedExplain(v: unknown, path: string, ctx: Ctx, timeRequired: boolean): unknown;
  eventsTest(v: unknown, timeRequired: boolean): number;
  eventsExplain(v: unknown, path: string, ctx: Ctx, timeRequired: boolean): unknown;
  attributesTest(v: unknown): boolean;
  attributesExplain(v: unknown, path: string, ctx: Ctx): unknown;
}

// Keyed by the validator object a lookup hands back, so a batch reaches the compiled model of
// each device without the public validator exposing its internals.
export const internalsOf = new WeakMap<object, Internals>();
