import * as mqtt from '@linkwire/mqtt';
import { describe } from 'vitest';
import { hostileSuite } from '../../../test/support/fuzz/suite.ts';
import { entries } from './hostile.entries.ts';

describe('mqtt under hostile data and options', () => {
  hostileSuite('mqtt', mqtt, entries.map((e) => e.name));
});
