/** Every public function of @linkwire/hash under hostile data and hostile options (see test/support/fuzz). */
import { hostileValue } from '@linkwire/base/testing';
import * as hash from '@linkwire/hash';
import fc from 'fast-check';
import { data, entry, options, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';

const algorithm = data(fc.constantFrom('md5', 'sha1', 'sha256', 'SHA256'));
const input = data(fc.oneof(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 200 })));
const backend = data(fc.constantFrom('js', 'wasm', 'native', 'auto'));

export const entries: FuzzEntry[] = [
  entry('hash.hash', hash.hash, [algorithm, input]),
  entry('hash.hashHex', hash.hashHex, [algorithm, input, data(fc.boolean())]),
  entry('hash.createHash', (a: unknown, o: unknown, d: unknown) => {
    const h = hash.createHash(a as hash.HashAlgorithm, o as hash.HasherOptions);
    h.update(d as string);
    const s = h.snapshot();
    hash.restoreHash(s).digestHex();
    h.digest();
  }, [algorithm, options({ resumable: true }), input]),
  entry('hash.hmac', hash.hmac, [algorithm, input, input]),
  entry('hash.hmacHex', hash.hmacHex, [algorithm, input, input]),
  entry('hash.hmacKey', (a: unknown, s: unknown, d: unknown) => {
    const k = hash.hmacKey(a as hash.HashAlgorithm, s as string);
    k.signHex(d as string);
    k.create().update(d as string).digest();
  }, [algorithm, input, input]),
  entry('hash.hashPrefix', (a: unknown, p: unknown, d: unknown) => hash.hashPrefix(a as hash.HashAlgorithm, p as string).hashHex(d as string), [algorithm, input, input]),
  entry('hash.hashPrefixTable', (size: unknown, slot: unknown, a: unknown, p: unknown) => {
    const t = hash.hashPrefixTable(size as number);
    t.set(slot as number, a as hash.HashAlgorithm, p as string);
    t.hashHex(slot as number, p as string);
    t.algorithm(slot as number);
  }, [data(fc.integer({ min: 0, max: 8 })), data(fc.integer({ min: -1, max: 8 })), algorithm, input]),
  entry('hash.restoreHash', hash.restoreHash, [data(fc.uint8Array({ maxLength: 200 }))]),
  entry('hash.hashWith', (b: unknown, a: unknown, d: unknown) => hash.hashWith(b as hash.BackendName).hashHex(a as hash.HashAlgorithm, d as string), [backend, algorithm, input]),
  // Global switches: each call is undone at once, so the cases after it run on the default.
  entry('hash.setHashBackend', (b: unknown) => {
    try {
      hash.setHashBackend(b as hash.BackendName);
    } finally {
      hash.setHashBackend('auto');
    }
  }, [backend]),
  entry('hash.registerNativeHash', (b: unknown) => {
    try {
      hash.registerNativeHash(b as hash.NativeHashBackend);
    } finally {
      hash.registerNativeHash(undefined);
      hash.setHashBackend('auto');
    }
  }, [fc.oneof(hostileValue(), fc.constant({ name: 'x', digest: () => new Uint8Array(16) }))]),
  entry('hash.availableHashBackends', hash.availableHashBackends, []),
  entry('hash.wasmReady', hash.wasmReady, []),
];
