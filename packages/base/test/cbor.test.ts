import fc from 'fast-check';
import { decode as cborxDecode, Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { CborError, LinkwireError, decodeCbor, encodeCbor, fromHex, type CborDecodeOptions, type CborValue } from '@linkwire/base';
import { cborValue, hostileCbor } from '@linkwire/base/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MAX_COST_EXPONENT, costExponent } from '../../../test/support/stream.ts';

function errorOf(f: () => unknown): CborError | undefined {
  try {
    f();
  } catch (e) {
    if (!(e instanceof CborError)) throw e;
    return e;
  }
  return undefined;
}
const codeOf = (f: () => unknown): string | undefined => errorOf(f)?.code;

// Every combination the consumers use: alink (defaults), sign (flat), coap (JSON, indefinite).
const OPTION_SETS: CborDecodeOptions[] = [
  {},
  { maxDepth: 1, jsonOnly: true, floats: false, nullPrototype: true, maxBytes: 8192 },
  { maxDepth: 32, jsonOnly: true, indefiniteLengths: true, maxBytes: 64 * 1024 },
  { indefiniteLengths: true, nullPrototype: true, maxDepth: 4 },
];

/** What cbor-x gives for our encoding: 64-bit heads decode to bigint there, byte strings to Buffers. */
function asCborx(v: CborValue): unknown {
  if (typeof v === 'number' && Number.isSafeInteger(v) && (v >= 0 ? v : -1 - v) >= 2 ** 32) return BigInt(v);
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(asCborx);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asCborx(x)]));
  return v;
}
function plainBytes(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(plainBytes);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainBytes(x)]));
  return v;
}
/** What we give for cbor-x's encoding: it writes −0 as the integer 0. */
function fromCborx(v: CborValue): CborValue {
  if (Object.is(v, -0)) return 0;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(fromCborx);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCborx(x)]));
  return v;
}
// cbor-x refuses −2^64 (its negative 64-bit range stops one short of CBOR's).
const withinCborx = (v: CborValue): boolean => {
  if (typeof v === 'bigint') return v > -(2n ** 64n);
  if (Array.isArray(v)) return v.every(withinCborx);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v).every(withinCborx);
  return true;
};

const standard = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

