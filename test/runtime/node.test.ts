import { describe, expect, it } from 'vitest';
import { allCases } from '../conformance/all.ts';

describe('runtime matrix: Node', () => {
  for (const c of allCases) it(c.name, () => expect(() => c.run()).not.toThrow());
});
