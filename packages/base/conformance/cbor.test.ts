// RFC 8949 Appendix A (vendored, see cbor/SOURCE.md) against decodeCbor/encodeCbor: every example
// inside the documented subset decodes to the RFC's value (and re-encodes to the same bytes where
// the RFC marks it round-trip and the encoder's shortest form agrees); every example outside it
// is refused with CborError `invalid_cbor`, listed below by case with the reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CborError, decodeCbor, encodeCbor, fromHex, toHex } from '@linkwire/base';

interface Example { readonly hex: string; readonly roundtrip: boolean; readonly decoded?: unknown; readonly diagnostic?: string }
const examples = JSON.parse(readFileSync(new URL('./cbor/appendix_a.json', import.meta.url), 'utf8')) as Example[];

/** Outside the subset (packages/base/README.md, CBOR): refused by default. */
export const OUTSIDE_SUBSET: Readonly<Record<string, string>> = {
  c074323031332d30332d32315432303a30343a30305a: 'tag 0 (date/time string): tags are outside the subset',
  c11a514b67b0: 'tag 1 (epoch time): tags are outside the subset',
  c249010000000000000000: 'tag 2 (bignum): tags are outside the subset',
  c349010000000000000000: 'tag 3 (negative bignum): tags are outside the subset',
  c1fb41d452d9ec200000: 'tag 1 with a float: tags are outside the subset',
  d74401020304: 'tag 23 (expected base16): tags are outside the subset',
  d818456449455446: 'tag 24 (embedded CBOR): tags are outside the subset',
  d82076687474703a2f2f7777772e6578616d706c652e636f6d: 'tag 32 (URI): tags are outside the subset',
  f0: 'simple value 16: simple values other than false, true and null are outside the subset',
  f818: 'simple value 24: outside the subset',
  f8ff: 'simple value 255: outside the subset',
  f7: 'undefined: not in the JSON-like data model',
  a201020304: 'a map with integer keys: map keys are text strings only',
};
// The JSON form of the test vectors cannot carry bigints, ±Infinity or NaN: compare by meaning.
function sameAsRfc(got: unknown, e: Example): boolean {
  if (e.diagnostic !== undefined) {
    const d = e.diagnostic;
    if (d === 'Infinity') return got === Infinity;
    if (d === '-Infinity') return got === -Infinity;
    if (d === 'NaN') return Number.isNaN(got);
    if (d.startsWith('h\'')) return got instanceof Uint8Array && toHex(got) === d.slice(2, -1);
    if (d.startsWith('(_ h\'')) return got instanceof Uint8Array && toHex(got) === [...d.matchAll(/h'([0-9a-f]*)'/g)].map((m) => m[1]).join('');
    return false;
  }
  if (typeof got === 'bigint') return BigInt(e.hex === '1bffffffffffffffff' ? '18446744073709551615' : '-18446744073709551616') === got;
  return JSON.stringify(got) === JSON.stringify(e.decoded);
}

describe(`RFC 8949 Appendix A: ${examples.length} examples`, () => {
  for (const e of examples) {
    const outside = OUTSIDE_SUBSET[e.hex];
    // Indefinite lengths (RFC 8949 §3.2.2) anywhere in the item: refused by default, read with `indefiniteLengths: true`.
    const indefinite = outside === undefined && (/^(5f|7f|9f|bf)/.test(e.hex) || /^(83019f|83018202039f|826161bf)/.test(e.hex));
    it(`${e.hex}${outside ? ` — outside the subset: ${outside}` : indefinite ? ' (indefinite length)' : ''}`, () => {
      const bytes = fromHex(e.hex);
      if (outside !== undefined) {
        expect(() => decodeCbor(bytes, { indefiniteLengths: true })).toThrowError(CborError);
        return;
      }
      if (indefinite) expect(() => decodeCbor(bytes)).toThrowError(expect.objectContaining({ code: 'invalid_cbor' }));
      const got = decodeCbor(bytes, { indefiniteLengths: true });
      expect(sameAsRfc(got, e), `${e.hex} decoded to ${String(got)}`).toBe(true);
      // Re-encoding gives the RFC's bytes where the example is the form the encoder writes:
      // definite lengths, no half floats (float32 is its narrowest), and no float holding an
      // integer (a JavaScript number does not say which it was: 100000.0 goes out as 100000).
      const floatInteger = /^f[9ab]/.test(e.hex) && Number.isInteger(got);
      if (e.roundtrip && !indefinite && !/^f9/.test(e.hex) && !floatInteger) expect(toHex(encodeCbor(got))).toBe(e.hex);
    });
  }
  it('lists only examples that exist', () => {
    for (const hex of Object.keys(OUTSIDE_SUBSET)) expect(examples.some((e) => e.hex === hex), hex).toBe(true);
  });
});
