/**
 * fast-check arbitraries for the base encodings, for property tests of code built on linkwire.
 * @module
 */
import fc from 'fast-check';

/** Any JS string, including lone surrogates. */
export const anyString = (): fc.Arbitrary<string> => fc.string({ unit: 'binary' });
/** Byte arrays up to `maxLength`. */
export const bytes = (maxLength = 256): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
/** Strings that are not valid base64 for {@link fromBase64}. */
export const malformedBase64 = (): fc.Arbitrary<string> =>
  fc.string({ maxLength: 16 }).filter((s) => !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s));
