import { COAP_TYPES } from './codes.ts';
import { CoapDecodeError } from './errors.ts';
import type { CoapMessage, CoapOptionEntry } from './message.ts';
import { optionDefinition } from './options.ts';

const EMPTY: Uint8Array = new Uint8Array(0);

const fail = (code: string, message: string, offset: number): never => {
  throw new CoapDecodeError(code, message, offset);
};

/**
 * Decodes one CoAP datagram (RFC 7252 §3). Everything libcoap rejects is rejected here with a
 * {@link CoapDecodeError} (`code`, `offset`), and nothing else is ever thrown:
 *
 * `invalid_input` (not a Uint8Array), `truncated_header`, `bad_version`, `bad_token_length` (9–15), `truncated_token`,
 * `reserved_code_class` (1, 6, 7), `empty_not_empty` (0.00 with a token, options or payload),
 * `empty_non` (a NON must carry a request or response), `bad_type_code` (a request in an ACK
 * or RST, or a RST that is not empty), `bad_option_delta` / `bad_option_length` (nibble 15
 * outside the payload marker), `truncated_option` (missing extended bytes),
 * `truncated_option_value`, `option_number_too_large` (> 65535), `empty_payload` (a payload
 * marker followed by nothing), `option_length_out_of_range` (a registered option's length
 * range), `repeated_critical_option` (a critical non-repeatable option repeated: answer 4.02).
 * A repeated elective non-repeatable option is ignored (RFC 7252 §5.4.5); unknown options
 * pass through.
 *
 * The token, option values and payload are views into `bytes`, not copies.
 *
 * @example
 * const m = decodeCoap(new Uint8Array([0x40, 0x01, 0x12, 0x34, 0xb4, 0x61, 0x75, 0x74, 0x68]));
 * m.type; m.code; uriPath(m) // 'CON', 0x01 (GET), '/auth'
 */
export function decodeCoap(bytes: Uint8Array): CoapMessage {
  if (!(bytes instanceof Uint8Array)) fail('invalid_input', 'decodeCoap takes a Uint8Array', 0);
  const n = bytes.length;
  if (n < 4) fail('truncated_header', `a CoAP header is 4 bytes, got ${n}`, n);
  const b0 = bytes[0]!;
  if (b0 >> 6 !== 1) fail('bad_version', `unsupported CoAP version ${b0 >> 6}`, 0);
  const tkl = b0 & 15;
  if (tkl > 8) fail('bad_token_length', `token length ${tkl} is reserved`, 0);
  const t = (b0 >> 4) & 3;
  const code = bytes[1]!;
  const cls = code >> 5;
  if (cls === 1 || cls >= 6) fail('reserved_code_class', `code class ${cls} is reserved`, 1);
  const messageId = (bytes[2]! << 8) | bytes[3]!;
  if (code === 0) {
    if (n !== 4 || tkl !== 0) fail('empty_not_empty', 'an Empty message (0.00) must be exactly the 4-byte header', 4);
    if (t === 1) fail('empty_non', 'a NON message must carry a request or a response', 1);
    return { type: COAP_TYPES[t]!, code, messageId, token: EMPTY, options: [], payload: EMPTY };
  }
  if (t === 3 || (t === 2 && cls === 0)) fail('bad_type_code', t === 3 ? 'a RST message must be empty' : 'an ACK cannot carry a request', 1);
  let p = 4 + tkl;
  if (p > n) fail('truncated_token', `token of ${tkl} bytes runs past the end`, n);
  // Views are built with the constructor: about twice as fast as subarray (no species lookup),
  // and always a plain Uint8Array even when the input is a subclass of it.
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  const token = tkl === 0 ? EMPTY : new Uint8Array(buffer, base + 4, tkl);
  const options: CoapOptionEntry[] = [];
  let payload = EMPTY;
  let number = 0;
  let previous = -1;
  while (p < n) {
    const start = p;
    const b = bytes[p++]!;
    if (b === 0xff) {
      if (p === n) fail('empty_payload', 'a payload marker must be followed by a payload', start);
      payload = new Uint8Array(buffer, base + p, n - p);
      break;
    }
    let delta = b >> 4;
    let len = b & 15;
    if (delta >= 13) {
      if (delta === 15) fail('bad_option_delta', 'option delta 15 is reserved for the payload marker', start);
      if (delta === 13) {
        if (p >= n) fail('truncated_option', 'missing extended option delta', n);
        delta = bytes[p++]! + 13;
      } else {
        if (p + 1 >= n) fail('truncated_option', 'missing extended option delta', n);
        delta = ((bytes[p]! << 8) | bytes[p + 1]!) + 269;
        p += 2;
      }
    }
    if (len >= 13) {
      if (len === 15) fail('bad_option_length', 'option length 15 is reserved for the payload marker', start);
      if (len === 13) {
        if (p >= n) fail('truncated_option', 'missing extended option length', n);
        len = bytes[p++]! + 13;
      } else {
        if (p + 1 >= n) fail('truncated_option', 'missing extended option length', n);
        len = ((bytes[p]! << 8) | bytes[p + 1]!) + 269;
        p += 2;
      }
    }
    number += delta;
    if (number > 65535) fail('option_number_too_large', `option number ${number} exceeds 65535`, start);
    if (p + len > n) fail('truncated_option_value', `option ${number} value of ${len} bytes runs past the end`, n);
    const d = optionDefinition(number);
    if (d !== undefined) {
      if (len < d.minLength || len > d.maxLength) fail('option_length_out_of_range', `${d.name} length ${len} outside ${d.minLength}..${d.maxLength}`, start);
      if (number === previous && !d.repeatable) {
        if ((number & 1) === 1) fail('repeated_critical_option', `${d.name} must not repeat`, start);
        p += len;
        continue;
      }
    }
    options.push({ number, value: new Uint8Array(buffer, base + p, len) });
    previous = number;
    p += len;
  }
  return { type: COAP_TYPES[t]!, code, messageId, token, options, payload };
}

/** The fixed header of a datagram, readable even when the rest fails to decode. */
export interface CoapHeader {
  readonly type: 'CON' | 'NON' | 'ACK' | 'RST';
  readonly code: number;
  readonly messageId: number;
  readonly token: Uint8Array;
}

/**
 * Reads only the header and token, so an endpoint can still answer a datagram whose options are
 * malformed (RST for a bad CON, 4.02 for a bad critical option). Undefined when even the
 * header is unusable.
 */
export function peekHeader(bytes: Uint8Array): CoapHeader | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) return undefined;
  const b0 = bytes[0]!;
  const tkl = b0 & 15;
  if (b0 >> 6 !== 1 || tkl > 8 || 4 + tkl > bytes.length) return undefined;
  return { type: COAP_TYPES[(b0 >> 4) & 3]!, code: bytes[1]!, messageId: (bytes[2]! << 8) | bytes[3]!, token: bytes.subarray(4, 4 + tkl) };
}
