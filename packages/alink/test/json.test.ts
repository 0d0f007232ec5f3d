import fc from 'fast-check';
import { decode as cborxDecode, Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { AlinkError, decodeCbor, decodeJson, encodeCbor, encodeJson, stringifyJson } from '@linkwire/alink';
import { hostilePayload, jsonValue } from '@linkwire/alink/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const enc = new TextEncoder();

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (!(e instanceof AlinkError)) throw e;
    return e.code;
  }
  return undefined;
}

/** fast-check's JSON values with integers beyond 2^53 made safe: those decode to bigint, tested apart. */
const safeJson = fc.jsonValue({ maxDepth: 6 }).map(function safe(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? (v % 1e6) + 0.5 : v;
  if (Array.isArray(v)) return v.map(safe);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, safe(x)]));
  return v;
});

describe('decodeJson', () => {
  it('gives what JSON.parse gives for any JSON text, as bytes or string', () => {
    fc.assert(fc.property(safeJson, (v) => {
      const text = JSON.stringify(v);
      const expected = JSON.parse(text);
      expect(decodeJson(text)).toEqual(expected);
      expect(decodeJson(enc.encode(text))).toEqual(expected);
      expect(decodeJson(text, { duplicateKeys: 'reject' })).toEqual(expected);
    }), { numRuns: numRuns(300) });
  });

  it('keeps integers beyond 2^53 exact as bigint (seed §3.4 messageId 892687627916247040)', () => {
    const v = decodeJson('{"code":0,"message":"success","info":{"messageId":892687627916247040}}') as { info: { messageId: unknown } };
    expect(v.info.messageId).toBe(892687627916247040n);
    expect(stringifyJson(v)).toBe('{"code":0,"message":"success","info":{"messageId":892687627916247040}}');
    expect(decodeJson('[9007199254740991,-9007199254740993,1e300,12345678901234567890.5]')).toEqual([9007199254740991, -9007199254740993n, 1e300, 12345678901234567890.5]);
  });

  it('round-trips big integers exactly', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
      const back = decodeJson(stringifyJson({ n })) as { n: unknown };
      expect(BigInt(back.n as bigint | number)).toBe(n);
    }), { numRuns: numRuns(300) });
  });

  it('refuses __proto__ keys, also when a \\u escape spells them, and keeps constructor/prototype as own data', () => {
    expect(codeOf(() => decodeJson('{"a":{"__proto__":{"polluted":1}}}'))).toBe('forbidden_key');
    expect(codeOf(() => decodeJson('{"a":{"\\u005f_proto__":{"polluted":1}}}'))).toBe('forbidden_key');
    expect(codeOf(() => decodeJson('[{"__proto__":1}]', { duplicateKeys: 'reject' }))).toBe('forbidden_key');
    const v = decodeJson('{"constructor":{"prototype":{"polluted":1}}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['constructor']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(decodeJson('{"s":"__proto__"}')).toEqual({ s: '__proto__' });
  });

  it('refuses duplicate keys when asked (signed documents)', () => {
    expect(decodeJson('{"a":1,"a":2}')).toEqual({ a: 2 });
    expect(codeOf(() => decodeJson('{"a":1,"a":2}', { duplicateKeys: 'reject' }))).toBe('duplicate_key');
    expect(codeOf(() => decodeJson('{"a":1,"\\u0061":2}', { duplicateKeys: 'reject' }))).toBe('duplicate_key');
  });

  it('bounds size and depth', () => {
    expect(codeOf(() => decodeJson('[1]', { maxBytes: 2 }))).toBe('too_large');
    expect(codeOf(() => decodeJson(`${'['.repeat(33)}${']'.repeat(33)}`))).toBe('too_deep');
    expect(decodeJson(`${'['.repeat(32)}${']'.repeat(32)}`)).toBeDefined();
    expect(codeOf(() => decodeJson(`${'['.repeat(100000)}${']'.repeat(100000)}`))).toBe('too_deep');
    expect(codeOf(() => decodeJson(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, { duplicateKeys: 'reject' }))).toBe('too_deep');
  });

  it('insists on strict UTF-8 and says where it breaks', () => {
    let err: AlinkError | undefined;
    try {
      decodeJson(Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    } catch (e) {
      err = e as AlinkError;
    }
    expect(err?.code).toBe('invalid_utf8');
    expect(err?.offset).toBe(6);
    expect(codeOf(() => decodeJson(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])))).toBe('invalid_json');
  });

  it('the exact parser rejects exactly what JSON.parse rejects', () => {
    const texts = fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue().map((v) => JSON.stringify(v)).chain((t) => fc.nat({ max: t.length }).map((n) => t.slice(0, n) + t.slice(n + 1))));
    fc.assert(fc.property(texts, (t) => {
      let ok = true;
      try {
        JSON.parse(t);
      } catch {
        ok = false;
      }
      const code = codeOf(() => decodeJson(t, { duplicateKeys: 'reject' }));
      // The exact parser may meet a duplicate key before the syntax error further on.
      if (ok) expect([undefined, 'duplicate_key', 'forbidden_key', 'too_deep']).toContain(code);
      else expect(['invalid_json', 'duplicate_key', 'forbidden_key', 'too_deep']).toContain(code);
    }), { numRuns: numRuns(1000) });
  });

  it('never throws anything but AlinkError on hostile payloads, and never pollutes Object.prototype', () => {
    fc.assert(fc.property(hostilePayload(), fc.boolean(), (bytes, strict) => {
      try {
        decodeJson(bytes, strict ? { duplicateKeys: 'reject' } : undefined);
      } catch (e) {
        expect(e).toBeInstanceOf(AlinkError);
      }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    }), { numRuns: numRuns(500) });
  });

  it('costs time linear in the input (no quadratic path), on the fast and the exact path', () => {
    const cost = (n: number, exact: boolean): number => {
      const text = `[${Array.from({ length: n }, (_, i) => `{"p":${i},"s":"${exact ? '\\u0041' : 'A'}"}`).join(',')}]`;
      let best = Infinity;
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        decodeJson(text, { maxBytes: 1e8 });
        best = Math.min(best, performance.now() - t0);
      }
      return Math.max(best, 0.05);
    };
    for (const exact of [false, true]) {
      cost(4000, exact);
      const ratio = cost(64000, exact) / cost(4000, exact);
      expect(ratio).toBeLessThan(16 * 6);
    }
  });
});

