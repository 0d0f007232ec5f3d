import fc from 'fast-check';
import * as coapPacket from 'coap-packet';
import { describe, expect, it } from 'vitest';
import {
  CoapCode, CoapDecodeError, CoapError, CoapOption, codeString, decodeCoap, encodeCoap, getUintOption, isCritical, isNoCacheKey, isUnsafe,
  parseCodeString, pathOptions, peekHeader, uriPath, type CoapMessage,
} from '@linkwire/coap';
import { coapDatagramArbitrary, coapMessageArbitrary, malformedCoapArbitrary } from '@linkwire/coap/testing';
import { numRuns } from '../../../test/support/fast-check.ts';
import { MAX_COST_EXPONENT, costExponent } from '../../../test/support/stream.ts';
import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (h) => parseInt(h, 16));

function decodeError(bytes: Uint8Array): CoapDecodeError {
  try {
    decodeCoap(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(CoapDecodeError);
    return e as CoapDecodeError;
  }
  throw new Error('decoded without error');
}

describe('decodeCoap rejects the libcoap reject list (STYLE.md) with code and offset', () => {
  const table: [string, string, string, number][] = [
    ['3-byte datagram', '400100', 'truncated_header', 3],
    ['version 0', '00010001', 'bad_version', 0],
    ['version 2', '80010001', 'bad_version', 0],
    ['token length 9', '49010001' + '00'.repeat(9), 'bad_token_length', 0],
    ['token length 15', '4f010001' + '00'.repeat(15), 'bad_token_length', 0],
    ['token runs past the end', '4401000101', 'truncated_token', 5],
    ['Empty with a token', '41000001aa', 'empty_not_empty', 4],
    ['Empty with a payload marker', '40000001ff01', 'empty_not_empty', 4],
    ['Empty NON', '50000001', 'empty_non', 1],
    ['RST that is not empty', '70450001', 'bad_type_code', 1],
    ['request in an ACK', '60010001', 'bad_type_code', 1],
    ['code class 1', '40200001', 'reserved_code_class', 1],
    ['code class 6', '40c00001', 'reserved_code_class', 1],
    ['code class 7 (signaling, TCP only)', '40e10001', 'reserved_code_class', 1],
    ['delta nibble 15 without length 15', ' 40010001 f0', 'bad_option_delta', 4],
    ['length nibble 15', '40010001 bf', 'bad_option_length', 4],
    ['missing 1-byte extended delta', '40010001 d0', 'truncated_option', 5],
    ['missing 2-byte extended delta', '40010001 e000', 'truncated_option', 6],
    ['missing 1-byte extended length', '40010001 0d', 'truncated_option', 5],
    ['missing 2-byte extended length', '40010001 0e01', 'truncated_option', 6],
    ['option value past the end', '40010001 b3 6162', 'truncated_option_value', 7],
    ['option number above 65535', '40010001 e0fef2 10', 'option_number_too_large', 7],
    ['payload marker followed by nothing', '40010001 ff', 'empty_payload', 4],
    ['Content-Format of 3 bytes', '40010001 c3 000032', 'option_length_out_of_range', 4],
    ['Uri-Host of 0 bytes', '40010001 30', 'option_length_out_of_range', 4],
    ['ETag of 9 bytes', '40010001 49 000000000000000000', 'option_length_out_of_range', 4],
    ['If-None-Match with a value', '40010001 51 00', 'option_length_out_of_range', 4],
    ['Block2 of 4 bytes', '40010001 d4 0a 00000000', 'option_length_out_of_range', 4],
    ['Uri-Port repeated (critical)', '40010001 71 01 01 02', 'repeated_critical_option', 6],
    ['Accept repeated (critical)', '40010001 d1 04 32 01 3c', 'repeated_critical_option', 7],
  ];
  for (const [what, bytes, code, offset] of table) {
    it(`${what} → ${code} @${offset}`, () => {
      const e = decodeError(hex(bytes));
      expect(e.code).toBe(code);
      expect(e.offset).toBe(offset);
      expect(e).toBeInstanceOf(CoapError);
    });
  }

  it('ignores a repeated elective non-repeatable option (RFC 7252 §5.4.5) and passes unknown options through', () => {
    // Content-Format 50, Content-Format 60 (ignored), then unknown critical 2089 and elective 2100.
    const m = decodeCoap(hex('40020001 c1 32 01 3c e1 07 10 31 b0 ff 7b7d'));
    expect(m.options.map((o) => o.number)).toEqual([12, 2089, 2100]);
    expect(getUintOption(m, CoapOption.ContentFormat)).toBe(50);
    expect(Array.from(m.payload)).toEqual([0x7b, 0x7d]);
  });

  it('refuses a non-Uint8Array with invalid_input and takes a Node Buffer as it is', () => {
    expect(decodeError('@\u0001\u0000\u0001' as unknown as Uint8Array).code).toBe('invalid_input');
    expect(decodeError([0x40, 1, 0, 1] as unknown as Uint8Array).code).toBe('invalid_input');
    const m = decodeCoap(Buffer.from('40010001b461757468ff7b7d', 'hex'));
    expect(uriPath(m)).toBe('/auth');
    expect(m.payload.constructor).toBe(Uint8Array);
  });

  it('peekHeader still reads the header of a datagram with bad options', () => {
    const bytes = hex('42010abc 1234 71 01 01 02');
    expect(decodeError(bytes).code).toBe('repeated_critical_option');
    expect(peekHeader(bytes)).toMatchObject({ type: 'CON', code: 1, messageId: 0x0abc, token: hex('1234') });
    expect(peekHeader(hex('4f01'))).toBeUndefined();
  });
});

describe('codes and option numbers', () => {
  it('formats and parses codes', () => {
    expect(codeString(CoapCode.Content)).toBe('2.05');
    expect(codeString(CoapCode.UnsupportedContentFormat)).toBe('4.15');
    expect(parseCodeString('5.00')).toBe(CoapCode.InternalServerError);
    expect(() => parseCodeString('4.32')).toThrow(CoapError);
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), (c) => parseCodeString(codeString(c)) === c), { numRuns: numRuns(200) });
  });

  it('classifies critical, unsafe and no-cache-key options (RFC 7252 §5.4.6, Table 4)', () => {
    expect([1, 3, 5, 7, 11, 15, 17, 23, 27, 35, 39].every(isCritical)).toBe(true);
    expect([4, 6, 8, 12, 14, 20, 28, 60, 258].some(isCritical)).toBe(false);
    expect([3, 7, 11, 14, 15, 23, 27, 35, 39, 258].every(isUnsafe)).toBe(true);
    expect([28, 60].every(isNoCacheKey)).toBe(true);
    expect([1, 4, 12, 17].some(isNoCacheKey)).toBe(false);
    expect([isCritical(2088), isCritical(2089), isUnsafe(2090)]).toEqual([false, true, true]);
  });
});

