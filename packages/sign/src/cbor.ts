import { utf8Decode, utf8Encode } from '@linkwire/base';
import { SignError } from './errors.ts';

// The CoAP auth exchange needs only a flat CBOR map of text keys to text or integer values
// (RFC 8949 major types 0, 1, 3, 5 and the simple values false/true/null); a full CBOR codec
// would be a dependency for four fields.

export type FlatValue = string | number | boolean | null;

function head(out: number[], major: number, n: number): void {
  const m = major << 5;
  if (n < 24) out.push(m | n);
  else if (n < 0x100) out.push(m | 24, n);
  else if (n < 0x10000) out.push(m | 25, n >> 8, n & 255);
  else if (n < 0x100000000) out.push(m | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  else {
    const hi = Math.floor(n / 0x100000000);
    out.push(m | 27, 0, (hi >> 16) & 255, (hi >> 8) & 255, hi & 255, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  }
}

function text(out: number[], s: string): void {
  const b = utf8Encode(s);
  head(out, 3, b.length);
  for (const x of b) out.push(x);
}

/** Encodes a flat map in insertion order; integers must be safe. */
export function encodeFlatCbor(map: Readonly<Record<string, FlatValue | undefined>>): Uint8Array {
  const keys = Object.keys(map).filter((k) => map[k] !== undefined);
  const out: number[] = [];
  head(out, 5, keys.length);
  for (const k of keys) {
    text(out, k);
    const v = map[k];
    if (typeof v === 'string') text(out, v);
    else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new SignError('invalid_field', `${k} must be a safe integer`, k);
      if (v >= 0) head(out, 0, v);
      else head(out, 1, -1 - v);
    } else out.push(v === true ? 0xf5 : v === false ? 0xf4 : 0xf6);
  }
  return Uint8Array.from(out);
}

const bad = (message: string, offset: number): SignError => new SignError('malformed_body', message, 'body', offset);

/**
 * Decodes a flat CBOR map. Anything else (nested items, floats, tags, indefinite lengths,
 * duplicate keys, trailing bytes) is a `malformed_body` SignError carrying the byte offset.
 */
export function decodeFlatCbor(bytes: Uint8Array, maxBytes = 8192): Record<string, FlatValue> {
  if (bytes.length > maxBytes) throw bad(`body of ${bytes.length} bytes exceeds ${maxBytes}`, maxBytes);
  let p = 0;
  const arg = (info: number, at: number): number => {
    if (info < 24) return info;
    const n = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (n === 0) throw bad(`unsupported additional information ${info}`, at);
    if (p + n > bytes.length) throw bad('truncated argument', at);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + bytes[p++]!;
    if (!Number.isSafeInteger(v)) throw bad('integer exceeds 2^53', at);
    return v;
  };
  const item = (): FlatValue => {
    const at = p;
    if (p >= bytes.length) throw bad('truncated item', at);
    const ib = bytes[p++]!;
    const major = ib >> 5;
    const info = ib & 31;
    if (major === 0) return arg(info, at);
    if (major === 1) return -1 - arg(info, at);
    if (major === 3) {
      const n = arg(info, at);
      if (n > bytes.length - p) throw bad('text runs past the end', at);
      const s = bytes.subarray(p, p + n);
      p += n;
      try {
        return utf8Decode(s, { fatal: true });
      } catch {
        throw bad('invalid UTF-8 in text', at);
      }
    }
    if (ib === 0xf4) return false;
    if (ib === 0xf5) return true;
    if (ib === 0xf6) return null;
    throw bad(`unsupported CBOR item 0x${ib.toString(16)}`, at);
  };
  if (bytes.length === 0) throw bad('empty body', 0);
  const ib = bytes[p++]!;
  if (ib >> 5 !== 5) throw bad('body must be a CBOR map', 0);
  const count = arg(ib & 31, 0);
  // Each entry takes at least two bytes, which bounds the work by the input size.
  if (count * 2 > bytes.length - p) throw bad('map count exceeds the body', 0);
  const out: Record<string, FlatValue> = Object.create(null);
  for (let i = 0; i < count; i++) {
    const at = p;
    const k = item();
    if (typeof k !== 'string') throw bad('map keys must be text', at);
    if (k in out) throw bad(`duplicate key ${JSON.stringify(k)}`, at);
    out[k] = item();
  }
  if (p !== bytes.length) throw bad('trailing bytes after the map', p);
  return out;
}
