import * as embedded from '@linkwire/embedded';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('embedded under hostile data and options', () => {
  hostileSuite('embedded', embedded, entries.map((e) => e.name));
});
