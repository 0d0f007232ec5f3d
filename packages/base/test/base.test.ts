import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JsonError, concatBytes, constantTimeEqual, constantTimeEqualHex, fromBase64, fromHex, parseExactJson, parseJson,
  toBase64, toHex, utf8Decode, utf8Encode, utf8Length, manualClock, seededRandom,
} from '@linkwire/base';
import { malformedBase64 } from '@linkwire/base/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('utf8', () => {
  it('encodes like TextEncoder for any string, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      const ours = utf8Encode(s);
      expect(ours).toEqual(enc.encode(s));
      expect(utf8Length(s)).toBe(ours.length);
    }), { numRuns: numRuns(300) });
  });
  it('decodes like TextDecoder for any bytes, malformed ones included', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(utf8Decode(b)).toBe(dec.decode(b));
    }), { numRuns: numRuns(1000) });
  });
  it('fatal mode throws a typed error with the offset', () => {
    expect(() => utf8Decode(Uint8Array.of(0x61, 0xc0, 0x80), { fatal: true })).toThrowError(/byte 1/);
    expect(() => utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80), { fatal: true })).toThrow();
  });
  it('round-trips well-formed text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => {
      expect(utf8Decode(utf8Encode(s), { fatal: true })).toBe(s);
    }), { numRuns: numRuns(300) });
  });
});

describe('hex and base64', () => {
  it('round-trip and match node', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
      expect(fromHex(toHex(b))).toEqual(b);
      expect(fromHex(toHex(b).toUpperCase())).toEqual(b);
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(toBase64(b))).toEqual(b);
    }), { numRuns: numRuns(500) });
  });
  it('rejects malformed input with typed errors', () => {
    expect(() => fromHex('abc')).toThrowError(/odd/);
    expect(() => fromHex('zz')).toThrowError(/invalid hex/);
    expect(() => fromBase64('QQ=')).toThrowError(/multiple of 4/);
    expect(() => fromBase64('QR==')).toThrowError(/padding bits/);
    fc.assert(fc.property(malformedBase64(), (s) => {
      expect(() => fromBase64(s)).toThrowError(expect.objectContaining({ code: 'invalid_base64' }));
    }), { numRuns: numRuns(300) });
  });
  it('concatenates', () => {
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe('constant-time equality', () => {
  it('agrees with ordinary equality', () => {
    fc.assert(fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
      expect(constantTimeEqual(a, b)).toBe(a === b);
      expect(constantTimeEqual(utf8Encode(a), utf8Encode(b))).toBe(a === b);
    }), { numRuns: numRuns(300) });
    expect(constantTimeEqual('ab', 'ab\0')).toBe(false);
    expect(constantTimeEqualHex('FAFD82', 'fafd82')).toBe(true);
    fc.assert(fc.property(fc.string({ maxLength: 66 }), fc.string({ maxLength: 66 }), (a, b) => {
      const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
      expect(constantTimeEqualHex(a, b)).toBe(fold(a) === fold(b));
      expect(constantTimeEqualHex(a, a.replace(/[a-z]/g, (c) => c.toUpperCase()))).toBe(true);
    }), { numRuns: numRuns(500) });
    expect(constantTimeEqualHex('@', '`')).toBe(false);
  });
});

