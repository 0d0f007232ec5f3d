import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlinkError, decodeCbor, decodeJson, encodeCbor, encodeJson, stringifyJson } from '@linkwire/alink';
import { hostilePayload, jsonValue } from '@linkwire/alink/testing';
import { hostileCbor } from '@linkwire/base/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { cpuMs } from '../../../test/support/stream.ts';

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

/**
 * fast-check's JSON values with integers beyond 2^53 made safe (those decode to bigint) and
 * without `__proto__` keys (refused by design): both are tested apart.
 */
const safeJson = fc.jsonValue({ maxDepth: 6 }).map(function safe(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? (v % 1e6) + 0.5 : v;
  if (Array.isArray(v)) return v.map(safe);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '__proto__').map(([k, x]) => [k, safe(x)]));
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
        const t0 = cpuMs();
        decodeJson(text, { maxBytes: 1e8 });
        best = Math.min(best, cpuMs() - t0);
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

// The codec is @linkwire/base's (round trips, the cbor-x oracle, malformed input, bounds and
// cost are tested in packages/base/test/cbor.test.ts); here: alink's face of it.
describe('CBOR', () => {
  it('round-trips Alink JSON values', () => {
    fc.assert(fc.property(jsonValue(), (v) => {
      expect(decodeCbor(encodeCbor(v))).toEqual(v);
    }), { numRuns: numRuns(100) });
  });

  it('throws AlinkError with the codes and offsets it always had', () => {
    const table: [number[], string, number | undefined][] = [
      [[0xd9, 0xdf, 0xff, 0x80], 'invalid_cbor', 0], // a cbor-x record
      [[0x9f, 0xff], 'invalid_cbor', 0],
      [[0x82, 0x01, 0xf7], 'invalid_cbor', 2],
      [[0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], 'duplicate_key', 4],
      [[0xa1, 0x69, 0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f, 0x01], 'forbidden_key', 1],
      [[0x62, 0xc3, 0x28], 'invalid_utf8', 1],
      [new Array<number>(40).fill(0x81), 'too_deep', 32],
    ];
    for (const [bytes, code, offset] of table) {
      let got: unknown;
      try {
        decodeCbor(Uint8Array.from(bytes));
      } catch (e) {
        got = e;
      }
      expect(got, bytes.join(',')).toBeInstanceOf(AlinkError);
      expect([(got as AlinkError).code, (got as AlinkError).offset], bytes.join(',')).toEqual([code, offset]);
    }
    expect(codeOf(() => decodeCbor(new Uint8Array(11), { maxBytes: 10 }))).toBe('too_large');
    expect(codeOf(() => decodeCbor(new Uint8Array(4).fill(0x81), { maxDepth: 3 }))).toBe('too_deep');
    expect(codeOf(() => decodeCbor('a0' as unknown as Uint8Array))).toBe('invalid_cbor');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(codeOf(() => encodeCbor(cyclic))).toBe('invalid_value');
    expect(codeOf(() => encodeCbor(() => 1))).toBe('invalid_value');
  });

  it('never throws anything but AlinkError on hostile bytes', () => {
    fc.assert(fc.property(hostileCbor(), (b) => {
      try {
        decodeCbor(b);
      } catch (e) {
        expect(e).toBeInstanceOf(AlinkError);
      }
    }), { numRuns: numRuns(500) });
  });
});
