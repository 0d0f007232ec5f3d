import { describe, utf8EncodeInto, utf8Length } from '@linkwire/base';
import { CoapError } from './errors.ts';
import type { CoapMessageInit, CoapOptionValue } from './message.ts';
import { optionDefinition, uintLength } from './options.ts';
import { allocBytes } from './pool.ts';

type OptionInit = { readonly number: number; readonly value: CoapOptionValue };

const invalid = (message: string): never => {
  throw new CoapError('invalid_message', message);
};

function valueLength(v: CoapOptionValue): number {
  if (typeof v === 'string') return utf8Length(v);
  if (typeof v === 'number') {
    if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v)) throw new CoapError('invalid_option', `option uint out of range: ${v}`);
    return uintLength(v);
  }
  if (!(v instanceof Uint8Array)) throw new CoapError('invalid_option', `an option value is a string, a number or a Uint8Array, got ${describe(v)}`);
  return v.length;
}

// Extended delta/length bytes for a nibble value (RFC 7252 §3.1).
const extra = (x: number): number => (x < 13 ? 0 : x < 269 ? 1 : 2);

function sortedOptions(options: readonly OptionInit[]): readonly OptionInit[] {
  if (!Array.isArray(options)) throw new CoapError('invalid_option', `options are a list, got ${describe(options)}`);
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (typeof o !== 'object' || o === null || typeof o.number !== 'number') throw new CoapError('invalid_option', `an option is {number, value}, got ${describe(o)}`);
  }
  for (let i = 1; i < options.length; i++) {
    // Array.prototype.sort is stable, so repeated options keep their order.
    if (options[i]!.number < options[i - 1]!.number) return options.slice().sort((a, b) => a.number - b.number);
  }
  return options;
}

/**
 * Encodes a message into one exactly sized buffer. Options are written in ascending number
 * order (a stable sort, so repeated options keep their order); string values are UTF-8 and
 * numbers take the shortest uint form. Throws {@link CoapError} (`invalid_message`,
 * `invalid_option`) for anything {@link decodeCoap} would reject, so what this writes always
 * decodes.
 *
 * @example
 * encodeCoap({ type: 'CON', code: CoapCode.POST, messageId: 1, options: pathOptions('/auth'), payload: '{}' })
 */
export function encodeCoap(message: CoapMessageInit): Uint8Array {
  if (typeof message !== 'object' || message === null) invalid(`a message is an object, got ${describe(message)}`);
  const { code, messageId } = message;
  const typeBits = typeBitsOf(message.type);
  if (typeof code !== 'number' || !(code >= 0 && code <= 255 && (code | 0) === code)) invalid(`code ${describe(code)} is not a byte`);
  const cls = code >> 5;
  if (cls === 1 || cls >= 6) invalid(`code class ${cls} is reserved`);
  if (typeof messageId !== 'number' || !(messageId >= 0 && messageId <= 0xffff && (messageId | 0) === messageId)) invalid(`message id ${describe(messageId)} out of range`);
  const token = message.token;
  if (token !== undefined && !(token instanceof Uint8Array)) invalid(`a token is a Uint8Array, got ${describe(token)}`);
  const tkl = token === undefined ? 0 : token.length;
  if (tkl > 8) invalid(`token of ${tkl} bytes (at most 8)`);
  const options = message.options === undefined ? [] : sortedOptions(message.options);
  const payload = message.payload;
  if (payload !== undefined && typeof payload !== 'string' && !(payload instanceof Uint8Array)) invalid(`a payload is a string or a Uint8Array, got ${describe(payload)}`);
  const payloadLength = payload === undefined ? 0 : typeof payload === 'string' ? utf8Length(payload) : payload.length;
  const t = (typeBits >> 4) & 3;
  if (code === 0) {
    if (tkl !== 0 || options.length !== 0 || payloadLength !== 0) invalid('an Empty message (0.00) carries no token, options or payload');
    if (t === 1) invalid('a NON message must carry a request or a response');
  } else if (t === 3 || (t === 2 && cls === 0)) invalid(t === 3 ? 'a RST message must be empty' : 'an ACK cannot carry a request');

  // Value lengths are measured once here and reused when writing.
  const lengths: number[] = new Array(options.length);
  let size = 4 + tkl + (payloadLength > 0 ? 1 + payloadLength : 0);
  let previous = 0;
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    const number = o.number;
    if (!(number >= 0 && number <= 65535 && (number | 0) === number)) throw new CoapError('invalid_option', `option number ${number} out of range`);
    const len = valueLength(o.value);
    lengths[i] = len;
    const d = optionDefinition(number);
    if (d !== undefined) {
      if (len < d.minLength || len > d.maxLength) throw new CoapError('invalid_option', `${d.name} length ${len} outside ${d.minLength}..${d.maxLength}`);
      if (i > 0 && number === previous && !d.repeatable) throw new CoapError('invalid_option', `${d.name} must not repeat`);
    } else if (len > 65535 + 269) throw new CoapError('invalid_option', `option ${number} value too long`);
    size += 1 + extra(number - previous) + extra(len) + len;
    previous = number;
  }

  const out = allocBytes(size);
  out[0] = typeBits | tkl;
  out[1] = code;
  out[2] = messageId >> 8;
  out[3] = messageId & 0xff;
  if (tkl > 0) out.set(token!, 4);
  let p = 4 + tkl;
  previous = 0;
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    const v = o.value;
    const delta = o.number - previous;
    previous = o.number;
    const len = lengths[i]!;
    const head = p++;
    let nibbles: number;
    if (delta < 13) nibbles = delta << 4;
    else if (delta < 269) {
      nibbles = 13 << 4;
      out[p++] = delta - 13;
    } else {
      nibbles = 14 << 4;
      out[p++] = (delta - 269) >> 8;
      out[p++] = (delta - 269) & 0xff;
    }
    if (len < 13) nibbles |= len;
    else if (len < 269) {
      nibbles |= 13;
      out[p++] = len - 13;
    } else {
      nibbles |= 14;
      out[p++] = (len - 269) >> 8;
      out[p++] = (len - 269) & 0xff;
    }
    out[head] = nibbles;
    if (typeof v === 'string') {
      // As many bytes as UTF-16 units means pure ASCII: copy the codes straight in.
      if (len === v.length) for (let k = 0; k < len; k++) out[p + k] = v.charCodeAt(k);
      else utf8EncodeInto(v, out, p);
      p += len;
    } else if (typeof v === 'number') {
      for (let k = len - 1, x = v; k >= 0; k--, x = Math.floor(x / 256)) out[p + k] = x & 0xff;
      p += len;
    } else {
      out.set(v, p);
      p += len;
    }
  }
  if (payloadLength > 0) {
    out[p++] = 0xff;
    if (typeof payload === 'string') utf8EncodeInto(payload, out, p);
    else out.set(payload!, p);
  }
  return out;
}

function typeBitsOf(type: string): number {
  if (typeof type !== 'string') invalid(`message type ${describe(type)} is not CON, NON, ACK or RST`);
  switch (type) {
    case 'CON':
      return 0x40;
    case 'NON':
      return 0x50;
    case 'ACK':
      return 0x60;
    case 'RST':
      return 0x70;
    default:
      return invalid(`unknown message type ${String(type)}`);
  }
}