describe('parseJson', () => {
  it('parses ordinary JSON from strings and bytes', () => {
    expect(parseJson('{"a":[1,2,{"b":null}]}')).toEqual({ a: [1, 2, { b: null }] });
    expect(parseJson(utf8Encode('{"s":"é"}'))).toEqual({ s: 'é' });
  });
  it('bounds size and depth, rejects __proto__ and bad UTF-8', () => {
    expect(() => parseJson('[1]', { maxBytes: 2 })).toThrowError(expect.objectContaining({ code: 'too_large' }));
    expect(() => parseJson('['.repeat(100000) + ']'.repeat(100000))).toThrowError(expect.objectContaining({ code: 'too_deep' }));
    expect(() => parseJson('"[[[[[[["', { maxDepth: 2 })).not.toThrow();
    expect(() => parseJson('{"a":{"__proto__":{"x":1}}}')).toThrowError(expect.objectContaining({ code: 'forbidden_key' }));
    expect(() => parseJson(Uint8Array.of(0x22, 0xff, 0x22))).toThrowError(expect.objectContaining({ code: 'invalid_utf8' }));
    expect(() => parseJson('{')).toThrowError(JsonError);
  });
  it('refuses __proto__ however it is spelt (a \\u escape made an own "__proto__" key before)', () => {
    for (const t of ['{"\\u005f_proto__":{"polluted":1}}', '{"a":[{"__pro\\u0074o__":1}]}', '{"\\u005F\\u005Fproto\\u005F\\u005F":0}']) {
      expect(() => parseJson(t), t).toThrowError(expect.objectContaining({ code: 'forbidden_key' }));
      expect(() => parseExactJson(t), t).toThrowError(expect.objectContaining({ code: 'forbidden_key' }));
      expect(() => parseJson(t, { duplicateKeys: 'reject' }), t).toThrowError(expect.objectContaining({ code: 'forbidden_key' }));
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
  it('keeps big integers exact on request, refuses duplicate keys on request', () => {
    expect(parseExactJson('{"id":9007199254740993,"n":[-9007199254740993,1.5,9007199254740991]}')).toEqual({ id: 9007199254740993n, n: [-9007199254740993n, 1.5, 9007199254740991] });
    expect(parseJson('{"id":9007199254740993}')).toEqual({ id: 9007199254740992 });
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 2 });
    expect(() => parseJson('{"a":1,"a":2}', { duplicateKeys: 'reject' })).toThrowError(expect.objectContaining({ code: 'duplicate_key' }));
    expect(parseExactJson('{"a":{"b":1},"c":{"b":2}}', { duplicateKeys: 'reject' })).toEqual({ a: { b: 1 }, c: { b: 2 } });
  });
  it('reads what JSON.parse reads, on both paths, and rejects what it rejects', () => {
    fc.assert(fc.property(fc.oneof(fc.json(), fc.string({ maxLength: 30 })), (s) => {
      let want: unknown;
      try {
        want = JSON.parse(s);
      } catch {
        expect(() => parseJson(s)).toThrowError(JsonError);
        expect(() => parseJson(s, { duplicateKeys: 'reject' })).toThrowError(JsonError);
        return;
      }
      const hasProto = s.includes('__proto__');
      if (hasProto) return;
      expect(parseJson(s)).toEqual(want);
      // The exact parser (taken for a duplicate-key policy) agrees wherever no key repeats.
      try {
        expect(parseJson(s, { duplicateKeys: 'reject' })).toEqual(want);
      } catch (e) {
        expect((e as JsonError).code).toBe('duplicate_key');
      }
    }), { numRuns: numRuns(500) });
  });
  it('never throws anything but JsonError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.json()), (s) => {
      try {
        parseJson(s);
      } catch (e) {
        expect(e).toBeInstanceOf(JsonError);
      }
    }), { numRuns: numRuns(500) });
  });
});

describe('manual clock and seeded random', () => {
  it('fires timers in order and cancels', () => {
    const clock = manualClock(1000);
    const log: string[] = [];
    clock.setTimer(50, () => log.push(`b@${clock.now()}`));
    clock.setTimer(10, () => { log.push(`a@${clock.now()}`); clock.setTimer(10, () => log.push(`c@${clock.now()}`)); });
    const cancel = clock.setTimer(30, () => log.push('never'));
    cancel();
    clock.advance(100);
    expect(log).toEqual(['a@1010', 'c@1020', 'b@1050']);
    expect(clock.now()).toBe(1100);
  });
  it('is deterministic', () => {
    expect(seededRandom(7)(16)).toEqual(seededRandom(7)(16));
    expect(seededRandom(7)(16)).not.toEqual(seededRandom(8)(16));
  });
});
