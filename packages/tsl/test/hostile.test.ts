import * as tsl from '@linkwire/tsl';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('tsl under hostile data and options', () => {
  hostileSuite('tsl', tsl, entries.map((e) => e.name));
});
