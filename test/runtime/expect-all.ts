import { expect } from 'vitest';
import type { ConformanceResult } from '../conformance/harness.ts';
import { allCases } from '../conformance/all.ts';

/** Every case ran in the other runtime and passed; failures are listed by name. */
export function expectAllPassed(runtime: string, results: readonly ConformanceResult[]): void {
  expect(allCases.length).toBeGreaterThan(0);
  expect(results.map((r) => r.name), `${runtime} ran a different set of cases`).toEqual(allCases.map((c) => c.name));
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`);
  expect(failed, `${runtime} failures`).toEqual([]);
}
