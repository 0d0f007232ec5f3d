import { describe } from '@linkwire/base';
import { CoapError } from './errors.ts';
import type { CoapType } from './codes.ts';
import { CoapOption, decodeOptionString, decodeUint } from './options.ts';

/** One option as it sits on the wire: its number and its raw value. */
export interface CoapOptionEntry {
  readonly number: number;
  readonly value: Uint8Array;
}

/**
 * A decoded CoAP message. `token`, option values and `payload` are views into the decoded
 * datagram (no copies): copy them before reusing the datagram's buffer.
 */
export interface CoapMessage {
  readonly type: CoapType;
  /** The code byte, `class << 5 | detail` (see `CoapCode`). */
  readonly code: number;
  readonly messageId: number;
  readonly token: Uint8Array;
  /** In wire order: ascending number, repeated options in their original order. */
  readonly options: readonly CoapOptionEntry[];
  readonly payload: Uint8Array;
}

/** An option value to encode: raw bytes, a string (UTF-8) or a uint (shortest form). */
export type CoapOptionValue = Uint8Array | string | number;

/** What {@link encodeCoap} takes: a message whose option values may be strings and numbers. */
export interface CoapMessageInit {
  readonly type: CoapType;
  readonly code: number;
  readonly messageId: number;
  readonly token?: Uint8Array;
  readonly options?: readonly { readonly number: number; readonly value: CoapOptionValue }[];
  readonly payload?: Uint8Array | string;
}

/** The value of the first option numbered `number`, or undefined. */
// A message handed in by the caller: its options must be a list (one test per call).
function optionsOf(message: CoapMessage): readonly CoapOptionEntry[] {
  const options = typeof message === 'object' && message !== null ? message.options : undefined;
  if (!Array.isArray(options)) throw new CoapError('invalid_argument', `not a CoAP message: ${describe(message)}`);
  return options;
}

export function getOption(message: CoapMessage, number: number): Uint8Array | undefined {
  const options = optionsOf(message);
  if (typeof number !== 'number') return undefined;
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    if (o.number === number) return o.value;
    if (o.number > number) break;
  }
  return undefined;
}

/** The values of every option numbered `number`, in order. */
export function getOptions(message: CoapMessage, number: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const options = optionsOf(message);
  if (typeof number !== 'number') return out;
  for (const o of options) {
    if (o.number === number) out.push(o.value);
    else if (o.number > number) break;
  }
  return out;
}

/** The first option numbered `number` read as a uint, or undefined when absent. */
export function getUintOption(message: CoapMessage, number: number): number | undefined {
  const v = getOption(message, number);
  return v === undefined ? undefined : decodeUint(v);
}

/** The first option numbered `number` read as a UTF-8 string, or undefined when absent. */
export function getStringOption(message: CoapMessage, number: number): string | undefined {
  const v = getOption(message, number);
  return v === undefined ? undefined : decodeOptionString(v);
}

/**
 * The Uri-Path segments joined with `/` and a leading `/`, as the seed writes paths
 * (`/topic/{pk}/{dn}/pub`). Segments are taken literally (no percent-decoding).
 *
 * @example
 * uriPath(decodeCoap(bytes)) // '/auth'
 */
export function uriPath(message: CoapMessage): string {
  // One pass over the segments' bytes and one string: paths are short and nearly always ASCII.
  const options = optionsOf(message);
  let n = 0;
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    if (o.number < CoapOption.UriPath) continue;
    if (o.number > CoapOption.UriPath) break;
    const v = o.value;
    if (n + 1 + v.length > PATH_CODES_MAX) return slowUriPath(message);
    pathCodes[n++] = 0x2f;
    for (let k = 0; k < v.length; k++) {
      const b = v[k]!;
      if (b >= 0x80) return slowUriPath(message);
      pathCodes[n++] = b;
    }
  }
  if (n === 0) return '/';
  pathCodes.length = n;
  return String.fromCharCode.apply(null, pathCodes);
}

// Reused between calls (uriPath is synchronous); bounded so apply never meets a huge array.
const PATH_CODES_MAX = 2048;
const pathCodes: number[] = [];

function slowUriPath(message: CoapMessage): string {
  let path = '';
  for (const o of message.options) if (o.number === CoapOption.UriPath) path += '/' + decodeOptionString(o.value);
  return path;
}

/** The Uri-Path segments as a list. */
export function uriPathSegments(message: CoapMessage): string[] {
  return getOptions(message, CoapOption.UriPath).map(decodeOptionString);
}

/** The Uri-Query items, each `name=value` as sent. */
export function uriQuery(message: CoapMessage): string[] {
  return getOptions(message, CoapOption.UriQuery).map(decodeOptionString);
}

/**
 * Uri-Path options for a path such as `/topic/a1GFjLP3xxC/device/pub` (empty segments from a
 * leading or doubled `/` are dropped; segments are sent literally).
 *
 * @example
 * pathOptions('/auth') // [{ number: 11, value: 'auth' }]
 */
export function pathOptions(path: string): { number: number; value: string }[] {
  if (typeof path !== 'string') throw new CoapError('invalid_argument', `a path is a string, got ${describe(path)}`);
  const out: { number: number; value: string }[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 0x2f) {
      if (i > start) out.push({ number: CoapOption.UriPath, value: path.slice(start, i) });
      start = i + 1;
    }
  }
  return out;
}
