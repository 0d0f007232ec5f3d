import { createHash as nodeHash, createHmac as nodeHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toHex, utf8Encode } from '@linkwire/base';
import { createHash, hashHex, hashPrefix, hashPrefixTable, hashWith, hmacKey, registerNativeHash, restoreHash, type BackendName, type HashAlgorithm, type HashFunctions } from '@linkwire/hash';
import { chunked, hashAlgorithm, hashBytes, hashInput, hashText, hmacSecret } from '@linkwire/hash/testing';
import { nodeHashBackend, registerNodeHash } from '../../node/src/hash.ts';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MILLION_A } from './conformance.ts';

const node = (alg: string, data: Uint8Array | string): string => nodeHash(alg).update(data).digest('hex');
const nodeMac = (alg: string, key: Uint8Array | string, data: Uint8Array | string): string => nodeHmac(alg, key).update(data).digest('hex');

const portable: readonly BackendName[] = ['wasm', 'js'];
const apis = (): HashFunctions[] => [...portable.map(hashWith)];

afterEach(() => registerNativeHash(undefined));

describe('differential: WASM = JS = node:crypto', () => {
  it('digests of random inputs, one-shot and in random chunks', () => {
    fc.assert(
      fc.property(hashAlgorithm(), hashBytes().chain(chunked), (alg, { data, chunks }) => {
        const want = node(alg, data);
        for (const api of apis()) {
          expect(api.hashHex(alg, data)).toBe(want);
          const h = api.createHash(alg);
          for (const c of chunks) h.update(c);
          expect(h.digestHex()).toBe(want);
        }
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('digests of random strings (UTF-8, lone surrogates as U+FFFD like Node)', () => {
    fc.assert(
      fc.property(hashAlgorithm(), hashInput(), (alg, data) => {
        const want = node(alg, data);
        for (const api of apis()) expect(api.hashHex(alg, data)).toBe(want);
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('uppercase hex is the same digest on every backend, native included', () => {
    registerNativeHash(nodeHashBackend);
    fc.assert(
      fc.property(hashAlgorithm(), hashInput(), (alg, data) => {
        const want = node(alg, data).toUpperCase();
        for (const api of [...apis(), hashWith('native')]) expect(api.hashHex(alg, data, true)).toBe(want);
        expect(hashHex(alg, data, true)).toBe(want);
      }),
      { numRuns: numRuns(100) },
    );
  });

  it('the WASM path without TextEncoder and TextDecoder (its JS codecs) gives the same results', async () => {
    vi.stubGlobal('TextEncoder', undefined);
    vi.stubGlobal('TextDecoder', undefined);
    vi.resetModules();
    try {
      const { wasmEngine } = await import('../src/wasm.ts');
      const engine = wasmEngine()!;
      fc.assert(
        fc.property(hashAlgorithm(), hashInput(), hmacSecret(), fc.boolean(), (alg, data, secret, upper) => {
          const want = node(alg, data);
          expect(engine.hashHex(alg, data, upper)).toBe(upper ? want.toUpperCase() : want);
          const key = typeof secret === 'string' ? utf8Encode(secret) : secret;
          expect(engine.key(alg, key).signHex(data)).toBe(nodeMac(alg, key, data));
          expect(engine.hmacHex(alg, key, data)).toBe(nodeMac(alg, key, data));
          const withPrefix = nodeHash(alg).update(key).update(data).digest('hex');
          expect(engine.prefix(alg, key).hashHex(data, upper)).toBe(upper ? withPrefix.toUpperCase() : withPrefix);
        }),
        { numRuns: numRuns(100) },
      );
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  it('HMAC with random keys (longer than a block included), one-shot, keyed and streamed', () => {
    fc.assert(
      fc.property(hashAlgorithm(), hmacSecret(), hashBytes({ maxLength: 1000 }).chain(chunked), (alg, key, { data, chunks }) => {
        const want = nodeMac(alg, key, data);
        for (const api of apis()) {
          expect(api.hmacHex(alg, key, data)).toBe(want);
          const k = api.hmacKey(alg, key);
          expect(k.signHex(data)).toBe(want);
          expect(toHex(k.sign(data))).toBe(want);
          const s = k.create();
          for (const c of chunks) s.update(c);
          expect(s.digestHex()).toBe(want);
        }
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('hashed prefixes (0..300 bytes, multi-block, non-ASCII) + random suffixes equal node:crypto of prefix + suffix', () => {
    registerNativeHash(nodeHashBackend);
    const prefix = fc.oneof(hashBytes({ maxLength: 300 }), hashText({ maxLength: 300 }).filter((t) => utf8Encode(t).length <= 300));
    fc.assert(
      fc.property(hashAlgorithm(), prefix, fc.array(hashInput({ maxLength: 300 }), { minLength: 1, maxLength: 4 }), (alg, pre, suffixes) => {
        const ps = [...apis(), hashWith('native')].map((api) => api.hashPrefix(alg, pre));
        ps.push(hashPrefix(alg, pre));
        // Each prefix object serves several suffixes, interleaved with other hashing.
        for (const suffix of suffixes) {
          const want = nodeHash(alg).update(pre).update(suffix).digest('hex');
          for (const p of ps) {
            expect(p.hashHex(suffix)).toBe(want);
            hashHex(alg, 'something else in between');
            expect(p.hashHex(suffix, true)).toBe(want.toUpperCase());
            expect(toHex(p.hash(suffix))).toBe(want);
          }
        }
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('prefix tables: random sets and hashes over few slots equal node:crypto of the slot\'s last prefix + suffix', () => {
    const prefix = fc.oneof(hashBytes({ maxLength: 200 }), hashText({ maxLength: 200 }).filter((t) => utf8Encode(t).length <= 200));
    const op = fc.oneof(
      fc.record({ set: fc.nat(5), alg: hashAlgorithm(), pre: prefix, tail: fc.option(fc.oneof(prefix, hashBytes({ maxLength: 100 })), { nil: undefined }) }),
      fc.record({ hash: fc.nat(5), suffix: hashInput({ maxLength: 200 }), upper: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const tables = [...apis().map((api) => api.hashPrefixTable(6)), hashPrefixTable(6)];
        const model: ([HashAlgorithm, string | Uint8Array, string | Uint8Array] | undefined)[] = [];
        for (const o of ops) {
          if ('set' in o) {
            for (const t of tables) t.set(o.set, o.alg, o.pre, o.tail);
            model[o.set] = [o.alg, o.pre, o.tail ?? ''];
            continue;
          }
          const m = model[o.hash];
          for (const t of tables) {
            if (m === undefined) expect(() => t.hashHex(o.hash, o.suffix)).toThrow(/empty/);
            else {
              const want = nodeHash(m[0]).update(m[1]).update(o.suffix).update(m[2]).digest('hex');
              expect(t.hashHex(o.hash, o.suffix, o.upper)).toBe(o.upper ? want.toUpperCase() : want);
              hashHex('sha1', 'other hashing in between');
              expect(toHex(t.hash(o.hash, o.suffix))).toBe(want);
            }
          }
        }
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('a hashed prefix with a suffix beyond the 64 KiB WASM input window, and routed to node:crypto when large', () => {
    let calls = 0;
    registerNativeHash({ ...nodeHashBackend, createHash: (alg) => (calls++, nodeHashBackend.createHash(alg)) });
    const pre = 'p'.repeat(100);
    const big = new Uint8Array(70_000).fill(7);
    const want = nodeHash('sha256').update(pre).update(big).digest('hex');
    for (const api of apis()) expect(api.hashPrefix('sha256', pre).hashHex(big)).toBe(want);
    expect(hashWith('wasm').hashPrefix('sha256', pre).hashHex('é'.repeat(30_000))).toBe(nodeHash('sha256').update(pre + 'é'.repeat(30_000)).digest('hex'));
    for (const api of apis()) {
      const t = api.hashPrefixTable(3);
      t.set(2, 'sha256', pre);
      expect(t.hashHex(2, big)).toBe(want);
      expect(t.hashHex(2, 'é'.repeat(30_000))).toBe(nodeHash('sha256').update(pre + 'é'.repeat(30_000)).digest('hex'));
      t.set(1, 'sha256', pre, 'tail');
      expect(t.hashHex(1, big)).toBe(nodeHash('sha256').update(pre).update(big).update('tail').digest('hex'));
      expect(t.hashHex(1, 'é'.repeat(21_800))).toBe(nodeHash('sha256').update(pre + 'é'.repeat(21_800) + 'tail').digest('hex'));
    }
    calls = 0;
    const p = hashPrefix('sha256', pre);
    expect(p.hashHex('short')).toBe(node('sha256', pre + 'short'));
    expect(calls).toBe(0);
    expect(p.hashHex(big)).toBe(want);
    expect(calls).toBe(1);
  });

  it('inputs up to 1 MiB, with chunkings that cross the 64 KiB WASM input window', () => {
    const big = fc.integer({ min: 65_000, max: 1 << 20 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    fc.assert(
      fc.property(hashAlgorithm(), big.chain(chunked), hmacSecret(), (alg, { data, chunks }, key) => {
        const want = node(alg, data);
        for (const api of apis()) {
          expect(api.hashHex(alg, data)).toBe(want);
          const h = api.createHash(alg);
          for (const c of chunks) h.update(c);
          expect(h.digestHex()).toBe(want);
        }
        const mac = nodeMac(alg, key, data);
        for (const api of apis()) expect(api.hmacKey(alg, key).signHex(data)).toBe(mac);
      }),
      { numRuns: numRuns(3) },
    );
  });

  it('one million "a" (FIPS 180-2 A.3, B.3) on every portable backend', () => {
    const a = new Uint8Array(1_000_000).fill(0x61);
    for (const [alg, hex] of MILLION_A) for (const api of apis()) expect(api.hashHex(alg, a)).toBe(hex);
  });

  it('keys longer than the 64 KiB input window are hashed first, as RFC 2104 says', () => {
    const key = new Uint8Array(70_000).map((_, i) => i * 7);
    for (const alg of ['md5', 'sha1', 'sha256'] as const) {
      for (const api of apis()) {
        expect(api.hmacHex(alg, key, 'm')).toBe(nodeMac(alg, key, 'm'));
        expect(api.hmacKey(alg, key).signHex('m')).toBe(nodeMac(alg, key, 'm'));
      }
    }
  });

  it('a long string streams through the input window without splitting surrogate pairs', () => {
    const s = 'é€\u{1F600}'.repeat(40_000) + 'tail';
    for (const alg of ['md5', 'sha1', 'sha256'] as const) {
      for (const api of apis()) {
        expect(api.hashHex(alg, s)).toBe(node(alg, s));
        expect(api.hmacKey(alg, 'k').signHex(s)).toBe(nodeMac(alg, 'k', s));
      }
    }
  });

  it('snapshot at a random point, restored on a random backend, gives the same digest', () => {
    fc.assert(
      fc.property(hashAlgorithm(), hashBytes(), fc.nat(), fc.constantFrom(...portable), fc.constantFrom(...portable), fc.option(hmacSecret(), { nil: undefined }), (alg, data, at, from, to, key) => {
        const cut = at % (data.length + 1);
        const start = key === undefined ? hashWith(from).createHash(alg) : hashWith(from).hmacKey(alg, key).create();
        const saved = start.update(data.subarray(0, cut)).snapshot();
        const resumed = hashWith(to).restoreHash(saved).update(data.subarray(cut)).digestHex();
        expect(resumed).toBe(key === undefined ? node(alg, data) : nodeMac(alg, key, data));
        expect(start.update(data.subarray(cut)).digestHex()).toBe(resumed);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('corrupt snapshots never restore', () => {
    fc.assert(
      fc.property(hashAlgorithm(), hashBytes({ maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (alg, data, at, flip) => {
        const saved = createHash(alg, { resumable: true }).update(data).snapshot();
        const bad = saved.slice();
        bad[at % bad.length]! ^= flip;
        expect(() => restoreHash(bad)).toThrow(expect.objectContaining({ code: 'invalid_snapshot' }));
        expect(() => restoreHash(saved.subarray(0, at % saved.length))).toThrow(expect.objectContaining({ code: 'invalid_snapshot' }));
      }),
      { numRuns: numRuns(200) },
    );
  });
});

describe('native backend (node:crypto registered)', () => {
  it('gives the same results on every path, and sends only large inputs to node:crypto', () => {
    let calls = 0;
    const counting = { ...nodeHashBackend, hash: (...a: Parameters<typeof nodeHashBackend.hash>) => (calls++, nodeHashBackend.hash(...a)) };
    registerNativeHash(counting);
    fc.assert(
      fc.property(hashAlgorithm(), hashBytes({ maxLength: 5000 }), hmacSecret(), (alg, data, key) => {
        expect(hashHex(alg, data)).toBe(node(alg, data));
        expect(hashWith('native').hashHex(alg, data)).toBe(node(alg, data));
        expect(hmacKey(alg, key).signHex(data)).toBe(nodeMac(alg, key, data));
        expect(hashWith('native').hmacKey(alg, key).create().update(data).digestHex()).toBe(nodeMac(alg, key, data));
      }),
      { numRuns: numRuns(100) },
    );
    calls = 0;
    hashHex('sha256', new Uint8Array(100));
    expect(calls).toBe(0);
    hashHex('sha256', new Uint8Array(1 << 16));
    expect(calls).toBe(1);
  });

  it('streams on native unless resumable; a native hasher refuses to snapshot with a typed error', () => {
    registerNativeHash(nodeHashBackend);
    const h = createHash('sha1');
    expect(h.backend).toBe('native');
    expect(() => h.snapshot()).toThrow(expect.objectContaining({ code: 'snapshot_unsupported' }));
    expect(h.update('abc').digestHex()).toBe(node('sha1', 'abc'));
    const r = createHash('sha1', { resumable: true });
    expect(r.backend).toBe('wasm');
    expect(restoreHash(r.update('ab').snapshot()).update('c').digestHex()).toBe(node('sha1', 'abc'));
    expect(hmacKey('md5', 'k').create().backend).toBe('native');
    expect(hmacKey('md5', 'k').create({ resumable: true }).backend).toBe('wasm');
    expect(() => hashWith('native').restoreHash(r.snapshot())).toThrow(expect.objectContaining({ code: 'snapshot_unsupported' }));
  });

  it('registerNodeHash (the Node adapter) registers node:crypto', () => {
    registerNodeHash();
    expect(createHash('sha256').backend).toBe('native');
    expect(hashWith('native').hashHex('sha256', 'abc')).toBe(node('sha256', 'abc'));
  });

  it('registration is checked and can be undone', () => {
    expect(() => registerNativeHash({ name: 'x' } as never)).toThrow(expect.objectContaining({ code: 'invalid_backend' }));
    expect(() => registerNativeHash(null as never)).toThrow(expect.objectContaining({ code: 'invalid_backend' }));
    expect(() => hashWith('native')).toThrow(expect.objectContaining({ code: 'backend_unavailable' }));
    registerNativeHash(nodeHashBackend);
    expect(hashWith('native').backend).toBe('native');
    registerNativeHash(undefined);
    expect(createHash('md5').backend).toBe('wasm');
  });
});
