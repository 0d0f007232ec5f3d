import { fromHex, toHex } from '@linkwire/base';
import {
  availableHashBackends,
  createHash,
  hash,
  hashHex,
  hashPrefix,
  hashPrefixTable,
  hashWith,
  hmacHex,
  hmacKey,
  restoreHash,
  type BackendName,
  type HashAlgorithm,
  type HashFunctions,
} from '@linkwire/hash';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';
import { wasmBytes } from '../src/wasm.ts';

const rep = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);
const seq = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** RFC 1321 §A.5, FIPS 180-2 appendices A and B (the NIST examples), plus the empty message. */
const DIGESTS: readonly [HashAlgorithm, string, string][] = [
  ['md5', '', 'd41d8cd98f00b204e9800998ecf8427e'],
  ['md5', 'a', '0cc175b9c0f1b6a831c399e269772661'],
  ['md5', 'abc', '900150983cd24fb0d6963f7d28e17f72'],
  ['md5', 'message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
  ['md5', 'abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
  ['md5', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
  ['md5', '1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ['sha1', '', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ['sha1', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
  ['sha256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['sha256', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
];

/** One million 'a' (FIPS 180-2 A.3 and B.3; MD5 from the same message). */
export const MILLION_A: readonly [HashAlgorithm, string][] = [
  ['md5', '7707d6ae4e027c70eea2a935c2296f21'],
  ['sha1', '34aa973cd4c4daa4f61eeb2bdbad27316534016f'],
  ['sha256', 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

export const TRUNCATION = 'Test With Truncation';
const BIG_KEY = 'Test Using Larger Than Block-Size Key - Hash Key First';
const BIG_KEY_DATA = 'Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data';
const RFC4231_7 = 'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.';

/** RFC 2202 §2 (HMAC-MD5), §3 (HMAC-SHA-1) and RFC 4231 §4 (HMAC-SHA-256): key, data, MAC. */
export const MACS: readonly [HashAlgorithm, Uint8Array | string, Uint8Array | string, string][] = [
  ['md5', rep(0x0b, 16), 'Hi There', '9294727a3638bb1c13f48ef8158bfc9d'],
  ['md5', 'Jefe', 'what do ya want for nothing?', '750c783e6ab0b503eaa86e310a5db738'],
  ['md5', rep(0xaa, 16), rep(0xdd, 50), '56be34521d144c88dbb8c733f0e8b3f6'],
  ['md5', seq(1, 25), rep(0xcd, 50), '697eaf0aca3a3aea3a75164746ffaa79'],
  ['md5', rep(0x0c, 16), TRUNCATION, '56461ef2342edc00f9bab995690efd4c'],
  ['md5', rep(0xaa, 80), BIG_KEY, '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd'],
  ['md5', rep(0xaa, 80), BIG_KEY_DATA, '6f630fad67cda0ee1fb1f562db3aa53e'],
  ['sha1', rep(0x0b, 20), 'Hi There', 'b617318655057264e28bc0b6fb378c8ef146be00'],
  ['sha1', 'Jefe', 'what do ya want for nothing?', 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
  ['sha1', rep(0xaa, 20), rep(0xdd, 50), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
  ['sha1', seq(1, 25), rep(0xcd, 50), '4c9007f4026250c6bc8414f9bf50c86c2d7235da'],
  ['sha1', rep(0x0c, 20), TRUNCATION, '4c1a03424b55e07fe7f27be1d58bb9324a9a5a04'],
  ['sha1', rep(0xaa, 80), BIG_KEY, 'aa4ae5e15272d00e95705637ce8a3b55ed402112'],
  ['sha1', rep(0xaa, 80), BIG_KEY_DATA, 'e8e99d0f45237d786d6bbaa7965c7808bbff1a91'],
  ['sha256', rep(0x0b, 20), 'Hi There', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  ['sha256', 'Jefe', 'what do ya want for nothing?', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  ['sha256', rep(0xaa, 20), rep(0xdd, 50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  ['sha256', seq(1, 25), rep(0xcd, 50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
  ['sha256', rep(0xaa, 131), BIG_KEY, '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  ['sha256', rep(0xaa, 131), RFC4231_7, '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
];
// RFC 4231 §4.6 truncates to 128 bits.
export const RFC4231_TRUNCATED = 'a3b6167473100ee06e0c796c2955552b';

/** PROTOCOL-NOTES.md, "Signing, as real peers do it". */
const SIGNING = 'clientId12345deviceNamedeviceproductKeypktimestamp789';
const SIGNED: readonly [HashAlgorithm, string][] = [
  ['md5', '14b198324fe55e1d3c88f2e705e201ee'],
  ['sha1', 'fafd82a3d602b37fb0fa8b7892f24a477f851a14'],
  ['sha256', '6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57'],
];

/** Non-ASCII text is hashed as its UTF-8 bytes, a lone surrogate as U+FFFD (as TextEncoder does). */
const TEXT: readonly [string, number[]][] = [
  ['é', [0xc3, 0xa9]],
  ['设备€', [0xe8, 0xae, 0xbe, 0xe5, 0xa4, 0x87, 0xe2, 0x82, 0xac]],
  ['\u{1F600}x', [0xf0, 0x9f, 0x98, 0x80, 0x78]],
  ['a\ud800b', [0x61, 0xef, 0xbf, 0xbd, 0x62]],
];

function digestVectors(api: Pick<HashFunctions, 'hashHex' | 'hash' | 'createHash'>, label: string): void {
  for (const [alg, text, hex] of DIGESTS) {
    equal(api.hashHex(alg, text), hex, `${label} ${alg}(${JSON.stringify(text.slice(0, 12))})`);
    equal(api.hashHex(alg, text, true), hex.toUpperCase(), `${label} ${alg}(${JSON.stringify(text.slice(0, 12))}) uppercase`);
    equal(toHex(api.hash(alg, ascii(text))), hex, `${label} ${alg} bytes`);
    // Byte by byte, then in uneven pieces: every split of the buffering must agree.
    const h = api.createHash(alg);
    for (const ch of text) h.update(ch);
    equal(h.digestHex(), hex, `${label} ${alg} streamed`);
  }
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function macVectors(api: Pick<HashFunctions, 'hmacHex' | 'hmacKey'>, label: string): void {
  for (const [alg, key, data, hex] of MACS) {
    equal(api.hmacHex(alg, key, data), hex, `${label} hmac-${alg} ${hex.slice(0, 8)}`);
    const k = api.hmacKey(alg, key);
    equal(k.signHex(data), hex, `${label} hmacKey-${alg} ${hex.slice(0, 8)}`);
    equal(k.signHex(data), hex, `${label} hmacKey-${alg} reused`);
    equal(toHex(k.sign(data)), hex, `${label} hmacKey-${alg} bytes`);
    const s = k.create({ resumable: true });
    if (typeof data === 'string') for (const ch of data) s.update(ch);
    else for (let i = 0; i < data.length; i += 7) s.update(data.subarray(i, i + 7));
    equal(s.digestHex(), hex, `${label} hmacKey-${alg} streamed`);
  }
  equal(api.hmacHex('sha256', rep(0x0c, 20), TRUNCATION).slice(0, 32), RFC4231_TRUNCATED, `${label} RFC 4231 4.6`);
  for (const [alg, hex] of SIGNED) equal(api.hmacKey(alg, 'secret').signHex(SIGNING), hex, `${label} signing ${alg}`);
}

/**
 * A hashed prefix completed by suffixes: the EnOS CONNECT vector of PROTOCOL-NOTES.md (prefix
 * of 53 bytes, so the padding spills into a second block), and prefixes of 0, 63, 64, 65 and
 * 130 UTF-8 bytes (no whole block, one byte short, exactly one, one over, two and a bit), part
 * non-ASCII, each checked against the one-shot digest of the whole.
 */
function prefixVectors(api: Pick<HashFunctions, 'hashPrefix' | 'hashHex'>, label: string): void {
  const enos = api.hashPrefix('sha256', 'clientId123456deviceKeytestproductKey654321timestamp');
  for (let i = 0; i < 2; i++) {
    equal(enos.hashHex('1548753362502abcdefg', true), 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166', `${label} EnOS prefix ${i}`);
  }
  equal(api.hashPrefix('md5', 'ab').hashHex('c'), '900150983cd24fb0d6963f7d28e17f72', `${label} md5 ab|c`);
  equal(toHex(api.hashPrefix('sha1', '').hash('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d', `${label} sha1 |abc`);
  equal(api.hashPrefix('sha256', 'abcdbcdecdefdefgefghfghighijhijkijkljklm').hashHex('klmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1', `${label} sha256 NIST split`);
  for (const alg of ['md5', 'sha1', 'sha256'] as const) {
    for (const n of [0, 63, 64, 65, 130]) {
      const pre = 'é'.repeat(n >> 2) + 'a'.repeat(n - 2 * (n >> 2)); // n UTF-8 bytes
      const p = api.hashPrefix(alg, pre);
      for (const suffix of ['', '1700000000000deviceSecret', 'x'.repeat(120), seq(0, 255)]) {
        const whole = typeof suffix === 'string' ? api.hashHex(alg, pre + suffix) : api.hashHex(alg, new Uint8Array([...utf8(pre), ...suffix]));
        equal(p.hashHex(suffix), whole, `${label} ${alg} prefix ${n} + ${suffix.length}`);
        equal(toHex(p.hash(suffix)), whole, `${label} ${alg} prefix ${n} + ${suffix.length} bytes`);
      }
    }
  }
}

/**
 * The same vectors through numbered slots of a prefix table: slots refilled with other
 * algorithms and prefixes, and suffixes hashed in an order that moves between slots, must each
 * give the one-shot digest of their own prefix + suffix.
 */
function prefixTableVectors(api: Pick<HashFunctions, 'hashPrefixTable' | 'hashHex'>, label: string): void {
  const t = api.hashPrefixTable(8);
  t.set(5, 'sha256', 'clientId123456deviceKeytestproductKey654321timestamp');
  equal(t.algorithm(5), 'sha256', `${label} slot algorithm`);
  equal(t.algorithm(4), undefined, `${label} empty slot`);
  equal(t.hashHex(5, '1548753362502abcdefg', true), 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166', `${label} EnOS slot`);
  t.set(6, 'sha256', 'clientId123456deviceKeytestproductKey654321timestamp', 'abcdefg');
  equal(t.hashHex(6, '1548753362502', true), 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166', `${label} EnOS slot with the secret as tail`);
  const prefixes: [HashAlgorithm, string][] = [];
  for (const alg of ['md5', 'sha1', 'sha256'] as const) {
    for (const n of [0, 63, 64, 65, 130]) prefixes.push([alg, 'é'.repeat(n >> 2) + 'a'.repeat(n - 2 * (n >> 2))]);
  }
  // Tails: none, a secret, one that crosses a block, one longer than the inline tail arena.
  const tails = ['', 'deviceSecret', 'ü'.repeat(40), 't'.repeat(200)];
  for (let round = 0; round < 4; round++) {
    // Fifteen prefixes through eight slots: every slot is refilled, some with another algorithm.
    for (let i = 0; i < prefixes.length; i++) {
      const slot = (i * 3 + round) % 8;
      const [alg, pre] = prefixes[i]!;
      const tail = tails[(i + round) % tails.length]!;
      if (tail === '') t.set(slot, alg, pre);
      else t.set(slot, alg, pre, (i & 1) === 0 ? tail : Uint8Array.from(utf8(tail)));
      for (const suffix of ['', '1700000000000', '1700000000000deviceSecret', 'é'.repeat(10), 'x'.repeat(120), seq(0, 255)]) {
        const whole = typeof suffix === 'string' ? api.hashHex(alg, pre + suffix + tail) : api.hashHex(alg, new Uint8Array([...utf8(pre), ...suffix, ...utf8(tail)]));
        equal(t.hashHex(slot, suffix), whole, `${label} ${alg} slot ${slot} prefix ${pre.length} + ${suffix.length}`);
        equal(toHex(t.hash(slot, suffix)), whole, `${label} ${alg} slot ${slot} prefix ${pre.length} + ${suffix.length} bytes`);
      }
    }
  }
  equal(t.hashHex(5, '1548753362502abcdefg', true) === 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166', false, `${label} slot 5 refilled`);
}

/** UTF-8 of text without surrogates (not every runtime has TextEncoder). */
function utf8(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

function snapshotRoundTrip(api: HashFunctions | undefined, label: string): void {
  const create = api?.createHash ?? createHash;
  const restore = api?.restoreHash ?? restoreHash;
  for (const alg of ['md5', 'sha1', 'sha256'] as const) {
    const whole = 'The quick brown fox jumps over the lazy dog, again and again, past one block and into the next one.';
    for (const cut of [0, 1, 63, 64, 65, 99]) {
      const h = create(alg, { resumable: true }).update(whole.slice(0, cut));
      const saved = h.snapshot();
      const resumed = restore(saved).update(whole.slice(cut)).digestHex();
      equal(resumed, hashHex(alg, whole), `${label} ${alg} resumed at ${cut}`);
      equal(h.update(whole.slice(cut)).digestHex(), resumed, `${label} ${alg} original still usable at ${cut}`);
    }
  }
  const key = (api?.hmacKey ?? hmacKey)('sha256', 'device-secret');
  const m = key.create({ resumable: true }).update('clientId12345');
  equal(restore(m.snapshot()).update('deviceName').digestHex(), key.signHex('clientId12345deviceName'), `${label} HMAC resumed`);
}

interface WasmProbe {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => object;
}

/** Why this runtime cannot run the embedded module, or undefined when it can. */
function wasmRefusal(): string | undefined {
  const api = (globalThis as { WebAssembly?: WasmProbe }).WebAssembly;
  if (api === undefined) return 'no WebAssembly';
  try {
    new api.Instance(new api.Module(wasmBytes()), {});
    return undefined;
  } catch (e) {
    return String(e);
  }
}

function onBackend(name: BackendName, run: (api: HashFunctions) => void): ConformanceCase {
  return {
    name: `hash: standard vectors forced onto the ${name} backend`,
    run() {
      if (!availableHashBackends().includes(name)) {
        // Only WASM may be missing, and only where the runtime refuses the module (QuickJS has
        // no WebAssembly; a CSP or an address-space limit can refuse it): then forcing it is a
        // typed error and the defaults still give the right digests on JS.
        ok(name === 'wasm' && wasmRefusal() !== undefined, `${name} backend missing although the runtime can run it`);
        throwsCode(() => hashWith(name), 'backend_unavailable', `forcing ${name}`);
        digestVectors({ hash, hashHex, createHash }, 'fallback');
        return;
      }
      run(hashWith(name));
    },
  };
}

/** Vectors that must hold in every runtime, on the default path and forced onto each backend. */
export const cases: ConformanceCase[] = [
  {
    name: 'hash: RFC 1321 and FIPS 180 digests (default backend)',
    run: () => digestVectors({ hash, hashHex, createHash }, 'default'),
  },
  {
    // 3 MB through an interpreter (QuickJS, no WebAssembly) takes ~20 s, so there only SHA-256,
    // the firmware digest, runs it; Node's tests run all three on every backend.
    name: 'hash: one million "a" in 1000-byte pieces (SHA-256 only without WebAssembly)',
    run() {
      const a1000 = rep(0x61, 1000);
      const wasm = availableHashBackends().includes('wasm');
      for (const [alg, hex] of MILLION_A) {
        if (!wasm && alg !== 'sha256') continue;
        const h = createHash(alg);
        for (let i = 0; i < 1000; i++) h.update(a1000);
        equal(h.digestHex(), hex, `${alg} streamed`);
      }
    },
  },
  {
    name: 'hash: RFC 2202 and RFC 4231 HMAC vectors, with reused keys (default backend)',
    run: () => macVectors({ hmacHex, hmacKey }, 'default'),
  },
  {
    name: 'hash: strings are hashed as UTF-8, including non-ASCII and lone surrogates',
    run() {
      for (const [text, bytes] of TEXT) {
        for (const alg of ['md5', 'sha1', 'sha256'] as const) {
          equal(hashHex(alg, text), toHex(hash(alg, Uint8Array.from(bytes))), `${alg}(${JSON.stringify(text)})`);
          equal(hmacHex(alg, text, text), hmacHex(alg, Uint8Array.from(bytes), Uint8Array.from(bytes)), `hmac-${alg}(${JSON.stringify(text)})`);
        }
      }
      equal(hashHex('sha256', 'é'), hashHex('sha256', fromHex('c3a9')), 'é');
    },
  },
  {
    name: 'hash: hashed prefixes completed by suffixes (default backend)',
    run: () => prefixVectors({ hashPrefix, hashHex }, 'default'),
  },
  {
    name: 'hash: a prefix table gives each slot the digest of its own prefix + suffix, on every backend',
    run() {
      prefixTableVectors({ hashPrefixTable, hashHex }, 'default');
      for (const b of availableHashBackends()) prefixTableVectors(hashWith(b), b);
    },
  },
  {
    name: 'hash: snapshot and restore continue the same digest (default backend)',
    run: () => snapshotRoundTrip(undefined, 'default'),
  },
  {
    name: 'hash: snapshots are the same bytes on every portable backend and restore across them',
    run() {
      const portable = availableHashBackends().filter((b) => b !== 'native');
      const snaps = portable.map((b) => hashWith(b).createHash('sha1').update('abc'.repeat(30)).snapshot());
      for (let i = 1; i < snaps.length; i++) equal(snaps[i], snaps[0], `${portable[i]} vs ${portable[0]}`);
      for (const b of portable) equal(hashWith(b).restoreHash(snaps[0]!).update('!').digestHex(), hashHex('sha1', 'abc'.repeat(30) + '!'), `restored on ${b}`);
    },
  },
  {
    name: 'hash: several open hashers and keys interleave without disturbing each other',
    run() {
      const a = createHash('sha256', { resumable: true });
      const b = createHash('md5', { resumable: true });
      const k1 = hmacKey('sha1', 'one');
      const k2 = hmacKey('sha1', 'two');
      const m = k1.create({ resumable: true });
      for (let i = 0; i < 50; i++) {
        a.update(`a${i}`);
        b.update(`b${i}`);
        m.update(`m${i}`);
        equal(k1.signHex(`x${i}`), hmacHex('sha1', 'one', `x${i}`), 'k1');
        equal(k2.signHex(`x${i}`), hmacHex('sha1', 'two', `x${i}`), 'k2');
      }
      const text = (p: string): string => Array.from({ length: 50 }, (_, i) => `${p}${i}`).join('');
      equal(a.digestHex(), hashHex('sha256', text('a')), 'a');
      equal(b.digestHex(), hashHex('md5', text('b')), 'b');
      equal(m.digestHex(), hmacHex('sha1', 'one', text('m')), 'm');
    },
  },
  {
    name: 'hash: bad input, unknown algorithms, misuse and corrupt snapshots are typed errors',
    run() {
      throwsCode(() => hash('sha512' as HashAlgorithm, 'x'), 'unknown_algorithm', 'sha512');
      throwsCode(() => createHash('__proto__' as HashAlgorithm), 'unknown_algorithm', '__proto__');
      throwsCode(() => hmacKey('SHA1' as HashAlgorithm, 'k'), 'unknown_algorithm', 'SHA1');
      throwsCode(() => hashPrefix('sha384' as HashAlgorithm, 'p'), 'unknown_algorithm', 'prefix sha384');
      throwsCode(() => hashPrefix('md5', 7 as unknown as string), 'invalid_input', 'number prefix');
      throwsCode(() => hashPrefix('md5', 'p').hashHex(undefined as unknown as string), 'invalid_input', 'undefined suffix');
      for (const size of [0, -1, 1.5, Number.NaN, 2 ** 21, '8' as unknown as number]) throwsCode(() => hashPrefixTable(size), 'invalid_input', `table of ${String(size)}`);
      const t = hashPrefixTable(4);
      for (const slot of [-1, 4, 0.5, Number.NaN, '0' as unknown as number]) throwsCode(() => t.set(slot, 'md5', 'p'), 'invalid_input', `set slot ${String(slot)}`);
      throwsCode(() => t.set(0, 'sha512' as HashAlgorithm, 'p'), 'unknown_algorithm', 'table sha512');
      throwsCode(() => t.set(0, 'md5', 7 as unknown as string), 'invalid_input', 'table number prefix');
      throwsCode(() => t.set(0, 'md5', 'p', null as unknown as string), 'invalid_input', 'table null tail');
      throwsCode(() => t.hashHex(1, 'x'), 'invalid_input', 'empty slot');
      throwsCode(() => t.hash(9, 'x'), 'invalid_input', 'slot out of range');
      t.set(0, 'md5', 'p');
      throwsCode(() => t.hashHex(0, null as unknown as string), 'invalid_input', 'null suffix');
      throwsCode(() => hash('md5', 42 as unknown as string), 'invalid_input', 'number');
      throwsCode(() => hash('md5', null as unknown as string), 'invalid_input', 'null');
      throwsCode(() => hash('md5', [1, 2] as unknown as Uint8Array), 'invalid_input', 'array');
      throwsCode(() => hmacHex('md5', {} as unknown as string, 'x'), 'invalid_input', 'object key');
      throwsCode(() => createHash('md5').update(new ArrayBuffer(2) as unknown as Uint8Array), 'invalid_input', 'ArrayBuffer');
      const h = createHash('sha1');
      h.update('x').digest();
      throwsCode(() => h.update('y'), 'finished', 'update after digest');
      throwsCode(() => h.digest(), 'finished', 'digest twice');
      throwsCode(() => h.snapshot(), 'finished', 'snapshot after digest');
      const saved = createHash('sha256', { resumable: true }).update('resume me').snapshot();
      throwsCode(() => restoreHash(new Uint8Array(0)), 'invalid_snapshot', 'empty');
      throwsCode(() => restoreHash(saved.subarray(0, saved.length - 1)), 'invalid_snapshot', 'truncated');
      throwsCode(() => restoreHash('LWH' as unknown as Uint8Array), 'invalid_input', 'string snapshot');
      for (let i = 0; i < saved.length; i++) {
        const bad = saved.slice();
        bad[i]! ^= 0x10;
        throwsCode(() => restoreHash(bad), 'invalid_snapshot', `bit flipped in byte ${i}`);
      }
      equal(restoreHash(saved).digestHex(), hashHex('sha256', 'resume me'), 'intact snapshot');
    },
  },
  onBackend('wasm', (api) => {
    digestVectors(api, 'wasm');
    macVectors(api, 'wasm');
    snapshotRoundTrip(api, 'wasm');
    prefixVectors(api, 'wasm');
  }),
  onBackend('js', (api) => {
    digestVectors(api, 'js');
    macVectors(api, 'js');
    snapshotRoundTrip(api, 'js');
    prefixVectors(api, 'js');
  }),
];
