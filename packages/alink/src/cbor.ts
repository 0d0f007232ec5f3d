import { CborError, numberOption, optionsRecord, decodeCbor as decodeBaseCbor, encodeCbor as encodeBaseCbor, type CborDecodeOptions as BaseDecodeOptions, type CborValue } from '@linkwire/base';
import { AlinkError } from './errors.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './json.ts';

/**
 * A value of the CBOR subset Alink payloads use over CoAP (`application/cbor`, seed §3.3): the
 * JSON data model plus byte strings. The codec is @linkwire/base's; see `CborValue` there.
 */
export type { CborValue };

export interface CborDecodeOptions {
  /** Largest accepted input in bytes. Default 512 KiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting. Default 32. */
  readonly maxDepth?: number;
}

// Alink callers branch on AlinkError alone; the base codec's codes are the ones this module
// always documented, so only the class changes.
const translate = (e: unknown): never => {
  if (e instanceof CborError) throw new AlinkError(e.code, e.message, e.offset);
  throw e;
};

/**
 * Decodes one CBOR data item (RFC 8949) that must fill the input exactly. Integers beyond
 * ±(2^53 − 1) decode to `bigint`; duplicate and `__proto__` map keys are refused. Throws
 * `AlinkError` with code `invalid_cbor` (or `too_large`, `too_deep`, `invalid_utf8`,
 * `duplicate_key`, `forbidden_key`) and the offset.
 *
 * @example
 * decodeCbor(new Uint8Array([0xa1, 0x61, 0x61, 0x01])) // { a: 1 }
 */
export function decodeCbor(bytes: Uint8Array, options?: CborDecodeOptions): CborValue {
  const o = optionsRecord('options', options);
  const limits: BaseDecodeOptions = { maxBytes: numberOption('maxBytes', o.maxBytes, DEFAULT_MAX_BYTES, 0, Infinity), maxDepth: numberOption('maxDepth', o.maxDepth, DEFAULT_MAX_DEPTH, 0, Infinity) };
  try {
    return decodeBaseCbor(bytes, limits);
  } catch (e) {
    return translate(e);
  }
}

/**
 * Encodes a value as standard CBOR: integers in their shortest head, other numbers as float32
 * when that is exact and float64 otherwise, strings as text, `Uint8Array` as a byte string,
 * objects as maps in key order (members that are `undefined` are skipped, as JSON does).
 * Throws `AlinkError('invalid_value')` for what CBOR cannot hold (a cycle, a function).
 *
 * @example
 * encodeCbor({ a: 1 }) // Uint8Array [0xa1, 0x61, 0x61, 0x01]
 */
export function encodeCbor(value: unknown): Uint8Array {
  try {
    return encodeBaseCbor(value);
  } catch (e) {
    return translate(e);
  }
}
