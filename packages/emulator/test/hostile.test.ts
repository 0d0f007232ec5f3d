import * as emulator from '@linkwire/emulator';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('emulator under hostile data and options', () => {
  hostileSuite('emulator', emulator, entries.map((e) => e.name));
});
