import { Decoder, Encoder } from 'cbor-x';
import { parseJson, utf8Encode, type JsonValue } from '@linkwire/base';
import { CoapError } from './errors.ts';

/** The payload formats the Alibaba flows speak. */
export type AliyunFormat = 'json' | 'cbor';

/** CoAP Content-Format numbers (RFC 7252 §12.3, RFC 8949). */
export const ContentFormat = { text: 0, linkFormat: 40, xml: 41, octetStream: 42, exi: 47, json: 50, cbor: 60 } as const;

/** The format for a Content-Format/Accept number, or undefined if the flows do not speak it. */
export function formatOf(contentFormat: number | undefined): AliyunFormat | undefined {
  return contentFormat === ContentFormat.json ? 'json' : contentFormat === ContentFormat.cbor ? 'cbor' : undefined;
}

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });
// Maps decode as Map and are converted by hand, so no key ever reaches an object's prototype.
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

/**
 * Encodes a JSON value as the payload of `format`.
 *
 * @example
 * encodeBody({ token: 'abc' }, 'cbor') // Uint8Array [0xa1, 0x65, ...]
 */
export function encodeBody(value: JsonValue, format: AliyunFormat): Uint8Array {
  if (format === 'json') return utf8Encode(JSON.stringify(value));
  const out = encoder.encode(value) as Uint8Array;
  // cbor-x returns a Node Buffer where one exists; callers get a plain Uint8Array everywhere.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export interface BodyLimits {
  readonly maxBytes?: number;
  readonly maxDepth?: number;
}

function fromCbor(v: unknown, depth: number, maxDepth: number): JsonValue {
  if (depth > maxDepth) throw new CoapError('invalid_payload', `CBOR nesting deeper than ${maxDepth}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CoapError('invalid_payload', 'CBOR number is not finite');
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => fromCbor(x, depth + 1, maxDepth));
  if (v instanceof Map) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of v) {
      if (typeof k !== 'string') throw new CoapError('invalid_payload', 'CBOR map key is not a string');
      if (k === '__proto__') throw new CoapError('invalid_payload', 'CBOR map key __proto__ is not allowed');
      out[k] = fromCbor(x, depth + 1, maxDepth);
    }
    return out;
  }
  throw new CoapError('invalid_payload', `CBOR item of type ${typeof v} has no JSON form`);
}

/**
 * Decodes an untrusted payload in `format` into a JSON value: bounded size and depth, no
 * `__proto__` keys, CBOR restricted to the JSON data model. Throws `CoapError('invalid_payload')`.
 *
 * @example
 * decodeBody(response.payload, formatOf(getUintOption(response, CoapOption.ContentFormat)) ?? 'json')
 */
export function decodeBody(bytes: Uint8Array, format: AliyunFormat, limits?: BodyLimits): JsonValue {
  const maxBytes = limits?.maxBytes ?? 64 * 1024;
  const maxDepth = limits?.maxDepth ?? 32;
  if (bytes.length > maxBytes) throw new CoapError('invalid_payload', `payload of ${bytes.length} bytes exceeds ${maxBytes}`);
  if (format === 'json') {
    try {
      return parseJson(bytes, { maxBytes, maxDepth });
    } catch (e) {
      throw new CoapError('invalid_payload', `invalid JSON payload: ${(e as Error).message}`);
    }
  }
  // cbor-x recurses on nesting: hostile depth ends in a RangeError, caught here like any other
  // decode failure (the byte bound keeps that work finite); fromCbor then enforces maxDepth.
  let decoded: unknown;
  try {
    decoded = decoder.decode(bytes);
  } catch (e) {
    throw new CoapError('invalid_payload', `invalid CBOR payload: ${e instanceof Error ? e.message : String(e)}`);
  }
  return fromCbor(decoded, 0, maxDepth);
}
