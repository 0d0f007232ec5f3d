import * as enos from '@linkwire/enos';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('enos under hostile data and options', () => {
  hostileSuite('enos', enos, entries.map((e) => e.name));
});
