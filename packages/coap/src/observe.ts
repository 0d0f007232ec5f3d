import { describe } from '@linkwire/base';
import { CoapError } from './errors.ts';
/** Observe option values in a request (RFC 7641 §2). */
export const OBSERVE_REGISTER = 0;
export const OBSERVE_DEREGISTER = 1;

/** A notification's Observe sequence number and the local time (ms) it arrived. */
export interface ObserveStamp {
  readonly seq: number;
  readonly at: number;
}

const HALF = 1 << 23;

/**
 * RFC 7641 §3.4: is `next` fresher than `previous`? Sequence numbers are 24-bit and wrap; a
 * notification more than 128 seconds after the previous one is fresh whatever its number.
 *
 * @example
 * observeFresher({ seq: 0xfffffe, at: 0 }, { seq: 3, at: 1000 }) // true (wrapped)
 */
export function observeFresher(previous: ObserveStamp, next: ObserveStamp): boolean {
  const v1 = previous?.seq;
  const v2 = next?.seq;
  if (typeof v1 !== 'number' || typeof v2 !== 'number' || typeof previous.at !== 'number' || typeof next.at !== 'number') {
    throw new CoapError('invalid_argument', `observe stamps are {seq, at} numbers, got ${describe(previous)} and ${describe(next)}`);
  }
  return (v1 < v2 && v2 - v1 < HALF) || (v1 > v2 && v1 - v2 > HALF) || next.at > previous.at + 128_000;
}

/** The sequence number after `seq` (24-bit wrap), for a server sending notifications. */
export const nextObserveSeq = (seq: number): number => {
  if (typeof seq !== 'number') throw new CoapError('invalid_argument', `an observe sequence number is a number, got ${describe(seq)}`);
  return (seq + 1) & 0xffffff;
};
