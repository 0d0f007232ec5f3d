/**
 * fast-check arbitraries for the base encodings, for property tests of code built on linkwire.
 * @module
 */
import fc from 'fast-check';
import { encodeCbor, type CborValue } from './cbor.ts';

/** Any JS string, including lone surrogates. */
export const anyString = (): fc.Arbitrary<string> => fc.string({ unit: 'binary' });
/** Byte arrays up to `maxLength`. */
export const bytes = (maxLength = 256): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
/** Strings that are not valid base64 for {@link fromBase64}. */
export const malformedBase64 = (): fc.Arbitrary<string> =>
  fc.string({ maxLength: 16 }).filter((s) => !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s));

const U64 = 2n ** 64n;

/**
 * CBOR values that {@link encodeCbor} writes and {@link decodeCbor} reads back as themselves:
 * well-formed text, any double (NaN, ±Infinity, −0 included), integers beyond 2^53 as bigint
 * within the 64-bit heads, byte strings, and arrays and maps (never with a `__proto__` key).
 */
export function cborValue(maxDepth = 4): fc.Arbitrary<CborValue> {
  const big = fc.oneof(fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: U64 - 1n }), fc.bigInt({ min: -U64, max: -BigInt(Number.MAX_SAFE_INTEGER) - 1n }));
  const leaf: fc.Arbitrary<CborValue> = fc.oneof(
    fc.constant(null), fc.boolean(), fc.integer(), fc.maxSafeInteger(), fc.double(), big,
    fc.string({ unit: 'grapheme', maxLength: 24 }), fc.uint8Array({ maxLength: 24 }),
  );
  const key = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => k !== '__proto__');
  const { value } = fc.letrec<{ value: CborValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 6 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    ),
  }));
  return value;
}

/**
 * Inputs a CBOR decoder must refuse with its typed error or read without harm: random bytes,
 * cut and mutated encodings, deep nesting, declared lengths far beyond the input, tags,
 * indefinite lengths, `__proto__` keys and broken UTF-8.
 */
export function hostileCbor(): fc.Arbitrary<Uint8Array> {
  const cut = fc.tuple(cborValue(3), fc.nat()).map(([v, n]) => {
    const b = encodeCbor(v);
    return b.subarray(0, n % (b.length + 1));
  });
  const flipped = fc.tuple(cborValue(3), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([v, at, x]) => {
    const b = encodeCbor(v);
    b[at % b.length] = x;
    return b;
  });
  const deep = fc.tuple(fc.nat({ max: 300 }), fc.constantFrom(0x81, 0x9f, 0xa1)).map(([n, h]) => {
    // a1 needs a key before each nested map: "a" (61 61).
    const unit = h === 0xa1 ? [0xa1, 0x61, 0x61] : [h];
    return Uint8Array.from([...Array.from({ length: n }, () => unit).flat(), 0x00]);
  });
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    cut,
    flipped,
    deep,
    fc.constantFrom(
      [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xbb, 0, 0, 0, 1, 0, 0, 0, 0], [0x5a, 0xff, 0xff, 0xff, 0xff, 0x00],
      [0xd9, 0xdf, 0xff, 0x80], [0xc2, 0x41, 0x01], [0x5f, 0x41, 0x01, 0x61, 0x61, 0xff], [0x7f, 0x61, 0xc3, 0x61, 0xa9, 0xff], [0x9f, 0x01],
      [0xbf, 0x61, 0x61, 0xff], [0xa1, 0x69, 0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f, 0xa1, 0x61, 0x78, 0xf5], [0x62, 0xc3, 0x28],
      [0xf7], [0xf8, 0xff], [0x1c], [0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], [0xa1, 0x01, 0x02], [0xff],
    ).map((b) => Uint8Array.from(b)),
  );
}
