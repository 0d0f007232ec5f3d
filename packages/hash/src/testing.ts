/**
 * fast-check arbitraries for property-testing code that hashes: algorithms, inputs that hit
 * the block and padding boundaries, chunkings of a stream, and HMAC keys around the block size.
 * fast-check is a peer dependency of this subpath only.
 * @module
 */
import fc from 'fast-check';
import type { HashAlgorithm, HashInput } from './types.ts';

/** One of the supported algorithms. */
export const hashAlgorithm = (): fc.Arbitrary<HashAlgorithm> => fc.constantFrom<HashAlgorithm>('md5', 'sha1', 'sha256');

/** Lengths where padding changes shape: around 55/56 (length field fits or not) and 64. */
const BOUNDARY_LENGTHS = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129];

/**
 * Byte strings, biased towards the block and padding boundaries; `maxLength` (default 4096)
 * caps the rest.
 *
 * @example
 * fc.assert(fc.property(hashBytes(), (b) => hash('md5', b).length === 16));
 */
export function hashBytes(options: { maxLength?: number } = {}): fc.Arbitrary<Uint8Array> {
  const maxLength = options.maxLength ?? 4096;
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: Math.min(maxLength, 200) }) },
    { weight: 1, arbitrary: fc.constantFrom(...BOUNDARY_LENGTHS.filter((n) => n <= maxLength)).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength }) },
  );
}

/** Text for the string overloads: any UTF-16, lone surrogates included (hashed as U+FFFD). */
export function hashText(options: { maxLength?: number } = {}): fc.Arbitrary<string> {
  const maxLength = options.maxLength ?? 300;
  const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
  const mixed = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 4 }), surrogate);
  return fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength }), fc.string({ unit: 'binary', maxLength }), fc.string({ unit: mixed, maxLength: maxLength / 4 }));
}

/** Either a byte string or a string. */
export function hashInput(options: { maxLength?: number } = {}): fc.Arbitrary<HashInput> {
  return fc.oneof(hashBytes(options), hashText({ maxLength: Math.min(options.maxLength ?? 300, 300) }));
}

/** HMAC secrets: empty, short, exactly a block, and longer than a block (hashed first). */
export function hmacSecret(): fc.Arbitrary<HashInput> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 63 }),
    fc.constantFrom(64, 65, 128, 200).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    fc.string({ maxLength: 80 }),
  );
}

/**
 * `data` cut into consecutive pieces (empty pieces included) for streaming `update` calls.
 *
 * @example
 * fc.property(hashBytes().chain(chunked), ({ data, chunks }) => …)
 */
export function chunked(data: Uint8Array): fc.Arbitrary<{ data: Uint8Array; chunks: Uint8Array[] }> {
  return fc.array(fc.nat({ max: data.length }), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), data.length];
    const chunks: Uint8Array[] = [];
    for (let i = 1; i < points.length; i++) chunks.push(data.subarray(points[i - 1]!, points[i]!));
    return { data, chunks };
  });
}
