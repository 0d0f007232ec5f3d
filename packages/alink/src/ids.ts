import { describe } from '@linkwire/base';
import { functionOption, integerOption, optionsRecord, type Random } from '@linkwire/base';
import { AlinkError } from './errors.ts';

/** Hands out message ids for one session. */
export interface RequestIds {
  /** The next id, a decimal string. */
  next(): string;
}

export interface RequestIdOptions {
  /** First id of the counter. Default 1. */
  readonly start?: number;
  /** Largest id; the counter wraps to 1 after it. Default 4294967295 (10 digits, the seed's id limit). */
  readonly max?: number;
  /** Draw ids from this source instead of counting: a random uint32 from 4 bytes, as decimal. */
  readonly random?: Random;
  /** Take ids from this function (a shared counter, a persisted sequence…); each is checked. */
  readonly source?: () => string;
}

/**
 * A per-session request id generator: a string counter that wraps after `max`, or, with
 * `random`, ids drawn from an injected random source (so a restarted device does not reuse the
 * ids of its previous session while replies to them may still be in flight), or, with `source`,
 * ids from any function of yours.
 *
 * @example
 * const ids = requestIds();
 * ids.next() // '1'
 * ids.next() // '2'
 */
export function requestIds(options?: RequestIdOptions): RequestIds {
  const o = optionsRecord('options', options);
  const max = integerOption('max', o.max, 4294967295, 1);
  const source = functionOption<() => string>('source', o.source);
  if (source !== undefined) {
    return {
      next() {
        const id = source();
        if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw new AlinkError('invalid_id', `the id source gave ${describe(id)}, not a string of 1-64 characters`);
        return id;
      },
    };
  }
  const random = functionOption<Random>('random', o.random);
  if (random !== undefined) {
    return {
      next() {
        const b = random(4);
        if (!(b instanceof Uint8Array) || b.length < 4) throw new AlinkError('invalid_value', 'the random source must return 4 bytes');
        const n = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
        return String((n % max) + 1);
      },
    };
  }
  let n = integerOption('start', o.start, 1, 1, max);
  return {
    next() {
      const id = String(n);
      n = n === max ? 1 : n + 1;
      return id;
    },
  };
}
