import { encode as cborxEncode } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '@linkwire/base';
import { hostileCbor } from '@linkwire/base/testing';
import { CoapError, decodeBody, encodeBody } from '@linkwire/coap';
import { numRuns } from '../../../test/support/fast-check.ts';

function errorOf(f: () => unknown): CoapError | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CoapError);
    return e as CoapError;
  }
  return undefined;
}

// The CBOR codec is @linkwire/base's (tested there); these pin what coap asks of it.
describe('CBOR bodies', () => {
  it('refuses everything outside the JSON data model with invalid_payload and the offset', () => {
    const table: [string, number][] = [
      ['a1616141ff', 3], // byte string
      ['a161611b0020000000000000', 3], // 2^53: no exact JSON number
      ['a16161f97e00', 3], // NaN
      ['a16161f97c00', 3], // Infinity
      ['a16161c100', 3], // tag
      ['a16161f7', 3], // undefined
      ['a10101', 1], // integer key
      ['a2616101616102', 4], // duplicate key
      ['a1695f5f70726f746f5f5f01', 1], // __proto__
      ['62c328', 1], // bad UTF-8
      ['a0a0', 1], // trailing bytes
    ];
    for (const [hex, offset] of table) {
      const e = errorOf(() => decodeBody(fromHex(hex), 'cbor'));
      expect([e?.code, e?.offset], hex).toEqual(['invalid_payload', offset]);
    }
  });

  it('reads indefinite lengths (streaming encoders write maps that way), as it did under cbor-x', () => {
    expect(decodeBody(fromHex('bf65746f6b656e7f6261626163ffff'), 'cbor')).toEqual({ token: 'abc' });
    expect(decodeBody(fromHex('bf61619f0102ffff'), 'cbor')).toEqual({ a: [1, 2] });
  });

  it('bounds size and depth like the JSON path', () => {
    const deep = (n: number): Uint8Array => Uint8Array.from([...new Array<number>(n).fill(0x81), 0x00]);
    expect(decodeBody(deep(32), 'cbor')).toBeDefined();
    expect(errorOf(() => decodeBody(deep(33), 'cbor'))?.code).toBe('invalid_payload');
    expect(errorOf(() => decodeBody(deep(5), 'cbor', { maxDepth: 4 }))?.code).toBe('invalid_payload');
    expect(errorOf(() => decodeBody(new Uint8Array(11), 'cbor', { maxBytes: 10 }))?.code).toBe('invalid_payload');
    expect(errorOf(() => decodeBody(Uint8Array.from([...new Array<number>(9).fill(0x9f), ...new Array<number>(9).fill(0xff)]), 'cbor', { maxDepth: 8 }))?.code).toBe('invalid_payload');
  });

  it('writes plain Uint8Arrays that cbor-x reads, and reads what cbor-x writes', () => {
    const v = { token: 'f13102810756432e85dfd351eeb41c04', seqOffset: 1, n: 2 ** 40, list: [1, 2.5, null, true, 'x', -7] };
    const bytes = encodeBody(v, 'cbor');
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(decodeBody(bytes, 'cbor')).toEqual(v);
    expect(decodeBody(cborxEncode(v), 'cbor')).toEqual(v);
  });

  it('throws nothing but CoapError on hostile bytes', () => {
    fc.assert(fc.property(hostileCbor(), (b) => {
      try {
        decodeBody(b, 'cbor');
      } catch (e) {
        expect(e).toBeInstanceOf(CoapError);
      }
    }), { numRuns: numRuns(500) });
  });
});
