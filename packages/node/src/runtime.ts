import { randomBytes } from 'node:crypto';
import type { Clock, Random } from '@linkwire/base';

/** The wall clock and Node timers. */
export const nodeClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Node's CSPRNG. */
export const nodeRandom: Random = (n) => new Uint8Array(randomBytes(n));