describe('stringifyJson / encodeJson', () => {
  it('writes what JSON.stringify writes', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(stringifyJson(v)).toBe(JSON.stringify(v));
      expect(new TextDecoder().decode(encodeJson(v))).toBe(JSON.stringify(v));
    }), { numRuns: numRuns(200) });
  });

  it('refuses cycles and functions with a typed error', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(codeOf(() => stringifyJson(a))).toBe('invalid_value');
    expect(codeOf(() => stringifyJson(() => 1))).toBe('invalid_value');
    expect(stringifyJson({ a: 1n, b: [2n, undefined], c: undefined })).toBe('{"a":1,"b":[2,null]}');
  });
});

/** cbor-x decodes 64-bit integers to bigint; ours only beyond 2^53. */
function numbersOnly(v: unknown): unknown {
  if (typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) >= 2 ** 32) return BigInt(v);
  if (Array.isArray(v)) return v.map(numbersOnly);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numbersOnly(x)]));
  return v;
}

const standard = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

describe('CBOR', () => {
  it('round-trips JSON values and agrees with cbor-x both ways', () => {
    fc.assert(fc.property(jsonValue(), (v) => {
      const ours = encodeCbor(v);
      expect(decodeCbor(ours)).toEqual(v);
      expect(cborxDecode(ours)).toEqual(numbersOnly(v));
      expect(decodeCbor(standard.encode(v))).toEqual(v);
    }), { numRuns: numRuns(300) });
  });

  it('writes the RFC 8949 Appendix A encodings', () => {
    const hex = (v: unknown): string => Array.from(encodeCbor(v), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(hex(0)).toBe('00');
    expect(hex(23)).toBe('17');
    expect(hex(24)).toBe('1818');
    expect(hex(1000000)).toBe('1a000f4240');
    expect(hex(1000000000000)).toBe('1b000000e8d4a51000');
    expect(hex(18446744073709551615n)).toBe('1bffffffffffffffff');
    expect(hex(-1)).toBe('20');
    expect(hex(-1000)).toBe('3903e7');
    expect(hex(1.1)).toBe('fb3ff199999999999a');
    expect(hex(100000.0)).toBe('1a000186a0');
    expect(hex(false)).toBe('f4');
    expect(hex(null)).toBe('f6');
    expect(hex('IETF')).toBe('6449455446');
    expect(hex('\u00fc')).toBe('62c3bc');
    expect(hex([1, [2, 3], [4, 5]])).toBe('8301820203820405');
    expect(hex({ a: 1, b: [2, 3] })).toBe('a26161016162820203');
    expect(hex(Uint8Array.from([1, 2, 3, 4]))).toBe('4401020304');
    expect(decodeCbor(Uint8Array.from([0xf9, 0x3c, 0x00]))).toBe(1);
    expect(decodeCbor(Uint8Array.from([0xf9, 0x7b, 0xff]))).toBe(65504);
    expect(decodeCbor(Uint8Array.from([0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(-18446744073709551616n);
  });

  it('refuses tags (cbor-x records), indefinite lengths, undefined and bad structure with offsets', () => {
    const record = new Encoder({ useRecords: true }).encode([{ a: 1 }, { a: 2 }]);
    expect(codeOf(() => decodeCbor(record))).toBe('invalid_cbor');
    for (const bytes of [[0xc1, 0x00], [0x9f, 0xff], [0xf7], [0x1c], [0x62, 0x61], [0xa1, 0x01, 0x02], [0x00, 0x00], [], [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
      expect(codeOf(() => decodeCbor(Uint8Array.from(bytes))), bytes.join(',')).toBe('invalid_cbor');
    }
    expect(codeOf(() => decodeCbor(Uint8Array.from([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02])))).toBe('duplicate_key');
    expect(codeOf(() => decodeCbor(Uint8Array.from([0x62, 0xc3, 0x28])))).toBe('invalid_utf8');
    expect(codeOf(() => decodeCbor(new Uint8Array(40).fill(0x81)))).toBe('too_deep');
  });

  it('never throws anything but AlinkError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        decodeCbor(b);
      } catch (e) {
        expect(e).toBeInstanceOf(AlinkError);
      }
    }), { numRuns: numRuns(1000) });
  });
});
