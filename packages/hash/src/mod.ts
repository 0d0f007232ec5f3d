/**
 * MD5, SHA-1, SHA-256 and HMAC over each, one-shot and incremental.
 * @module
 */
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { LinkwireError, toHex, utf8Encode } from '@linkwire/base';

/** Thrown for an unknown algorithm or misuse of a hasher. */
export class HashError extends LinkwireError {}

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';
export type HashInput = Uint8Array | string;

/** An incremental digest: `update` any number of times, then `digest` once. */
export interface Hasher {
  readonly algorithm: HashAlgorithm;
  update(data: HashInput): Hasher;
  digest(): Uint8Array;
  digestHex(): string;
}

/** A secret whose HMAC pads are computed once and reused for every message. */
export interface HmacKey {
  readonly algorithm: HashAlgorithm;
  sign(data: HashInput): Uint8Array;
  signHex(data: HashInput): string;
  create(): Hasher;
}

const IMPL = { md5, sha1, sha256 } as const;

function impl(alg: HashAlgorithm) {
  const f = (IMPL as Record<string, (typeof IMPL)[HashAlgorithm] | undefined>)[alg];
  if (f === undefined || !Object.hasOwn(IMPL, alg)) throw new HashError('unknown_algorithm', `unknown hash algorithm ${String(alg)}`);
  return f;
}

const bytesOf = (data: HashInput): Uint8Array => (typeof data === 'string' ? utf8Encode(data) : data);

function wrap(algorithm: HashAlgorithm, h: { update(b: Uint8Array): unknown; digest(): Uint8Array }): Hasher {
  let done = false;
  const self: Hasher = {
    algorithm,
    update(data) {
      if (done) throw new HashError('finished', 'update after digest');
      h.update(bytesOf(data));
      return self;
    },
    digest() {
      if (done) throw new HashError('finished', 'digest called twice');
      done = true;
      return h.digest();
    },
    digestHex() {
      return toHex(self.digest());
    },
  };
  return self;
}

export function hash(algorithm: HashAlgorithm, data: HashInput): Uint8Array {
  return impl(algorithm)(bytesOf(data));
}

export function hashHex(algorithm: HashAlgorithm, data: HashInput): string {
  return toHex(hash(algorithm, data));
}

export function createHash(algorithm: HashAlgorithm): Hasher {
  return wrap(algorithm, impl(algorithm).create());
}

export function hmacKey(algorithm: HashAlgorithm, secret: HashInput): HmacKey {
  const keyed = nobleHmac.create(impl(algorithm), bytesOf(secret));
  const fresh = () => keyed.clone();
  return {
    algorithm,
    sign: (data) => fresh().update(bytesOf(data)).digest(),
    signHex: (data) => toHex(fresh().update(bytesOf(data)).digest()),
    create: () => wrap(algorithm, fresh()),
  };
}

export function hmac(algorithm: HashAlgorithm, secret: HashInput, data: HashInput): Uint8Array {
  return nobleHmac(impl(algorithm), bytesOf(secret), bytesOf(data));
}

export function hmacHex(algorithm: HashAlgorithm, secret: HashInput, data: HashInput): string {
  return toHex(hmac(algorithm, secret, data));
}
