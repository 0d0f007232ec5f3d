import { describe, OptionError, type Issue } from '@linkwire/base';
import { issue } from './fields.ts';

/** Which platform's progress rules apply. */
export type OtaPlatform = 'alibaba' | 'enos';

/**
 * Progress steps: Alibaba 1–100 percent, EnOS 0–100; failures −1 update, −2 download,
 * −3 verification, −4 flashing, and on EnOS also −5.
 */
export function progressStepIssue(step: number, platform: OtaPlatform): string | undefined {
  if (platform !== 'alibaba' && platform !== 'enos') throw new OptionError('platform', 'alibaba or enos', platform);
  if (typeof step !== 'number' || !Number.isInteger(step)) return `step ${describe(step)} is not an integer`;
  const lowest = platform === 'enos' ? -5 : -4;
  const first = platform === 'enos' ? 0 : 1;
  if (step < 0 ? step < lowest : step < first || step > 100) {
    return `step ${step} is outside ${first}..100 and ${lowest}..-1 (${platform})`;
  }
  return undefined;
}

/** Steps travel as strings ("-1"); numbers are accepted too. */
export function readStep(v: unknown, path: string, issues: Issue[], platform: OtaPlatform): number | undefined {
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^-?\d{1,3}$/.test(v)) n = Number(v);
  if (n === undefined) return issue(issues, path, v === undefined ? 'missing_field' : 'invalid_step', 'step must be an integer or an integer string');
  const why = progressStepIssue(n, platform);
  return why === undefined ? n : issue(issues, path, 'invalid_step', why);
}
