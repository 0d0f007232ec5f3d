import { checkJsonTree, decodeCbor, describe, encodeCbor, fromHex, JSON_DEPTH_CEILING, parseExactJson, parseJson, toHex, utf8Encode, type CborValue } from '@linkwire/base';
import { equal, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

// RFC 8949 Appendix A examples inside the subset whose encoding is also the shortest form the
// encoder writes: [diagnostic value, hex]. Floats the RFC writes as half precision are below,
// read only (the encoder writes float32 at the shortest).
const BOTH_WAYS: readonly [CborValue, string][] = [
  [0, '00'], [1, '01'], [10, '0a'], [23, '17'], [24, '1818'], [25, '1819'], [100, '1864'], [1000, '1903e8'],
  [1000000, '1a000f4240'], [1000000000000, '1b000000e8d4a51000'], [18446744073709551615n, '1bffffffffffffffff'],
  [-18446744073709551616n, '3bffffffffffffffff'], [-1, '20'], [-10, '29'], [-100, '3863'], [-1000, '3903e7'],
  [1.1, 'fb3ff199999999999a'], [3.4028234663852886e38, 'fa7f7fffff'], [1.0e300, 'fb7e37e43c8800759c'],
  [-4.1, 'fbc010666666666666'], [false, 'f4'], [true, 'f5'], [null, 'f6'],
  [new Uint8Array(0), '40'], [Uint8Array.of(1, 2, 3, 4), '4401020304'],
  ['', '60'], ['a', '6161'], ['IETF', '6449455446'], ['"\\', '62225c'], ['\u00fc', '62c3bc'], ['\u6c34', '63e6b0b4'], ['\ud800\udd51', '64f0908591'],
  [[], '80'], [[1, 2, 3], '83010203'], [[1, [2, 3], [4, 5]], '8301820203820405'],
  [Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
  [{}, 'a0'], [{ a: 1, b: [2, 3] }, 'a26161016162820203'], [['a', { b: 'c' }], '826161a161626163'],
  [{ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' }, 'a56161614161626142616361436164614461656145'],
];

const READ_ONLY: readonly [CborValue, string][] = [
  [0, 'f90000'], [-0, 'f98000'], [1, 'f93c00'], [1.5, 'f93e00'], [65504, 'f97bff'], [100000, 'fa47c35000'],
  [5.960464477539063e-8, 'f90001'], [0.00006103515625, 'f90400'], [-4, 'f9c400'],
  [Infinity, 'f97c00'], [NaN, 'f97e00'], [-Infinity, 'f9fc00'], [Infinity, 'fa7f800000'], [-Infinity, 'fbfff0000000000000'],
];

// Appendix A items outside the subset: tags, simple values, undefined, non-text keys.
const REFUSED: readonly string[] = [
  'c074323031332d30332d32315432303a30343a30305a', 'c11a514b67b0', 'c249010000000000000000', 'd74401020304',
  'f0', 'f7', 'f8ff', 'a201020304',
];

// Appendix A indefinite-length items: refused by default, read with `indefiniteLengths`.
const INDEFINITE: readonly [CborValue, string][] = [
  [Uint8Array.of(1, 2, 3, 4, 5), '5f42010243030405ff'], ['streaming', '7f657374726561646d696e67ff'], [[], '9fff'],
  [[1, [2, 3], [4, 5]], '9f018202039f0405ffff'], [[1, [2, 3], [4, 5]], '9f01820203820405ff'], [[1, [2, 3], [4, 5]], '83018202039f0405ff'],
  [[1, [2, 3], [4, 5]], '83019f0203ff820405'], [{ a: 1, b: [2, 3] }, 'bf61610161629f0203ffff'], [['a', { b: 'c' }], '826161bf61626163ff'],
  [{ Fun: true, Amt: -2 }, 'bf6346756ef563416d7421ff'],
];

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    name: 'base: CBOR RFC 8949 Appendix A, encoded and decoded',
    run() {
      for (const [value, hex] of BOTH_WAYS) {
        equal(toHex(encodeCbor(value)), hex, `encode ${hex}`);
        equal(decodeCbor(fromHex(hex)), value, `decode ${hex}`);
      }
      for (const [value, hex] of READ_ONLY) equal(decodeCbor(fromHex(hex)), value, `decode ${hex}`);
    },
  },
  {
    name: 'base: CBOR refuses tags, simple values and non-text keys; indefinite lengths only when asked',
    run() {
      for (const hex of REFUSED) throwsCode(() => decodeCbor(fromHex(hex)), 'invalid_cbor', hex);
      for (const [value, hex] of INDEFINITE) {
        throwsCode(() => decodeCbor(fromHex(hex)), 'invalid_cbor', `${hex} by default`);
        equal(decodeCbor(fromHex(hex), { indefiniteLengths: true }), value, `decode ${hex}`);
      }
    },
  },
  {
    name: 'base: CBOR bounds, __proto__ and the JSON model',
    run() {
      throwsCode(() => decodeCbor(fromHex('a1695f5f70726f746f5f5f01')), 'forbidden_key', '__proto__ key');
      equal(Object.keys(decodeCbor(fromHex('a1695f5f70726f746f5f5f01'), { nullPrototype: true }) as object), ['__proto__'], '__proto__ as data');
      throwsCode(() => decodeCbor(fromHex('a2616101616102')), 'duplicate_key', 'duplicate key');
      throwsCode(() => decodeCbor(fromHex('62c328')), 'invalid_utf8', 'bad UTF-8');
      const deep = new Uint8Array(34).fill(0x81);
      deep[33] = 0;
      throwsCode(() => decodeCbor(deep), 'too_deep', '33 nested arrays');
      let nested: CborValue = 0;
      for (let i = 0; i < 32; i++) nested = [nested];
      equal(decodeCbor(deep.subarray(1)), nested, '32 nested arrays');
      throwsCode(() => decodeCbor(new Uint8Array(9), { maxBytes: 8 }), 'too_large', 'maxBytes');
      throwsCode(() => decodeCbor(fromHex('9b00000000ffffffff')), 'invalid_cbor', 'declared length beyond the input');
      throwsCode(() => decodeCbor(fromHex('4101'), { jsonOnly: true }), 'invalid_cbor', 'bytes outside the JSON model');
      throwsCode(() => decodeCbor(fromHex('f97e00'), { jsonOnly: true }), 'invalid_cbor', 'NaN outside the JSON model');
      throwsCode(() => decodeCbor(fromHex('f93c00'), { floats: false }), 'invalid_cbor', 'floats refused');
      throwsCode(() => encodeCbor(2n ** 64n), 'invalid_value', 'bigint beyond 64 bits');
    },
  },
  {
    name: 'base: safe JSON (limits, __proto__ in any spelling, exact big integers, duplicate keys)',
    run() {
      for (const t of ['{"__proto__":1}', '{"\\u005f_proto__":{"polluted":1}}', '[{"__pro\\u0074o__":1}]']) {
        throwsCode(() => parseJson(t), 'forbidden_key', t);
        throwsCode(() => parseJson(t, { duplicateKeys: 'reject' }), 'forbidden_key', `${t}, exact parser`);
      }
      equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype untouched');
      equal(parseExactJson('{"id":9007199254740993,"x":[1.5]}'), { id: 9007199254740993n, x: [1.5] }, 'exact big integer');
      equal(parseJson(utf8Encode('{"s":"é","a":[true,null]}')), { s: 'é', a: [true, null] }, 'bytes');
      throwsCode(() => parseJson('{"a":1,"a":2}', { duplicateKeys: 'reject' }), 'duplicate_key', 'duplicate key');
      throwsCode(() => parseJson('[[[1]]]', { maxDepth: 2 }), 'too_deep', 'depth 3 of 2');
      throwsCode(() => parseJson('[[[1]]]', { maxDepth: 2, duplicateKeys: 'reject' }), 'too_deep', 'depth 3 of 2, exact parser');
      throwsCode(() => parseJson('[1]', { maxBytes: 2 }), 'too_large', 'maxBytes');
      throwsCode(() => parseJson(Uint8Array.of(0x22, 0xff, 0x22)), 'invalid_utf8', 'bad UTF-8');
      throwsCode(() => parseJson('{'), 'syntax', 'syntax');
      throwsCode(() => parseJson('['.repeat(5000) + ']'.repeat(5000)), 'too_deep', 'deep nesting without exhausting the stack');
    },
  },
  {
    // Issue 24: the depth ceiling must be safe on the smallest stack linkwire runs on
    // (QuickJS, Chromium workers): the recursive parser and walk reach it, and stop there.
    name: 'base: JSON nesting up to the depth ceiling in every runtime, too_deep beyond it whatever maxDepth says',
    run() {
      const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
      equal(Array.isArray(parseExactJson(deep(JSON_DEPTH_CEILING), { maxDepth: Infinity, duplicateKeys: 'reject' })), true, 'the exact parser at the ceiling');
      equal(Array.isArray(parseJson(deep(JSON_DEPTH_CEILING), { maxDepth: 100_000 })), true, 'the walk at the ceiling');
      throwsCode(() => parseExactJson(deep(30_000), { maxDepth: 100_000, duplicateKeys: 'reject' }), 'too_deep', '30 000 levels, the exact parser');
      throwsCode(() => parseJson(deep(30_000), { maxDepth: 100_000 }), 'too_deep', '30 000 levels, the walk');
      let v: unknown[] = [];
      for (let i = 0; i < 30_000; i++) v = [v];
      throwsCode(() => checkJsonTree(v, 1e9, 1), 'too_deep', 'a 30 000-deep value handed to the walk');
      equal(describe(v), 'array(1)', 'describe of a deep value');
      equal(describe(123456789012345678901n), '123456789012345678901n', 'describe of a bigint');
    },
  },
];
