import { describe, utf8Decode } from '@linkwire/base';
import { CoapError } from './errors.ts';

/** How an option's value is written on the wire (RFC 7252 §3.2). */
export type OptionFormat = 'empty' | 'opaque' | 'uint' | 'string';

/** A registered option: its wire format, length range and whether it may repeat. */
export interface OptionDefinition {
  readonly number: number;
  readonly name: string;
  readonly format: OptionFormat;
  readonly minLength: number;
  readonly maxLength: number;
  readonly repeatable: boolean;
}

/** Option numbers: the IANA CoAP Option Numbers registry, plus Alibaba's custom options. */
export const CoapOption = {
  IfMatch: 1,
  UriHost: 3,
  ETag: 4,
  IfNoneMatch: 5,
  Observe: 6,
  UriPort: 7,
  LocationPath: 8,
  Oscore: 9,
  UriPath: 11,
  ContentFormat: 12,
  MaxAge: 14,
  UriQuery: 15,
  HopLimit: 16,
  Accept: 17,
  QBlock1: 19,
  LocationQuery: 20,
  Edhoc: 21,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  QBlock2: 31,
  ProxyUri: 35,
  ProxyScheme: 39,
  Size1: 60,
  Echo: 252,
  NoResponse: 258,
  RequestTag: 292,
  /** Alibaba: the token returned by /auth, on every publish. */
  AliyunToken: 2088,
  /** Alibaba AES mode: the encrypted sequence number. */
  AliyunSeq: 2089,
  /** Alibaba: the platform's message id, on publish responses. */
  AliyunMessageId: 2090,
} as const;

const def = (number: number, name: string, format: OptionFormat, minLength: number, maxLength: number, repeatable = false): OptionDefinition =>
  ({ number, name, format, minLength, maxLength, repeatable });

/**
 * RFC 7252 §5.10, RFC 7641, RFC 7959, RFC 7967, RFC 8613, RFC 8768, RFC 9175, RFC 9177,
 * RFC 9528. Alibaba's 2088–2090 have no published length range, so they are opaque 0–1034
 * (the Proxy-Uri bound: large enough for any token or ciphertext a datagram can carry).
 */
export const OPTION_DEFINITIONS: readonly OptionDefinition[] = [
  def(1, 'If-Match', 'opaque', 0, 8, true),
  def(3, 'Uri-Host', 'string', 1, 255),
  def(4, 'ETag', 'opaque', 1, 8, true),
  def(5, 'If-None-Match', 'empty', 0, 0),
  def(6, 'Observe', 'uint', 0, 3),
  def(7, 'Uri-Port', 'uint', 0, 2),
  def(8, 'Location-Path', 'string', 0, 255, true),
  def(9, 'OSCORE', 'opaque', 0, 255),
  def(11, 'Uri-Path', 'string', 0, 255, true),
  def(12, 'Content-Format', 'uint', 0, 2),
  def(14, 'Max-Age', 'uint', 0, 4),
  def(15, 'Uri-Query', 'string', 0, 255, true),
  def(16, 'Hop-Limit', 'uint', 1, 1),
  def(17, 'Accept', 'uint', 0, 2),
  def(19, 'Q-Block1', 'uint', 0, 3),
  def(20, 'Location-Query', 'string', 0, 255, true),
  def(21, 'EDHOC', 'empty', 0, 0),
  def(23, 'Block2', 'uint', 0, 3),
  def(27, 'Block1', 'uint', 0, 3),
  def(28, 'Size2', 'uint', 0, 4),
  def(31, 'Q-Block2', 'uint', 0, 3, true),
  def(35, 'Proxy-Uri', 'string', 1, 1034),
  def(39, 'Proxy-Scheme', 'string', 1, 255),
  def(60, 'Size1', 'uint', 0, 4),
  def(252, 'Echo', 'opaque', 1, 40),
  def(258, 'No-Response', 'uint', 0, 1),
  def(292, 'Request-Tag', 'opaque', 0, 8, true),
  def(2088, 'Aliyun-Token', 'opaque', 0, 1034),
  def(2089, 'Aliyun-Seq', 'opaque', 0, 1034),
  def(2090, 'Aliyun-Message-Id', 'opaque', 0, 1034),
];

