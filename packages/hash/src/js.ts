/**
 * The pure-JS backend: @noble/hashes' audited compression functions, used where WebAssembly
 * is absent or switched off. Snapshots need the chaining words and the partial block, which
 * noble keeps in fields its typings mark protected; this file is the only place that touches
 * them, and the differential tests pin their meaning for the noble 2.x line.
 */
import { _MD5, _SHA1 } from '@noble/hashes/legacy.js';
import { _SHA256 } from '@noble/hashes/sha2.js';
import { toHex, utf8Encode } from '@linkwire/base';
import { BLOCK, DIGEST_LENGTH, padBlocks, prefixObjects, type Context, type DigestState, type Engine, type EngineKey } from './engine.ts';
import type { HashAlgorithm, HashInput } from './types.ts';

interface NobleMd {
  buffer: Uint8Array;
  pos: number;
  length: number;
  finished: boolean;
  get(): number[];
  set(...words: number[]): void;
  update(data: Uint8Array): unknown;
  digestInto(out: Uint8Array): void;
}

const CTOR: Readonly<Record<HashAlgorithm, new () => unknown>> = { md5: _MD5, sha1: _SHA1, sha256: _SHA256 };
const fresh = (algorithm: HashAlgorithm): NobleMd => new CTOR[algorithm]() as NobleMd;
const bytesOf = (data: HashInput): Uint8Array => (typeof data === 'string' ? utf8Encode(data) : data);

function load(md: NobleMd, h: Int32Array, length: number, pending: Uint8Array): NobleMd {
  md.set(...h);
  md.buffer.set(pending);
  md.pos = pending.length;
  md.length = length;
  md.finished = false;
  return md;
}

function finish(md: NobleMd, algorithm: HashAlgorithm): Uint8Array {
  const out = new Uint8Array(DIGEST_LENGTH[algorithm]);
  md.digestInto(out);
  return out;
}

const EMPTY = new Uint8Array(0);

function context(algorithm: HashAlgorithm, md: NobleMd, outer: Int32Array | undefined): Context {
  return {
    update(data) {
      md.update(bytesOf(data));
    },
    digest() {
      const inner = finish(md, algorithm);
      if (outer === undefined) return inner;
      return finish(load(fresh(algorithm), outer, BLOCK, EMPTY).update(inner) as NobleMd, algorithm);
    },
    save(): DigestState {
      return { algorithm, h: Int32Array.from(md.get()), length: md.length, pending: md.buffer.slice(0, md.pos), outer };
    },
  };
}

function chaining(algorithm: HashAlgorithm, block: Uint8Array): Int32Array {
  const md = fresh(algorithm);
  md.update(block);
  return Int32Array.from(md.get());
}

function key(algorithm: HashAlgorithm, secret: Uint8Array): EngineKey {
  const [ipad, opad] = padBlocks(secret, (k) => js.hash(algorithm, k));
  const inner = chaining(algorithm, ipad);
  const outer = chaining(algorithm, opad);
  // One pair of scratch states per key: signing allocates only the result.
  const mi = fresh(algorithm);
  const mo = fresh(algorithm);
  const mid = new Uint8Array(DIGEST_LENGTH[algorithm]);
  const sign = (data: HashInput): Uint8Array => {
    load(mi, inner, BLOCK, EMPTY).update(bytesOf(data));
    mi.digestInto(mid);
    load(mo, outer, BLOCK, EMPTY).update(mid);
    return finish(mo, algorithm);
  };
  return {
    sign,
    signHex: (data) => toHex(sign(data)),
    create: () => context(algorithm, load(fresh(algorithm), inner, BLOCK, EMPTY), outer),
  };
}

/** The @noble/hashes backend. */
export const js: Engine = {
  name: 'js',
  hash: (algorithm, data) => finish(fresh(algorithm).update(bytesOf(data)) as NobleMd, algorithm),
  hashHex(algorithm, data, uppercase = false) {
    const hex = toHex(js.hash(algorithm, data));
    return uppercase ? hex.toUpperCase() : hex;
  },
  create: (algorithm) => context(algorithm, fresh(algorithm), undefined),
  key,
  hmac: (algorithm, secret, data) => key(algorithm, secret).sign(data),
  hmacHex: (algorithm, secret, data) => toHex(key(algorithm, secret).sign(data)),
  restore: (s) => context(s.algorithm, load(fresh(s.algorithm), s.h, s.length, s.pending), s.outer),
  prefix(algorithm, prefix) {
    const md = fresh(algorithm);
    md.update(prefix);
    const h = Int32Array.from(md.get());
    const length = md.length;
    const pending = md.buffer.slice(0, md.pos);
    const hash = (suffix: HashInput): Uint8Array => finish(load(md, h, length, pending).update(bytesOf(suffix)) as NobleMd, algorithm);
    return {
      hash,
      hashHex(suffix, uppercase) {
        const hex = toHex(hash(suffix));
        return uppercase ? hex.toUpperCase() : hex;
      },
    };
  },
  prefixTable: (size) => prefixObjects(js, size),
};
