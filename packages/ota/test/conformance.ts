import type { ConformanceCase } from '../../../test/conformance/harness.ts';

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [];
