/**
 * Property-test run counts: fast by default, multiplied by LINKWIRE_FC_RUNS_FACTOR (e.g. 100)
 * for a long fuzzing run: `LINKWIRE_FC_RUNS_FACTOR=100 npm run test:unit`.
 */
const factor = Number(globalThis.process?.env.LINKWIRE_FC_RUNS_FACTOR ?? '1');

export function numRuns(defaultRuns: number): number {
  return Math.max(1, Math.round(defaultRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}
