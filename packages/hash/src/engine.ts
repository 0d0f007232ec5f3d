import { concatBytes, utf8Encode } from '@linkwire/base';
import type { BackendName, HashAlgorithm, HashInput } from './types.ts';

/**
 * A digest state every portable backend can export and import: the chaining words, the bytes
 * hashed so far and the partial block not yet compressed. An HMAC state adds the outer pad's
 * chaining words, which the final step resumes from.
 */
export interface DigestState {
  readonly algorithm: HashAlgorithm;
  readonly h: Int32Array;
  readonly length: number;
  readonly pending: Uint8Array;
  readonly outer: Int32Array | undefined;
}

/** One streaming digest (plain or HMAC) on a backend. Inputs are validated by the caller. */
export interface Context {
  update(data: HashInput): void;
  digest(): Uint8Array;
  /** Throws `snapshot_unsupported` on backends that cannot export state. */
  save(): DigestState;
}

export interface EngineKey {
  sign(data: HashInput): Uint8Array;
  signHex(data: HashInput): string;
  create(): Context;
}

/** A hashed prefix on one backend: digests of prefix + suffix. */
export interface EnginePrefix {
  hash(suffix: HashInput): Uint8Array;
  hashHex(suffix: HashInput, uppercase: boolean): string;
}

/** Hashed prefixes (and tails) in numbered slots (see `hashPrefixTable`); the caller checks slots. */
export interface EnginePrefixTable {
  set(slot: number, algorithm: HashAlgorithm, prefix: Uint8Array, tail: Uint8Array): void;
  hash(slot: number, suffix: HashInput): Uint8Array;
  hashHex(slot: number, suffix: HashInput, uppercase: boolean): string;
}

/** What each backend implements; the public functions pick one per call. */
export interface Engine {
  readonly name: BackendName;
  hash(algorithm: HashAlgorithm, data: HashInput): Uint8Array;
  hashHex(algorithm: HashAlgorithm, data: HashInput, uppercase?: boolean): string;
  create(algorithm: HashAlgorithm): Context;
  key(algorithm: HashAlgorithm, secret: Uint8Array): EngineKey;
  hmac(algorithm: HashAlgorithm, secret: Uint8Array, data: HashInput): Uint8Array;
  hmacHex(algorithm: HashAlgorithm, secret: Uint8Array, data: HashInput): string;
  /** Portable backends only. */
  restore(state: DigestState): Context;
  prefix(algorithm: HashAlgorithm, prefix: Uint8Array): EnginePrefix;
  prefixTable(size: number): EnginePrefixTable;
}

/** A table of separate prefix objects, for backends without a cheaper layout. */
export function prefixObjects(engine: Pick<Engine, 'prefix'>, size: number): EnginePrefixTable {
  const slots: EnginePrefix[] = new Array<EnginePrefix>(size);
  const tails: Uint8Array[] = new Array<Uint8Array>(size);
  const withTail = (slot: number, data: HashInput): HashInput => {
    const tail = tails[slot]!;
    if (tail.length === 0) return data;
    return concatBytes(typeof data === 'string' ? utf8Encode(data) : data, tail);
  };
  return {
    set(slot, algorithm, prefix, tail) {
      slots[slot] = engine.prefix(algorithm, prefix);
      tails[slot] = tail.slice();
    },
    hash: (slot, data) => slots[slot]!.hash(withTail(slot, data)),
    hashHex: (slot, data, uppercase) => slots[slot]!.hashHex(withTail(slot, data), uppercase),
  };
}

export const BLOCK = 64;
export const DIGEST_LENGTH: Readonly<Record<HashAlgorithm, number>> = { md5: 16, sha1: 20, sha256: 32 };
export const STATE_WORDS: Readonly<Record<HashAlgorithm, number>> = { md5: 4, sha1: 5, sha256: 8 };

/** HMAC's two pad blocks (RFC 2104): the key, hashed first when longer than a block, XOR ipad/opad. */
export function padBlocks(key: Uint8Array, hashLongKey: (k: Uint8Array) => Uint8Array): [Uint8Array, Uint8Array] {
  const k = key.length > BLOCK ? hashLongKey(key) : key;
  const inner = new Uint8Array(BLOCK).fill(0x36);
  const outer = new Uint8Array(BLOCK).fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    inner[i]! ^= k[i]!;
    outer[i]! ^= k[i]!;
  }
  return [inner, outer];
}
