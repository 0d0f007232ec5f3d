import { describe, expect, it } from 'vitest';
import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});