describe('encodeCoap', () => {
  it('sorts options stably and writes 13/14 extended forms', () => {
    const bytes = encodeCoap({
      type: 'NON', code: CoapCode.PUT, messageId: 0xbeef, token: hex('01'),
      options: [{ number: 2088, value: 'tok' }, { number: 11, value: 'a' }, { number: 11, value: 'b'.repeat(13) }, { number: 12, value: 0 }],
      payload: 'x'.repeat(300),
    });
    const m = decodeCoap(bytes);
    expect(m.type).toBe('NON');
    expect(m.options.map((o) => [o.number, o.value.length])).toEqual([[11, 1], [11, 13], [12, 0], [2088, 3]]);
    // Uri-Path 'a': delta 11 len 1; then delta 0, len 13 → nibble 13 + 1 byte (0).
    expect(Array.from(bytes.subarray(5, 9))).toEqual([0xb1, 0x61, 0x0d, 0x00]);
    // 2088 after 12: delta 2076 → nibble 14, 2 bytes 2076 - 269 = 0x070f.
    const at = 5 + 2 + 15 + 1;
    expect(Array.from(bytes.subarray(at, at + 3))).toEqual([0xe3, 0x07, 0x0f]);
    expect(m.payload.length).toBe(300);
  });

  it('refuses what the decoder would reject', () => {
    const base = { type: 'CON', code: CoapCode.GET, messageId: 1 } as const;
    const code = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(CoapError); return (e as CoapError).code; }
      return undefined;
    };
    expect(code(() => encodeCoap({ ...base, token: new Uint8Array(9) }))).toBe('invalid_message');
    expect(code(() => encodeCoap({ ...base, code: 0x20 }))).toBe('invalid_message');
    expect(code(() => encodeCoap({ ...base, messageId: 65536 }))).toBe('invalid_message');
    expect(code(() => encodeCoap({ ...base, code: 0, payload: 'x' }))).toBe('invalid_message');
    expect(code(() => encodeCoap({ ...base, type: 'ACK' }))).toBe('invalid_message');
    expect(code(() => encodeCoap({ ...base, type: 'BAD' as 'CON' }))).toBe('invalid_message');
    expect(code(() => encodeCoap({ ...base, options: [{ number: 12, value: 0x10000 }] }))).toBe('invalid_option');
    expect(code(() => encodeCoap({ ...base, options: [{ number: 17, value: 50 }, { number: 17, value: 60 }] }))).toBe('invalid_option');
    expect(code(() => encodeCoap({ ...base, options: [{ number: 65536, value: '' }] }))).toBe('invalid_option');
    expect(code(() => encodeCoap({ ...base, options: [{ number: 12, value: -1 }] }))).toBe('invalid_option');
  });

  it('uriPath reads back what pathOptions wrote, ASCII or not', () => {
    const segment = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_.-]{1,20}$/), fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }).filter((x) => !x.includes('/')));
    fc.assert(fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
      const m = decodeCoap(encodeCoap({ type: 'CON', code: CoapCode.GET, messageId: 1, options: pathOptions('/' + segments.join('/')) }));
      expect(uriPath(m)).toBe('/' + segments.join('/'));
    }), { numRuns: numRuns(200) });
  });

  it('writes a payload string as UTF-8 and pathOptions splits paths', () => {
    const m = decodeCoap(encodeCoap({ type: 'CON', code: CoapCode.POST, messageId: 7, options: pathOptions('/topic/pk/dn/pub'), payload: 'é' }));
    expect(uriPath(m)).toBe('/topic/pk/dn/pub');
    expect(Array.from(m.payload)).toEqual([0xc3, 0xa9]);
  });
});

