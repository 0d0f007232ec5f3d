import { CborError, decodeCbor, encodeCbor } from '@linkwire/base';
import { requireArgument, SignError } from './errors.ts';

// The CoAP auth exchange needs only a flat CBOR map of text keys to text or integer values
// (RFC 8949 major types 0, 1, 3, 5 and the simple values false/true/null). The codec is
// @linkwire/base's; this module narrows it to that shape and speaks SignError.

export type FlatValue = string | number | boolean | null;

/** Encodes a flat map in insertion order; integers must be safe. */
export function encodeFlatCbor(map: Readonly<Record<string, FlatValue | undefined>>): Uint8Array {
  requireArgument(map, 'map');
  for (const k of Object.keys(map)) {
    const v = map[k];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new SignError('invalid_field', `${k} must be a safe integer`, k);
  }
  return encodeCbor(map);
}

const bad = (message: string, offset: number): SignError => new SignError('malformed_body', message, 'body', offset);

/**
 * Decodes a flat CBOR map. Anything else (nested items, floats, byte strings, tags, indefinite
 * lengths, duplicate keys, trailing bytes) is a `malformed_body` SignError carrying the byte
 * offset. The map has no prototype, so a `__proto__` key is plain data.
 */
export function decodeFlatCbor(bytes: Uint8Array, maxBytes = 8192): Record<string, FlatValue> {
  let v: unknown;
  try {
    // Depth 1 admits the map and nothing nested in it; jsonOnly refuses byte strings and
    // integers beyond 2^53, floats: false every float, each at its offset.
    v = decodeCbor(bytes, { maxBytes, maxDepth: 1, jsonOnly: true, floats: false, nullPrototype: true });
  } catch (e) {
    if (e instanceof CborError) throw bad(e.message, e.offset ?? 0);
    throw e;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('body must be a CBOR map', 0);
  return v as Record<string, FlatValue>;
}
