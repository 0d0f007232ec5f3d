import { createHash as nodeHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHash, hashWith } from '@linkwire/hash';
import { wasmBytes, wasmMemory } from '../src/wasm.ts';
// @ts-expect-error: the build script is plain JavaScript without type declarations.
import { buildHashWasm } from '../../../wasm/build.mjs';

const CHUNK = 64 * 1024;
// LINKWIRE_HASH_GIB=1 streams the full 1 GiB of the issue (a few seconds per algorithm).
const STREAM_BYTES = globalThis.process.env.LINKWIRE_HASH_GIB === '1' ? 2 ** 30 : 2 ** 26;

describe('the embedded WASM module', () => {
  it('is byte for byte a fresh build of wasm/ (run `npm run build:wasm` after editing the kernels)', async () => {
    const fresh: Uint8Array = await buildHashWasm();
    expect(Buffer.from(wasmBytes()).equals(Buffer.from(fresh))).toBe(true);
  });

  it('stays within 10 KiB', () => {
    expect(wasmBytes().length).toBeLessThanOrEqual(10 * 1024);
  });

  it('the package without the @noble fallback is at most 12 KiB minified and gzipped', async () => {
    const r = await build({
      entryPoints: [new URL('../src/mod.ts', import.meta.url).pathname], bundle: true, write: false, minify: true, format: 'esm',
      platform: 'neutral', conditions: ['@linkwire/source', 'import', 'default'], external: ['@noble/hashes', '@noble/hashes/*'], logLevel: 'silent',
    });
    const size = gzipSync(r.outputFiles[0]!.contents).length;
    expect(size).toBeLessThanOrEqual(12 * 1024);
  });
});

describe('bounded memory', () => {
  it(`streaming ${STREAM_BYTES / 2 ** 20} MiB in 64 KiB chunks never grows WASM memory (and it cannot grow)`, () => {
    const chunk = new Uint8Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) chunk[i] = (i * 31) & 0xff;
    const algs = STREAM_BYTES > 2 ** 26 ? (['md5', 'sha1', 'sha256'] as const) : (['md5'] as const);
    for (const alg of algs) {
      const ours = hashWith('wasm').createHash(alg);
      const theirs = nodeHash(alg);
      ours.update(chunk);
      theirs.update(chunk);
      const mem = wasmMemory()!;
      const size = mem.buffer.byteLength;
      for (let n = CHUNK; n < STREAM_BYTES; n += CHUNK) {
        chunk[(n >>> 16) & 0xffff]! ^= 1; // vary the content a little without allocating
        ours.update(chunk);
        theirs.update(chunk);
        if ((n & 0xffffff) === 0) expect(mem.buffer.byteLength).toBe(size);
      }
      expect(mem.buffer.byteLength).toBe(size);
      expect(ours.digestHex()).toBe(theirs.digest('hex'));
    }
    // The module declares maximum = minimum pages: growth is impossible, not merely avoided.
    expect(() => wasmMemory()!.grow(1)).toThrow(RangeError);
  }, 120_000);

  it('many open hashers share the one instance: memory stays put however many there are', () => {
    const before = wasmMemory()!.buffer.byteLength;
    const open = Array.from({ length: 10_000 }, (_, i) => hashWith('wasm').createHash('sha256').update(`h${i}`));
    expect(open[9999]!.digestHex()).toBe(nodeHash('sha256').update('h9999').digest('hex'));
    expect(wasmMemory()!.buffer.byteLength).toBe(before);
  });
});

describe('loading', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('falls back to JS where WebAssembly is absent', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const m = await import('../src/mod.ts');
    expect(m.availableHashBackends()).toEqual(['js']);
    expect(m.createHash('sha256').backend).toBe('js');
    expect(m.hashHex('md5', 'abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(() => m.hashWith('wasm')).toThrow(expect.objectContaining({ code: 'backend_unavailable' }));
    await expect(m.wasmReady()).resolves.toBe(false);
  });

  it('uses JS until asynchronous compilation finishes where synchronous compilation is refused', async () => {
    const real = WebAssembly;
    vi.stubGlobal('WebAssembly', {
      ...real,
      instantiate: real.instantiate,
      Instance: real.Instance,
      Module: function Module() {
        throw new RangeError('WebAssembly.Module(): Buffer size exceeds the limit for synchronous compilation');
      },
    });
    vi.resetModules();
    const m = await import('../src/mod.ts');
    const early = m.createHash('sha1');
    expect(early.backend).toBe('js');
    await expect(m.wasmReady()).resolves.toBe(true);
    expect(m.createHash('sha1').backend).toBe('wasm');
    expect(early.update('abc').digestHex()).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('setHashBackend forces the default functions onto one backend', async () => {
    const m = await import('../src/mod.ts');
    const earlier = m.hmacKey('sha1', 'k');
    m.setHashBackend('js');
    // A key keeps the backend it was made on, and its hashers say so.
    expect(earlier.create().backend).toBe('wasm');
    expect(m.createHash('md5').backend).toBe('js');
    expect(m.hmacKey('md5', 'k').create().backend).toBe('js');
    m.setHashBackend('auto');
    expect(createHash('md5').backend).toBe('wasm');
    expect(() => m.setHashBackend('native')).toThrow(expect.objectContaining({ code: 'backend_unavailable' }));
  });
});
