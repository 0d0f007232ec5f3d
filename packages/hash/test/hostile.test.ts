import * as hash from '@linkwire/hash';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('hash under hostile data and options', () => {
  hostileSuite('hash', hash, entries.map((e) => e.name));
});
