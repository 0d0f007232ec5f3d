import { LinkwireError, type Issue } from '@linkwire/base';

/**
 * The progress step the platform expects when an update fails: −1 update failed, −2 download
 * failed, −3 verification failed, −4 flashing failed (both platforms), −5 EnOS-only custom.
 */
export type FailureStep = -1 | -2 | -3 | -4 | -5;

/**
 * Every failure of this package: a malformed message (`issues` says what and where), a
 * firmware image that did not verify (`step` is the progress step to report), a refused
 * resume state, a password that does not decrypt. `offset` is the byte position where a
 * stream failed, or where a byte decoder stopped.
 */
export class OtaError extends LinkwireError {
  readonly step: FailureStep | undefined;
  readonly issues: readonly Issue[];

  constructor(code: string, message: string, extra?: { offset?: number; step?: FailureStep; issues?: readonly Issue[] }) {
    super(code, message, extra?.offset);
    this.step = extra?.step;
    this.issues = extra?.issues ?? [];
  }
}

/** Throws the first issue as an {@link OtaError} carrying all of them. */
export function throwIssues(what: string, issues: readonly Issue[]): never {
  const first = issues[0]!;
  const where = first.path === '' ? '' : ` at ${first.path}`;
  throw new OtaError(first.code, `${what}: ${first.message}${where}`, { issues });
}