// A dense table for the small numbers the decoder meets on every option, a map for the rest.
const SMALL: (OptionDefinition | undefined)[] = new Array(64).fill(undefined);
const LARGE = new Map<number, OptionDefinition>();
for (const d of OPTION_DEFINITIONS) {
  if (d.number < 64) SMALL[d.number] = d;
  else LARGE.set(d.number, d);
}

/**
 * The registered definition of an option number, or undefined for an unknown option.
 *
 * @example
 * optionDefinition(11)?.name // 'Uri-Path'
 */
export function optionDefinition(number: number): OptionDefinition | undefined {
  if (typeof number !== 'number') return undefined;
  return number < 64 ? SMALL[number] : LARGE.get(number);
}

/** RFC 7252 §5.4.6: odd numbers are critical. */
export const isCritical = (number: number): boolean => typeof number === 'number' && (number & 1) === 1;
/** RFC 7252 §5.4.6: bit 1 set means a proxy must not forward it without understanding it. */
export const isUnsafe = (number: number): boolean => typeof number === 'number' && (number & 2) === 2;
/** RFC 7252 §5.4.6: safe-to-forward options with bits 2–4 all set are not part of the cache key. */
export const isNoCacheKey = (number: number): boolean => typeof number === 'number' && (number & 0x1e) === 0x1c;

/** Bytes of the shortest big-endian encoding of `n` (RFC 7252 §3.2: zero is zero bytes). */
export function uintLength(n: number): number {
  if (typeof n !== 'number' || !(n >= 0 && n <= 0xffffffff)) throw new CoapError('invalid_option', `option uint out of range: ${describe(n)}`);
  return n === 0 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
}

/**
 * Encodes a uint option value in the fewest bytes.
 *
 * @example
 * encodeUint(50) // Uint8Array [50]
 */
export function encodeUint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new CoapError('invalid_option', `option uint out of range: ${describe(n)}`);
  const len = uintLength(n);
  const out = new Uint8Array(len);
  for (let i = len - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

/**
 * Reads a uint option value. Leading zero bytes are tolerated, as RFC 7252 §3.2 asks of a
 * recipient; values of more than 4 bytes are not uints of any registered option.
 *
 * @example
 * decodeUint(new Uint8Array([1, 0])) // 256
 */
export function decodeUint(value: Uint8Array): number {
  if (!(value instanceof Uint8Array)) throw new CoapError('invalid_option', `an option value is a Uint8Array, got ${describe(value)}`);
  if (value.length > 4) throw new CoapError('invalid_option', `uint option value of ${value.length} bytes`);
  let n = 0;
  for (let i = 0; i < value.length; i++) n = n * 256 + value[i]!;
  return n;
}

// Embedded engines (QuickJS) have no TextDecoder: the fallback is @linkwire/base's decoder.
const nativeDecoder: { decode(b: Uint8Array): string } | undefined = (() => {
  const TD = (globalThis as { TextDecoder?: new (label: string, options: object) => { decode(b: Uint8Array): string } }).TextDecoder;
  try {
    return TD === undefined ? undefined : new TD('utf-8', { fatal: true, ignoreBOM: true });
  } catch {
    return undefined;
  }
})();

const codes: number[] = [];

/** Reads a string option value as UTF-8 (RFC 7252 §3.2: Net-Unicode), strictly. */
export function decodeOptionString(value: Uint8Array): string {
  if (!(value instanceof Uint8Array)) throw new CoapError('invalid_option', `an option value is a Uint8Array, got ${describe(value)}`);
  const n = value.length;
  // Uri-Path segments are short ASCII: copying char codes into an array and one apply beats a
  // decoder call; longer values go to the platform decoder where there is one.
  if (n <= 24 || nativeDecoder === undefined) {
    let ascii = n <= 256;
    for (let i = 0; ascii && i < n; i++) {
      const b = value[i]!;
      if (b >= 0x80) ascii = false;
      else codes[i] = b;
    }
    if (ascii) {
      codes.length = n;
      return String.fromCharCode.apply(null, codes);
    }
  }
  try {
    return nativeDecoder !== undefined ? nativeDecoder.decode(value) : utf8Decode(value, { fatal: true });
  } catch {
    throw new CoapError('invalid_option', 'string option value is not UTF-8');
  }
}
