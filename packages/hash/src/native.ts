import { toHex, utf8Encode } from '@linkwire/base';
import { prefixObjects, type Context, type Engine } from './engine.ts';
import { HashError } from './errors.ts';
import type { HashInput, NativeDigest, NativeHashBackend } from './types.ts';

const bytesOf = (data: HashInput): Uint8Array => (typeof data === 'string' ? utf8Encode(data) : data);

function noSnapshot(): never {
  throw new HashError('snapshot_unsupported', 'a native backend cannot export its state; create the hasher with { resumable: true }');
}

function context(d: NativeDigest): Context {
  return {
    update: (data) => d.update(bytesOf(data)),
    digest: () => d.digest(),
    save: noSnapshot,
  };
}

/** An engine over a registered platform backend. It streams, but cannot save or restore state. */
export function nativeEngine(b: NativeHashBackend): Engine {
  const engine: Engine = {
    name: 'native',
    hash: (algorithm, data) => b.hash(algorithm, bytesOf(data)),
    hashHex(algorithm, data, uppercase = false) {
      const hex = toHex(b.hash(algorithm, bytesOf(data)));
      return uppercase ? hex.toUpperCase() : hex;
    },
    create: (algorithm) => context(b.createHash(algorithm)),
    key: (algorithm, secret) => ({
      sign: (data) => b.hmac(algorithm, secret, bytesOf(data)),
      signHex: (data) => toHex(b.hmac(algorithm, secret, bytesOf(data))),
      create: () => context(b.createHmac(algorithm, secret)),
    }),
    hmac: (algorithm, secret, data) => b.hmac(algorithm, secret, bytesOf(data)),
    hmacHex: (algorithm, secret, data) => toHex(b.hmac(algorithm, secret, bytesOf(data))),
    restore: noSnapshot,
    // The platform cannot resume a state, so the prefix is hashed again with every suffix.
    prefix: (algorithm, prefix) => {
      const hash = (suffix: HashInput): Uint8Array => {
        const d = b.createHash(algorithm);
        d.update(prefix);
        d.update(bytesOf(suffix));
        return d.digest();
      };
      return {
        hash,
        hashHex(suffix, uppercase) {
          const hex = toHex(hash(suffix));
          return uppercase ? hex.toUpperCase() : hex;
        },
      };
    },
    prefixTable: (size) => prefixObjects(engine, size),
  };
  return engine;
}

export function checkNativeBackend(b: unknown): asserts b is NativeHashBackend {
  const o = b as Partial<Record<keyof NativeHashBackend, unknown>> | null;
  const ok = typeof o === 'object' && o !== null && typeof o.name === 'string' &&
    (o.minBytes === undefined || (typeof o.minBytes === 'number' && o.minBytes >= 0)) &&
    typeof o.hash === 'function' && typeof o.hmac === 'function' && typeof o.createHash === 'function' && typeof o.createHmac === 'function';
  if (!ok) throw new HashError('invalid_backend', 'a native hash backend needs name, hash, hmac, createHash and createHmac');
}
