import { CborError, decodeCbor, describe, encodeCbor, numberOption, optionsRecord, parseJson, utf8Encode, type JsonValue } from '@linkwire/base';
import { CoapError } from './errors.ts';

/** The payload formats the Alibaba flows speak. */
export type AliyunFormat = 'json' | 'cbor';

/** CoAP Content-Format numbers (RFC 7252 §12.3, RFC 8949). */
export const ContentFormat = { text: 0, linkFormat: 40, xml: 41, octetStream: 42, exi: 47, json: 50, cbor: 60 } as const;

/** The format for a Content-Format/Accept number, or undefined if the flows do not speak it. */
export function formatOf(contentFormat: number | undefined): AliyunFormat | undefined {
  return contentFormat === ContentFormat.json ? 'json' : contentFormat === ContentFormat.cbor ? 'cbor' : undefined;
}

/**
 * Encodes a JSON value as the payload of `format`.
 *
 * @example
 * encodeBody({ token: 'abc' }, 'cbor') // Uint8Array [0xa1, 0x65, ...]
 */
export function encodeBody(value: JsonValue, format: AliyunFormat): Uint8Array {
  if (format !== 'json' && format !== 'cbor') throw new CoapError('invalid_argument', `format is json or cbor, got ${describe(format)}`);
  if (format === 'json') {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (e) {
      // A bigint, a cycle or nesting beyond the engine's stack.
      throw new CoapError('invalid_payload', `cannot write JSON payload: ${describe(e instanceof Error ? e.message : e)}`);
    }
    if (text === undefined) throw new CoapError('invalid_payload', `cannot write ${describe(value)} as JSON`);
    return utf8Encode(text);
  }
  try {
    return encodeCbor(value);
  } catch (e) {
    if (e instanceof CborError) throw new CoapError('invalid_payload', `cannot write CBOR payload: ${e.message}`);
    throw e;
  }
}

export interface BodyLimits {
  readonly maxBytes?: number;
  readonly maxDepth?: number;
}

/**
 * Decodes an untrusted payload in `format` into a JSON value: bounded size and depth, no
 * `__proto__` keys, CBOR restricted to the JSON data model. Throws `CoapError('invalid_payload')`.
 *
 * @example
 * decodeBody(response.payload, formatOf(getUintOption(response, CoapOption.ContentFormat)) ?? 'json')
 */
export function decodeBody(bytes: Uint8Array, format: AliyunFormat, limits?: BodyLimits): JsonValue {
  const o = optionsRecord('limits', limits);
  const maxBytes = numberOption('maxBytes', o['maxBytes'], 64 * 1024, 0, Infinity);
  const maxDepth = numberOption('maxDepth', o['maxDepth'], 32, 1, Infinity);
  if (!(bytes instanceof Uint8Array)) throw new CoapError('invalid_payload', `a payload is a Uint8Array, got ${describe(bytes)}`);
  if (format !== 'json' && format !== 'cbor') throw new CoapError('invalid_argument', `format is json or cbor, got ${describe(format)}`);
  if (bytes.length > maxBytes) throw new CoapError('invalid_payload', `payload of ${bytes.length} bytes exceeds ${maxBytes}`);
  if (format === 'json') {
    try {
      return parseJson(bytes, { maxBytes, maxDepth });
    } catch (e) {
      throw new CoapError('invalid_payload', `invalid JSON payload: ${(e as Error).message}`);
    }
  }
  // Indefinite lengths stay accepted, as they were under cbor-x: streaming encoders (Jackson's
  // CBORGenerator, for one) write maps of unknown size that way. Outside the JSON model: refused.
  try {
    return decodeCbor(bytes, { maxBytes, maxDepth, jsonOnly: true, indefiniteLengths: true });
  } catch (e) {
    if (e instanceof CborError) throw new CoapError('invalid_payload', `invalid CBOR payload: ${e.message}`, e.offset);
    throw e;
  }
}
