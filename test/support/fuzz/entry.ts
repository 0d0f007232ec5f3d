/**
 * One public entry point under fuzz: a name (`alink.decodeJson`), an arbitrary for its
 * arguments (hostile data and hostile options both), and `call`, which calls it and, for a
 * factory, drives what it built (the bug is often in the first use, not the construction).
 * `call` may return a promise; the runner awaits it.
 */
import fc from 'fast-check';

export interface FuzzEntry {
  readonly name: string;
  readonly args: fc.Arbitrary<readonly unknown[]>;
  call(args: readonly unknown[]): unknown;
  /** The entry awaits real IO (sockets): the runner gives it fewer cases. */
  readonly slow?: boolean;
  /** Set on the decoders a long run drives to a case count (see cli.ts). */
  readonly decoder?: DecoderInfo;
}

export interface DecoderInfo {
  /** The family in the long run's table: `MQTT`, `CoAP`, `Alink JSON`, `CBOR`, … */
  readonly family: string;
  /**
   * Arguments around an input of about `n` bytes (valid where the decoder has a valid form),
   * for the cost slope: time per byte at 1 KiB against 256 KiB.
   */
  readonly sized?: (n: number) => readonly unknown[];
}

/** Marks `e` as a decoder of `family` (see DecoderInfo). */
export function decoder(family: string, e: FuzzEntry, sized?: (n: number) => readonly unknown[]): FuzzEntry {
  return { ...e, decoder: { family, ...(sized ? { sized } : {}) } };
}

/** An entry whose arguments are drawn independently, one arbitrary per parameter. */
export function entry(name: string, call: (...args: never[]) => unknown, args: readonly fc.Arbitrary<unknown>[], slow = false): FuzzEntry {
  return {
    name,
    args: fc.tuple(...args) as fc.Arbitrary<readonly unknown[]>,
    call: (a) => (call as (...x: unknown[]) => unknown)(...a),
    ...(slow ? { slow } : {}),
  };
}

import { hostileValue, hostileVariant } from '@linkwire/base/testing';

/** Valid data most of the time, a hostile value otherwise. */
export const data = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: hostileValue() });

/** One of these examples as it is, or with fields made hostile (see hostileVariant), or a hostile value. */
export const variant = (...examples: readonly unknown[]): fc.Arbitrary<unknown> => fc.oneof(...examples.map((x) => hostileVariant(x)));

/** Options: absent, or a hostile variant of a valid set. */
export const options = (...examples: readonly unknown[]): fc.Arbitrary<unknown> => fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: variant(...examples) });

/**
 * A field of an options example that each case gets afresh (a manual clock, a loopback broker):
 * `variant()` keeps it as it is (it is not a plain object) and {@link freshen} calls its maker,
 * so no state leaks from one case into the next.
 */
export class Fresh {
  constructor(readonly make: () => unknown) {}
}

/** `v` with every {@link Fresh} field (at the top level and one level down) made anew. */
export function freshen(v: unknown, depth = 0): unknown {
  if (v instanceof Fresh) return v.make();
  if (depth > 1 || typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = freshen((v as Record<string, unknown>)[k], depth + 1);
  return out;
}
