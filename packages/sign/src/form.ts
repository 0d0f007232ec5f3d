import { describe, integerOption, utf8Decode, utf8Encode } from '@linkwire/base';
import { requireArgument, SignError } from './errors.ts';

// application/x-www-form-urlencoded by hand: URLSearchParams is missing in QuickJS and some
// embedded engines, and this keeps the encoding byte-exact across runtimes.
const UNRESERVED = /^[A-Za-z0-9*\-._]$/;
const HEX = '0123456789ABCDEF';

function encodeComponent(s: string): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of utf8Encode(ch)) out += '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/**
 * Encodes fields as an `application/x-www-form-urlencoded` body, in the given order, leaving out
 * undefined values.
 *
 * @example
 * encodeForm({ productKey: 'pk', deviceName: 'a b' }) // 'productKey=pk&deviceName=a+b'
 */
export function encodeForm(fields: Readonly<Record<string, string | undefined>>): string {
  requireArgument(fields, 'fields');
  const parts: string[] = [];
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    if (v !== undefined && typeof v !== 'string') throw new SignError('invalid_field', `form field ${k} must be a string, got ${describe(v)}`, k);
    if (v !== undefined) parts.push(`${encodeComponent(k)}=${encodeComponent(v)}`);
  }
  return parts.join('&');
}

/** Percent-decodes one form or query component (`+` is a space); `at` positions errors. */
export function decodeComponent(s: string, at: number): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new SignError('malformed_body', `bad percent escape at ${at + i}`, 'body', at + i);
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === 43) bytes.push(32);
    else if (c < 0x80) bytes.push(c);
    else {
      // Raw non-ASCII text is tolerated; re-encode it so the byte path stays uniform.
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of utf8Encode(ch)) bytes.push(b);
      i += ch.length - 1;
    }
  }
  try {
    return utf8Decode(Uint8Array.from(bytes), { fatal: true });
  } catch {
    throw new SignError('malformed_body', `invalid UTF-8 in form field at ${at}`, 'body', at);
  }
}

/**
 * Decodes an `application/x-www-form-urlencoded` body into a null-prototype record. A name
 * given twice, a bad escape or invalid UTF-8 is a `malformed_body` SignError.
 *
 * @example
 * decodeForm('productKey=pk&deviceName=a+b') // { productKey: 'pk', deviceName: 'a b' }
 */
export function decodeForm(body: string, maxLength = 8192): Record<string, string> {
  if (typeof body !== 'string') throw new SignError('malformed_body', 'form body must be a string', 'body');
  integerOption('maxLength', maxLength, 8192, 0);
  if (body.length > maxLength) throw new SignError('malformed_body', `form body exceeds ${maxLength} characters`, 'body');
  const out: Record<string, string> = Object.create(null);
  let at = 0;
  for (const pair of body === '' ? [] : body.split('&')) {
    if (pair !== '') {
      const eq = pair.indexOf('=');
      const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), at);
      const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1), at + eq + 1);
      if (name in out) throw new SignError('malformed_body', `form field ${describe(name)} is given twice`, 'body', at);
      out[name] = value;
    }
    at += pair.length + 1;
  }
  return out;
}