const plain = (m: CoapMessage) => ({
  type: m.type, code: m.code, messageId: m.messageId, token: Array.from(m.token),
  options: m.options.map((o) => [o.number, Array.from(o.value)]), payload: Array.from(m.payload),
});

describe('properties', () => {
  it('decode(encode(m)) equals m for random valid messages', () => {
    fc.assert(fc.property(coapMessageArbitrary(), (m) => {
      expect(plain(decodeCoap(encodeCoap(m)))).toEqual(plain(m));
    }), { numRuns: numRuns(500) });
  });

  it('encode(decode(d)) reproduces a valid datagram byte for byte', () => {
    fc.assert(fc.property(coapDatagramArbitrary(), (d) => {
      expect(encodeCoap(decodeCoap(d))).toEqual(d);
    }), { numRuns: numRuns(300) });
  });

  it('agrees with coap-packet on every valid datagram it can read', () => {
    fc.assert(fc.property(coapMessageArbitrary(), (m) => {
      if (m.code === 0) return;
      const theirs = coapPacket.parse(Buffer.from(encodeCoap(m)));
      expect(theirs.messageId).toBe(m.messageId);
      expect(Array.from(theirs.token)).toEqual(Array.from(m.token));
      expect(theirs.options.map((o) => Array.from(o.value))).toEqual(m.options.map((o) => Array.from(o.value)));
      expect(Array.from(theirs.payload)).toEqual(Array.from(m.payload));
    }), { numRuns: numRuns(200) });
  });

  it('encodeCoap either refuses with CoapError or writes something decodeCoap accepts', () => {
    const value = fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.integer({ min: -2, max: 2 ** 33 }), fc.double());
    const option = fc.record({ number: fc.oneof(fc.constantFrom(1, 4, 5, 6, 11, 12, 17, 23, 35, 2088, 2089), fc.integer({ min: -1, max: 70000 })), value });
    const init = fc.record({
      type: fc.constantFrom('CON', 'NON', 'ACK', 'RST', 'XXX') as fc.Arbitrary<'CON'>,
      code: fc.oneof(fc.integer({ min: -1, max: 256 }), fc.double()),
      messageId: fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.double()),
      token: fc.option(fc.uint8Array({ maxLength: 10 }), { nil: undefined }),
      options: fc.option(fc.array(option, { maxLength: 6 }), { nil: undefined }),
      payload: fc.option(fc.oneof(fc.uint8Array({ maxLength: 10 }), fc.string({ maxLength: 10 })), { nil: undefined }),
    });
    fc.assert(fc.property(init, (m) => {
      let bytes: Uint8Array;
      try {
        bytes = encodeCoap(m);
      } catch (e) {
        expect(e).toBeInstanceOf(CoapError);
        return;
      }
      expect(() => decodeCoap(bytes)).not.toThrow();
    }), { numRuns: numRuns(1000) });
  });

  it('any byte string decodes or fails with CoapDecodeError only', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), malformedCoapArbitrary()), (bytes) => {
      try {
        const m = decodeCoap(bytes);
        // Whatever decodes re-encodes to something that decodes to the same message.
        expect(plain(decodeCoap(encodeCoap(m)))).toEqual(plain(m));
      } catch (e) {
        expect(e).toBeInstanceOf(CoapDecodeError);
        const { offset } = e as CoapDecodeError;
        expect(offset >= 0 && offset <= bytes.length).toBe(true);
      }
    }), { numRuns: numRuns(1000) });
  });

  it('every truncation fails unless it ends exactly at an option boundary or inside the payload', () => {
    fc.assert(fc.property(coapMessageArbitrary(), (m) => {
      const d = encodeCoap(m);
      // Datagram framing has no length field: a cut at an option boundary is a shorter valid message.
      const boundaries = new Map<number, number>();
      for (let i = 0; i <= m.options.length; i++) boundaries.set(encodeCoap({ ...m, options: m.options.slice(0, i), payload: undefined }).length, i);
      const marker = m.payload.length > 0 ? d.length - m.payload.length - 1 : -1;
      for (let k = 0; k < d.length; k++) {
        const cut = d.subarray(0, k);
        if (marker >= 0 && k > marker + 1) {
          expect(plain(decodeCoap(cut))).toEqual(plain({ ...m, payload: m.payload.subarray(0, k - marker - 1) }));
        } else if (m.code !== 0 && boundaries.has(k)) {
          expect(plain(decodeCoap(cut))).toEqual(plain({ ...m, options: m.options.slice(0, boundaries.get(k)), payload: new Uint8Array(0) }));
        } else {
          expect(decodeError(cut)).toBeInstanceOf(CoapDecodeError);
        }
      }
    }), { numRuns: numRuns(200) });
  });
});

describe('decode cost is linear in input length', () => {
  // Many one-byte options, many long options, and one long payload: the worst shapes for a parser.
  const shapes: [string, (n: number) => Uint8Array][] = [
    ['empty elective options', (n) => { const b = new Uint8Array(n).fill(0x00); b.set([0x40, 0x01, 0, 1, 0x90]); return b; }],
    ['1-byte unknown options', (n) => { const b = new Uint8Array(n); b.set([0x40, 0x01, 0, 1]); for (let i = 4; i + 1 < n; i += 2) { b[i] = 0x01; b[i + 1] = 0x61; } return b.subarray(0, n - ((n - 4) % 2)); }],
    ['payload', (n) => { const b = new Uint8Array(n).fill(0x61); b.set([0x40, 0x01, 0, 1, 0xff]); return b; }],
  ];
  for (const [name, make] of shapes) {
    it(name, () => {
      const exponent = costExponent((n) => {
        const input = make(n);
        return () => {
          try { decodeCoap(input); } catch { /* a shape may be invalid at its tail; the cost is what counts */ }
        };
      }, 4096);
      expect(exponent).toBeLessThan(MAX_COST_EXPONENT);
    });
  }
});
