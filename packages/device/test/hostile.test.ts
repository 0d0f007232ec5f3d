import * as device from '@linkwire/device';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('device under hostile data and options', () => {
  hostileSuite('device', device, entries.map((e) => e.name));
});
