/**
 * The hostile-input test every package runs (`packages/<pkg>/test/hostile.test.ts`): its fuzz
 * entries in a worker with each case's time bounded, only typed errors may escape, and every
 * function the package exports must have an entry (a new export without one fails here).
 */
import { LinkwireError } from '@linkwire/base';
import { expect, it } from 'vitest';
import { numRuns } from '../fast-check.ts';
import { failures, fuzzPackage } from './host.ts';

export function hostileSuite(pkg: string, exports: Record<string, unknown>, names: readonly string[], options: { readonly runs?: number; readonly notEntryPoints?: readonly string[] } = {}): void {
  it('has a fuzz entry for every exported function', () => {
    const covered = new Set(names.map((n) => n.split(/[.:# ]/)[1]));
    const missing = Object.keys(exports).filter((k) => typeof exports[k] === 'function' && !/^[A-Z]/.test(k) && !covered.has(k) && !(options.notEntryPoints ?? []).includes(k));
    expect(missing).toEqual([]);
  });
  it('throws only typed errors, and never hangs, on hostile data and hostile options at every entry point', async () => {
    // LINKWIRE_FUZZ_SEED replays a failing run (its seed is in the failure message).
    const seedText = globalThis.process?.env.LINKWIRE_FUZZ_SEED;
    const report = await fuzzPackage(pkg, { runs: numRuns(options.runs ?? 80), ...(seedText ? { seed: Number(seedText) } : {}) });
    const problems = failures(report);
    expect(problems, `seed ${report.seed}\n${problems.join('\n\n')}`).toEqual([]);
    expect(report.entries.length).toBe(report.names.length);
  }, 600_000);
}

/**
 * What a call ends in, for regression tests: `returned`, or the typed error's code. Anything
 * but a `LinkwireError` is thrown on, failing the test.
 */
export function outcome(f: () => unknown): string {
  try {
    f();
    return 'returned';
  } catch (e) {
    if (!(e instanceof LinkwireError)) throw e;
    return e.code;
  }
}