describe('CBOR round trips', () => {
  it('decodes what it encodes, and encodes a decoded value to the same bytes', () => {
    fc.assert(fc.property(cborValue(), (v) => {
      const bytes = encodeCbor(v);
      const back = decodeCbor(bytes);
      expect(back).toEqual(v);
      expect(encodeCbor(back)).toEqual(bytes);
      expect(decodeCbor(bytes, { indefiniteLengths: true, nullPrototype: true })).toEqual(v);
    }), { numRuns: numRuns(400) });
  });

  it('refuses every proper prefix of an encoding with invalid_cbor and an offset inside it', () => {
    fc.assert(fc.property(cborValue(3), fc.nat(), (v, n) => {
      const bytes = encodeCbor(v);
      const cut = bytes.subarray(0, n % bytes.length);
      const e = errorOf(() => decodeCbor(cut));
      expect(e?.code).toBe('invalid_cbor');
      expect(e?.offset).toBeGreaterThanOrEqual(0);
      expect(e?.offset).toBeLessThanOrEqual(cut.length);
    }), { numRuns: numRuns(300) });
  });

  it('encodes into a fresh array each call, also when a getter encodes during an encoding', () => {
    const first = encodeCbor({ a: 'x'.repeat(100) });
    const copy = Uint8Array.from(first);
    encodeCbor({ b: 'y'.repeat(100) });
    expect(first).toEqual(copy);
    const inner = { get v() { return encodeCbor([1, 2, 3]); } };
    expect(decodeCbor(encodeCbor({ k: 'a', inner, z: 'z' }))).toEqual({ k: 'a', inner: { v: Uint8Array.of(0x83, 1, 2, 3) }, z: 'z' });
    expect(decodeCbor(encodeCbor('x'.repeat(100_000)))).toBe('x'.repeat(100_000));
  });

  it('never writes a result again: results share 8 KiB slabs, never bytes, and small ones are copies', () => {
    const kept: [Uint8Array, Uint8Array, CborValue][] = [];
    // Sizes from a few bytes to past a slab, so encodings fill slabs, start new ones and grow one.
    for (let i = 0; i < 600; i++) {
      const v: CborValue = i % 97 === 0 ? { big: 'z'.repeat(9000 + i) } : { i, s: 'x'.repeat((i * 37) % 700), t: [i, -i, i / 3] };
      const bytes = encodeCbor(v);
      kept.push([bytes, Uint8Array.from(bytes), v]);
    }
    for (const [bytes, copy, v] of kept) {
      expect(bytes.length === copy.length && bytes.every((x, j) => x === copy[j])).toBe(true);
      expect(decodeCbor(bytes, { maxBytes: 1 << 20 })).toEqual(v);
      expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    }
    const small = encodeCbor({ a: 1 });
    expect([small.byteOffset, small.buffer.byteLength]).toEqual([0, small.length]);
    // A caller may write into its result without touching anyone else's.
    const [a, b] = [encodeCbor('a'.repeat(100)), encodeCbor('b'.repeat(100))];
    a.fill(0);
    expect(decodeCbor(b)).toBe('b'.repeat(100));
  });

  it('reads keys exactly however they collide in the key cache', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${(i * 7919) % 10007}`.padEnd(1 + (i % 23), String.fromCharCode(33 + (i % 90))));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < keys.length; i += 50) {
        const o = Object.fromEntries(keys.slice(i, i + 50).map((k, j) => [k, j]));
        const back = decodeCbor(encodeCbor(o)) as Record<string, number>;
        expect(Object.keys(back)).toEqual(Object.keys(o));
        expect(back).toEqual(o);
      }
    }
  });

  it('survives a decode that starts inside another (a setter on Object.prototype)', () => {
    const inner = encodeCbor({ x: [1, 2, { y: 'z' }] });
    let seen: unknown;
    Object.defineProperty(Object.prototype, 'reenter', { configurable: true, set(v: unknown) { seen = [v, decodeCbor(inner)]; } });
    try {
      expect(decodeCbor(encodeCbor({ a: 1, reenter: 'r', b: [2, 'three'] }))).toEqual({ a: 1, b: [2, 'three'] });
      expect(seen).toEqual(['r', { x: [1, 2, { y: 'z' }] }]);
    } finally {
      delete (Object.prototype as Record<string, unknown>)['reenter'];
    }
  });

  it('hands out plain Uint8Arrays that do not alias the input', () => {
    const input = Uint8Array.of(0x42, 0x01, 0x02);
    const out = decodeCbor(input) as Uint8Array;
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    input[1] = 9;
    expect(out).toEqual(Uint8Array.of(1, 2));
    // cbor-x hands Node callers a Buffer; a Buffer input must still give plain, unshared bytes.
    const fromBuffer = decodeCbor(standard.encode([Uint8Array.of(7)])) as Uint8Array[];
    expect(Object.getPrototypeOf(fromBuffer[0])).toBe(Uint8Array.prototype);
  });
});

describe('CBOR against cbor-x (oracle)', () => {
  it('cbor-x reads our encoding as the same value', () => {
    fc.assert(fc.property(cborValue(), (v) => {
      expect(plainBytes(cborxDecode(encodeCbor(v)))).toEqual(asCborx(v));
    }), { numRuns: numRuns(300) });
  });

  it('we read cbor-x’s standard encoding as the same value', () => {
    fc.assert(fc.property(cborValue().filter(withinCborx), (v) => {
      expect(decodeCbor(standard.encode(v))).toEqual(fromCborx(v));
    }), { numRuns: numRuns(300) });
  });

  it('refuses cbor-x’s record and structure extensions (they are tags)', () => {
    const records = new Encoder({ useRecords: true }).encode([{ a: 1 }, { a: 2 }]);
    expect(codeOf(() => decodeCbor(records))).toBe('invalid_cbor');
    const tagged = new Encoder({ tagUint8Array: true }).encode(Uint8Array.of(1, 2));
    expect(codeOf(() => decodeCbor(tagged))).toBe('invalid_cbor');
  });
});

describe('CBOR malformed input', () => {
  it('throws nothing but CborError, with an offset inside the input, under every option set', () => {
    fc.assert(fc.property(hostileCbor(), fc.constantFrom(...OPTION_SETS), (bytes, options) => {
      try {
        decodeCbor(bytes, options);
      } catch (e) {
        expect(e).toBeInstanceOf(CborError);
        expect(e).toBeInstanceOf(LinkwireError);
        const offset = (e as CborError).offset;
        expect(Number.isInteger(offset)).toBe(true);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThanOrEqual(bytes.length);
      }
      expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    }), { numRuns: numRuns(1500) });
  });

  it('names the code and the offset of the item at fault', () => {
    const table: [string, string, number][] = [
      ['', 'invalid_cbor', 0],
      ['c100', 'invalid_cbor', 0], // tag
      ['8201c100', 'invalid_cbor', 2],
      ['9f01ff', 'invalid_cbor', 0], // indefinite, not enabled
      ['f7', 'invalid_cbor', 0], // undefined
      ['f0', 'invalid_cbor', 0], // simple(16)
      ['f8ff', 'invalid_cbor', 0],
      ['ff', 'invalid_cbor', 0], // lone break
      ['1c', 'invalid_cbor', 0], // reserved additional information
      ['6261', 'invalid_cbor', 0],
      ['a10102', 'invalid_cbor', 1], // integer key
      ['0000', 'invalid_cbor', 1], // trailing data
      ['9bffffffffffffffff', 'invalid_cbor', 0],
      ['820182', 'invalid_cbor', 2],
      ['a2616101616102', 'duplicate_key', 4],
      ['826161 62c328', 'invalid_utf8', 4], // absolute offset of the bad byte
      ['a1695f5f70726f746f5f5f01', 'forbidden_key', 1],
    ];
    for (const [hex, code, offset] of table) {
      const e = errorOf(() => decodeCbor(fromHex(hex.replace(/\s/g, ''))));
      expect([e?.code, e?.offset], hex).toEqual([code, offset]);
    }
    expect(codeOf(() => decodeCbor('a0' as unknown as Uint8Array))).toBe('invalid_cbor');
  });

  it('jsonOnly refuses byte strings, integers beyond 2^53 and non-finite floats at their offset', () => {
    for (const [hex, offset] of [['8141ff', 1], ['821b0020000000000000', 1], ['3b0020000000000000', 0], ['f97e00', 0], ['82f97c00', 1], ['fbfff0000000000000', 0], ['5f4101ff', 0]] as const) {
      const e = errorOf(() => decodeCbor(fromHex(hex), { jsonOnly: true, indefiniteLengths: true }));
      expect([e?.code, e?.offset], hex).toEqual(['invalid_cbor', offset]);
    }
    expect(decodeCbor(fromHex('1b001fffffffffffff'), { jsonOnly: true })).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeCbor(fromHex('f93e00'), { jsonOnly: true })).toBe(1.5);
  });

  it('floats: false refuses every float head, integral ones too', () => {
    for (const hex of ['f93c00', 'fa3f800000', 'fb3ff0000000000000']) {
      expect(errorOf(() => decodeCbor(fromHex(`a16161${hex}`), { floats: false }))?.offset, hex).toBe(3);
    }
  });

  it('reads indefinite lengths only when asked, and refuses malformed ones', () => {
    const on = { indefiniteLengths: true };
    expect(decodeCbor(fromHex('5f42010243030405ff'), on)).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
    expect(decodeCbor(fromHex('7f657374726561646d696e67ff'), on)).toBe('streaming');
    expect(decodeCbor(fromHex('bf61610161629f0203ffff'), on)).toEqual({ a: 1, b: [2, 3] });
    for (const [hex, offset] of [['5f6161ff', 1], ['5f5fffff', 1], ['9f01', 0], ['bf6161ff', 3], ['9f5f41', 2], ['bf6161016161ff', 4]] as const) {
      const e = errorOf(() => decodeCbor(fromHex(hex), on));
      expect([e?.code === 'invalid_cbor' || e?.code === 'duplicate_key', e?.offset], hex).toEqual([true, offset]);
    }
    // Each chunk must be UTF-8 on its own (RFC 8949 §3.2.3): a character split across two is refused.
    expect(errorOf(() => decodeCbor(fromHex('7f61c361a9ff'), on))?.code).toBe('invalid_utf8');
  });
});

describe('CBOR bounds', () => {
  const nested = (n: number, unit: readonly number[]): Uint8Array => Uint8Array.from([...Array.from({ length: n }, () => unit).flat(), 0x00]);

  it('accepts nesting up to maxDepth and refuses one more with too_deep at its offset', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom<readonly number[]>([0x81], [0x9f], [0xa1, 0x61, 0x61]), (maxDepth, n, unit) => {
      const bytes = unit[0] === 0x9f ? Uint8Array.from([...nested(n, unit), ...Array.from({ length: n }, () => 0xff)]) : nested(n, unit);
      const e = errorOf(() => decodeCbor(bytes, { maxDepth, indefiniteLengths: true }));
      if (n <= maxDepth) expect(e).toBeUndefined();
      else expect([e?.code, e?.offset]).toEqual(['too_deep', maxDepth * unit.length]);
    }), { numRuns: numRuns(300) });
    expect(codeOf(() => decodeCbor(nested(33, [0x81])))).toBe('too_deep');
    expect(codeOf(() => decodeCbor(nested(32, [0x81])))).toBeUndefined();
    // Far deeper than any stack allows: refused at the limit, never a RangeError.
    expect(codeOf(() => decodeCbor(nested(100_000, [0x81]), { maxBytes: 1 << 20 }))).toBe('too_deep');
    expect(codeOf(() => decodeCbor(nested(500_000, [0x81]), { maxBytes: 1 << 20, maxDepth: Infinity }))).toBe('too_deep');
  });

  it('refuses input beyond maxBytes before reading it', () => {
    expect(codeOf(() => decodeCbor(new Uint8Array(512 * 1024 + 1)))).toBe('too_large');
    const big = encodeCbor('x'.repeat(1000));
    expect(decodeCbor(big, { maxBytes: big.length })).toBe('x'.repeat(1000));
    expect(errorOf(() => decodeCbor(big, { maxBytes: big.length - 1 }))).toMatchObject({ code: 'too_large', offset: big.length - 1 });
  });

  it('checks declared lengths against the remaining input before allocating', () => {
    for (const hex of ['9b00000000ffffffff', 'bb00000000ffffffff', '5affffffff00', '7affffffff00', '9affffffff', 'ba7fffffff0000']) {
      expect(errorOf(() => decodeCbor(fromHex(hex))), hex).toMatchObject({ code: 'invalid_cbor', offset: 0 });
    }
  });

  it('encoding refuses cycles, functions, symbols and integers beyond 64 bits with invalid_value', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    for (const v of [cyclic, () => 1, Symbol('s'), 2n ** 64n, -(2n ** 64n) - 1n, { a: undefined, b: [Symbol('x')] }]) {
      expect(codeOf(() => encodeCbor(v))).toBe('invalid_value');
    }
    expect(encodeCbor(2n ** 64n - 1n)).toEqual(fromHex('1bffffffffffffffff'));
    expect(encodeCbor({ a: undefined, b: [undefined] })).toEqual(fromHex('a1616281f6'));
  });
});

describe('CBOR map keys', () => {
  const proto = '695f5f70726f746f5f5f'; // "__proto__"

  it('refuses a __proto__ key at any depth, and no decode reaches Object.prototype', () => {
    fc.assert(fc.property(fc.nat({ max: 6 }), (depth) => {
      const hex = `${'81'.repeat(depth)}a1${proto}a168706f6c6c75746564f5`;
      const e = errorOf(() => decodeCbor(fromHex(hex)));
      expect([e?.code, e?.offset]).toEqual(['forbidden_key', depth + 1]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    }), { numRuns: numRuns(20) });
  });

  it('with nullPrototype, keeps __proto__ as plain data in an object without a prototype', () => {
    const v = decodeCbor(fromHex(`a2${proto}61786161a0`), { nullPrototype: true }) as Record<string, CborValue>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.getPrototypeOf(v['a'])).toBeNull();
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(v['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('keeps constructor and prototype as own data', () => {
    const v = decodeCbor(encodeCbor({ constructor: { prototype: { polluted: true } } })) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['constructor']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('CBOR cost', () => {
  const head = (major: number, n: number): number[] => (n < 24 ? [(major << 5) | n] : [(major << 5) | 26, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
  const shapes: [string, (n: number) => Uint8Array][] = [
    ['a long array of integers', (n) => Uint8Array.from([...head(4, n), ...Array.from({ length: n }, (_, i) => i & 23)])],
    ['a map with many keys', (n) => encodeCbor(Object.fromEntries(Array.from({ length: n / 4 }, (_, i) => [`k${i}`, i])))],
    ['indefinite text in one-byte chunks', (n) => Uint8Array.from([0x7f, ...Array.from({ length: n / 2 }, () => [0x61, 0x61]).flat(), 0xff])],
    ['indefinite bytes in one-byte chunks', (n) => Uint8Array.from([0x5f, ...Array.from({ length: n / 2 }, () => [0x41, 0x01]).flat(), 0xff])],
    ['arrays nested to the limit, repeated', (n) => {
      const k = Math.floor(n / 32);
      return Uint8Array.from([...head(4, k), ...Array.from({ length: k }, () => [...Array.from({ length: 31 }, () => 0x81), 0x00]).flat()]);
    }],
  ];
  for (const [name, shape] of shapes) {
    it(`stays linear in the input: ${name}`, () => {
      const exponent = costExponent((n) => {
        const input = shape(n);
        return () => void decodeCbor(input, { maxBytes: 1 << 24, indefiniteLengths: true });
      }, 4096, 7, 32);
      expect(exponent).toBeLessThan(MAX_COST_EXPONENT);
    });
  }
});
