/**
 * A progress reporter that paces reports the way the platform expects: steps never go
 * down, at most one report per percentage step and per time interval, and the final
 * success (100) or failure (−1..−5) is always reported, once.
 * @module
 */
import { describe, enumOption, numberOption, OptionError, optionsRecord, type Clock } from '@linkwire/base';
import { OtaError, type FailureStep } from './errors.ts';
import { progressStepIssue, type OtaPlatform } from './progress-step.ts';

/** What to publish: encode it with `encodeProgress` / `encodeEnosProgress`. */
export interface ProgressReport {
  readonly step: number;
  readonly desc?: string;
}

export interface ProgressReporterOptions {
  /** Only `now()` is used. */
  readonly clock: Pick<Clock, 'now'>;
  /** Minimum advance between two reports, in percent. Default 5. */
  readonly everyPercent?: number;
  /** Minimum time between two reports, in ms. Default 1000. */
  readonly minIntervalMs?: number;
  /** Default `alibaba` (steps 1–100); `enos` also allows 0 and −5. */
  readonly platform?: OtaPlatform;
}

export interface ProgressReporter {
  /** The report to send for `percent` now, or undefined when pacing holds it back. */
  progress(percent: number, desc?: string): ProgressReport | undefined;
  /** The final success report (step 100), unless the reporter already finished. */
  succeed(desc?: string): ProgressReport | undefined;
  /** The final failure report, unless the reporter already finished. */
  fail(step: FailureStep, desc: string): ProgressReport | undefined;
  /** True after `succeed` or `fail`. */
  readonly finished: boolean;
  /** The last step sent, if any. */
  readonly lastStep: number | undefined;
}

/**
 * @example
 * ```ts
 * const reporter = createProgressReporter({ clock, everyPercent: 10, minIntervalMs: 2000 });
 * verifier.update(chunk);
 * const r = reporter.progress(verifier.percent!);
 * if (r) publish(topics.progress, encodeProgress({ id: nextId(), ...r }));
 * ```
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const o = optionsRecord('options', options ?? null);
  const clock = o['clock'] as Pick<Clock, 'now'>;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') throw new OptionError('clock', 'an object with now()', clock);
  const everyPercent = numberOption('everyPercent', o['everyPercent'], 5, 1, 100);
  const minIntervalMs = numberOption('minIntervalMs', o['minIntervalMs'], 1000, 0, Number.MAX_VALUE);
  const platform = enumOption('platform', o['platform'], ['alibaba', 'enos'] as const, 'alibaba');
  let last: number | undefined;
  let lastAt = -Infinity;
  let finished = false;
  const floorStep = platform === 'enos' ? 0 : 1;
  const out = (step: number, desc: string | undefined): ProgressReport => (desc === undefined ? { step } : { step, desc });
  return {
    progress(percent, desc) {
      if (finished || !Number.isFinite(percent)) return undefined;
      // 100 is the final report: a download at 100% is not yet verified.
      const step = Math.min(99, Math.max(floorStep, Math.floor(percent)));
      const now = clock.now();
      if (last !== undefined && (step - last < everyPercent || now - lastAt < minIntervalMs)) return undefined;
      last = step;
      lastAt = now;
      return out(step, desc);
    },
    succeed(desc) {
      if (finished) return undefined;
      finished = true;
      last = 100;
      return out(100, desc);
    },
    fail(step, desc) {
      if (finished) return undefined;
      if (progressStepIssue(step, platform) !== undefined || step >= 0) throw new OtaError('invalid_step', `${describe(step)} is not a failure step on ${platform}`);
      finished = true;
      last = step;
      return out(step, desc);
    },
    get finished() {
      return finished;
    },
    get lastStep() {
      return last;
    },
  };
}
