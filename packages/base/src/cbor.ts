import { LinkwireError } from './errors.ts';
import type { JsonValue } from './json.ts';
import { utf8Decode, utf8Encode, utf8EncodeInto, utf8Length } from './utf8.ts';

/**
 * Thrown by {@link decodeCbor} and {@link encodeCbor}. Codes: `invalid_cbor` (malformed or
 * outside the subset), `too_large`, `too_deep`, `invalid_utf8`, `duplicate_key`,
 * `forbidden_key` (decoding, with the `offset` of the item at fault) and `invalid_value`
 * (encoding a value CBOR cannot hold).
 */
export class CborError extends LinkwireError {}

/**
 * A value of the CBOR subset linkwire speaks (RFC 8949): the JSON data model plus byte strings
 * and integers beyond ±(2^53 − 1) as `bigint`. No tags, no `undefined`, no simple values but
 * false/true/null, map keys are text. Peers' extensions (cbor-x records and structures are
 * tags) are therefore refused on the wire rather than half-understood.
 */
export type CborValue = null | boolean | number | bigint | string | Uint8Array | CborValue[] | { [key: string]: CborValue };

export interface CborDecodeOptions {
  /** Largest accepted input in bytes. Default 512 KiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of arrays and maps (32 allows 32 nested containers). Default 32. */
  readonly maxDepth?: number;
  /**
   * Restrict to the JSON data model: a byte string, an integer beyond ±(2^53 − 1), NaN or
   * ±Infinity is refused (`invalid_cbor`) at its offset. Default false.
   */
  readonly jsonOnly?: boolean;
  /** `false` refuses every float head, even one holding an integer, for integer-only bodies. Default true. */
  readonly floats?: boolean;
  /**
   * Accept indefinite-length strings, arrays and maps (RFC 8949 §3.2.2), as streaming encoders
   * such as Jackson's write them. Default false: the subset is definite lengths only.
   */
  readonly indefiniteLengths?: boolean;
  /**
   * Decode maps to objects without a prototype, in which a `__proto__` key is plain data.
   * Default false: plain objects, and a `__proto__` key is refused with `forbidden_key`.
   */
  readonly nullPrototype?: boolean;
}

const DEFAULT_MAX_BYTES = 512 * 1024;
const DEFAULT_MAX_DEPTH = 32;
const BREAK = 0xff;

const fail = (code: string, message: string, offset: number): never => {
  throw new CborError(code, `CBOR: ${message} at byte ${offset}`, offset);
};

/**
 * Decodes one CBOR data item (RFC 8949) that must fill the input exactly. Integers beyond
 * ±(2^53 − 1) decode to `bigint`; duplicate and `__proto__` map keys are refused. Never throws
 * anything but {@link CborError} (with the offset), and allocates in proportion to the input:
 * every declared length is checked against the bytes that remain before anything is built.
 *
 * @example
 * decodeCbor(new Uint8Array([0xa1, 0x61, 0x61, 0x01])) // { a: 1 }
 */
export function decodeCbor(bytes: Uint8Array, options: CborDecodeOptions & { readonly jsonOnly: true }): JsonValue;
export function decodeCbor(bytes: Uint8Array, options?: CborDecodeOptions): CborValue;
export function decodeCbor(bytes: Uint8Array, options?: CborDecodeOptions): CborValue {
  if (!(bytes instanceof Uint8Array)) throw new CborError('invalid_cbor', 'CBOR input must be a Uint8Array');
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const jsonOnly = options?.jsonOnly === true;
  const floats = options?.floats !== false;
  const indefinite = options?.indefiniteLengths === true;
  const nullPrototype = options?.nullPrototype === true;
  if (bytes.length > maxBytes) throw new CborError('too_large', `CBOR input of ${bytes.length} bytes exceeds the limit of ${maxBytes}`, maxBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;

  const need = (n: number, at: number): void => {
    if (n > bytes.length - p) fail('invalid_cbor', 'data runs past the end', at);
  };

  // Returns the argument of a head as a number when it is safe, else as a bigint.
  const argument = (ai: number, at: number): number | bigint => {
    if (ai < 24) return ai;
    switch (ai) {
      case 24: need(1, at); return bytes[p++]!;
      case 25: need(2, at); p += 2; return view.getUint16(p - 2);
      case 26: need(4, at); p += 4; return view.getUint32(p - 4);
      case 27: {
        need(8, at);
        const big = view.getBigUint64(p);
        p += 8;
        return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      case 31: return fail('invalid_cbor', 'indefinite lengths are not supported', at);
      default: return fail('invalid_cbor', `reserved additional information ${ai}`, at);
    }
  };

  // `unit` is the fewest bytes one element takes, so a declared count can never make the
  // decoder loop or allocate beyond what the input could hold.
  const length = (ai: number, at: number, unit: number): number => {
    const n = argument(ai, at);
    if (typeof n === 'bigint' || n * unit > bytes.length - p) return fail('invalid_cbor', 'length runs past the end', at);
    return n;
  };

  const text = (start: number, end: number): string => {
    // Keys and identifiers are short ASCII: read in place, without a subarray per string.
    if (end - start <= 16) {
      let out = '';
      let i = start;
      for (; i < end; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) break;
        out += String.fromCharCode(c);
      }
      if (i === end) return out;
    }
    try {
      return utf8Decode(bytes.subarray(start, end), { fatal: true });
    } catch (e) {
      const at = start + ((e as LinkwireError).offset ?? 0);
      return fail('invalid_utf8', 'text is not valid UTF-8', at);
    }
  };

  const integer = (v: number | bigint, at: number): number | bigint => {
    if (jsonOnly && typeof v === 'bigint') fail('invalid_cbor', 'integer beyond 2^53 has no JSON form', at);
    return v;
  };

  const float = (v: number, at: number): number => {
    if (!floats) fail('invalid_cbor', 'floats are not accepted here', at);
    if (jsonOnly && !Number.isFinite(v)) fail('invalid_cbor', `${v} has no JSON form`, at);
    return v;
  };

  // Chunks of an indefinite string are definite strings of the same major type; each text
  // chunk is valid UTF-8 on its own (RFC 8949 §3.2.3), so they are decoded one by one.
  const chunks = (major: number, at: number): Uint8Array | string => {
    const parts: Uint8Array[] = [];
    let textOut = '';
    let size = 0;
    for (;;) {
      const cAt = p;
      need(1, cAt);
      const b = bytes[p++]!;
      if (b === BREAK) break;
      if (b >> 5 !== major || (b & 31) === 31) fail('invalid_cbor', 'a chunk of an indefinite string must be a definite string of its type', cAt);
      const n = length(b & 31, cAt, 1);
      p += n;
      if (major === 3) textOut += text(p - n, p);
      else (parts.push(bytes.subarray(p - n, p)), (size += n));
    }
    if (major === 3) return textOut;
    if (jsonOnly) fail('invalid_cbor', 'byte strings have no JSON form', at);
    const out = new Uint8Array(size);
    let o = 0;
    for (const part of parts) (out.set(part, o), (o += part.length));
    return out;
  };

  // Either a definite count, or -1 for an indefinite container that runs until a break.
  const count = (ai: number, at: number, unit: number): number => (ai === 31 && indefinite ? -1 : length(ai, at, unit));
  const more = (i: number, n: number, at: number): boolean => {
    if (n >= 0) return i < n;
    if (p >= bytes.length) fail('invalid_cbor', 'indefinite container lacks its break', at);
    if (bytes[p] !== BREAK) return true;
    p++;
    return false;
  };

  const item = (depth: number): CborValue => {
    const at = p;
    if (p >= bytes.length) return fail('invalid_cbor', 'unexpected end', at);
    const b = bytes[p++]!;
    const major = b >> 5;
    const ai = b & 31;
    switch (major) {
      case 0: return integer(argument(ai, at), at);
      case 1: {
        const n = argument(ai, at);
        if (typeof n === 'bigint') return integer(-1n - n, at);
        const v = -1 - n;
        return Number.isSafeInteger(v) ? v : integer(-1n - BigInt(n), at);
      }
      case 2: {
        if (ai === 31 && indefinite) return chunks(2, at);
        const n = length(ai, at, 1);
        if (jsonOnly) fail('invalid_cbor', 'byte strings have no JSON form', at);
        // A copy into a plain Uint8Array: `slice` on a Node Buffer input would return a Buffer
        // sharing the input's memory.
        const out = new Uint8Array(n);
        out.set(bytes.subarray(p, p + n));
        p += n;
        return out;
      }
      case 3: {
        if (ai === 31 && indefinite) return chunks(3, at);
        const n = length(ai, at, 1);
        p += n;
        return text(p - n, p);
      }
      case 4: {
        if (depth >= maxDepth) fail('too_deep', `nesting exceeds ${maxDepth}`, at);
        const n = count(ai, at, 1);
        const out: CborValue[] = [];
        for (let i = 0; more(i, n, at); i++) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        if (depth >= maxDepth) fail('too_deep', `nesting exceeds ${maxDepth}`, at);
        const n = count(ai, at, 2);
        const out: { [key: string]: CborValue } = nullPrototype ? Object.create(null) : {};
        for (let i = 0; more(i, n, at); i++) {
          const kAt = p;
          const k = item(depth + 1);
          if (typeof k !== 'string') fail('invalid_cbor', 'map keys must be text strings', kAt);
          const key = k as string;
          if (key === '__proto__' && !nullPrototype) fail('forbidden_key', 'map key "__proto__" is not accepted', kAt);
          if (Object.prototype.hasOwnProperty.call(out, key)) fail('duplicate_key', `duplicate map key ${JSON.stringify(key)}`, kAt);
          out[key] = item(depth + 1);
        }
        return out;
      }
      case 6: return fail('invalid_cbor', 'tags are not accepted', at);
      default: {
        if (ai === 20) return false;
        if (ai === 21) return true;
        if (ai === 22) return null;
        if (ai === 25) { need(2, at); p += 2; return float(halfToNumber(view.getUint16(p - 2)), at); }
        if (ai === 26) { need(4, at); p += 4; return float(view.getFloat32(p - 4), at); }
        if (ai === 27) { need(8, at); p += 8; return float(view.getFloat64(p - 8), at); }
        return fail('invalid_cbor', ai === 31 ? 'unexpected break' : `simple value ${ai} is not accepted`, at);
      }
    }
  };

  let v: CborValue;
  try {
    v = item(0);
  } catch (e) {
    if (e instanceof CborError) throw e;
    // Only the stack can run out here: a caller's maxDepth beyond what the engine recurses.
    return fail('too_deep', `nesting exhausted the stack before maxDepth ${maxDepth}`, p);
  }
  if (p !== bytes.length) fail('invalid_cbor', 'data after the item', p);
  return v;
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

class Writer {
  buf: Uint8Array;
  view: DataView;
  n = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  head(major: number, v: number | bigint): void {
    this.room(9);
    const m = major << 5;
    if (typeof v === 'bigint') {
      if (v <= 0xffffffffn) return this.head(major, Number(v));
      this.buf[this.n++] = m | 27;
      this.view.setBigUint64(this.n, v);
      this.n += 8;
    } else if (v < 24) this.buf[this.n++] = m | v;
    else if (v < 0x100) (this.buf[this.n++] = m | 24), (this.buf[this.n++] = v);
    else if (v < 0x10000) (this.buf[this.n++] = m | 25), this.view.setUint16(this.n, v), (this.n += 2);
    else if (v < 0x100000000) (this.buf[this.n++] = m | 26), this.view.setUint32(this.n, v), (this.n += 4);
    else (this.buf[this.n++] = m | 27), this.view.setBigUint64(this.n, BigInt(v)), (this.n += 8);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  text(s: string): void {
    // Long strings go through the platform encoder where there is one; short ones (keys,
    // identifiers) are written in place, without an intermediate array.
    if (s.length > 64) {
      const b = utf8Encode(s);
      this.head(3, b.length);
      return this.bytes(b);
    }
    const len = utf8Length(s);
    this.head(3, len);
    this.room(len);
    this.n = utf8EncodeInto(s, this.buf, this.n);
  }
}

// Encoding reuses one scratch buffer (the result is a copy of it); a getter that encodes while
// an encoding is under way gets a fresh one instead.
const SCRATCH_BYTES = 4096;
let scratch: Writer | undefined;

const U64 = (1n << 64n) - 1n;
// Deep enough for any document the decoders accept; a cycle ends here instead of in a RangeError.
const MAX_ENCODE_DEPTH = 256;

/**
 * Encodes a value as standard CBOR that {@link decodeCbor} reads back: integers in their
 * shortest head, other numbers as float32 when that is exact and float64 otherwise, strings as
 * text, `Uint8Array` as a byte string, objects as maps in key order (members that are
 * `undefined` are skipped and array holes become null, as JSON does). Throws
 * `CborError('invalid_value')` for a cycle, a function, a symbol or a bigint beyond 64 bits.
 *
 * @example
 * encodeCbor({ a: 1 }) // Uint8Array [0xa1, 0x61, 0x61, 0x01]
 */
export function encodeCbor(value: unknown): Uint8Array {
  const w = scratch ?? new Writer(256);
  scratch = undefined;
  w.n = 0;
  try {
    encodeInto(w, value);
    return w.buf.slice(0, w.n);
  } finally {
    // A buffer that grew for one large value is not kept, so memory stays bounded.
    if (w.buf.length <= SCRATCH_BYTES) scratch = w;
  }
}

function encodeInto(w: Writer, value: unknown): void {
  const put = (v: unknown, depth: number): void => {
    if (depth > MAX_ENCODE_DEPTH) throw new CborError('invalid_value', 'value is nested too deeply (or cyclic)');
    if (v === null) return w.room(1), void (w.buf[w.n++] = 0xf6);
    switch (typeof v) {
      case 'boolean':
        w.room(1);
        w.buf[w.n++] = v ? 0xf5 : 0xf4;
        return;
      case 'number':
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) return v >= 0 ? w.head(0, v) : w.head(1, -1 - v);
        w.room(9);
        if (Math.fround(v) === v || Number.isNaN(v)) {
          w.buf[w.n++] = 0xfa;
          w.view.setFloat32(w.n, v);
          w.n += 4;
        } else {
          w.buf[w.n++] = 0xfb;
          w.view.setFloat64(w.n, v);
          w.n += 8;
        }
        return;
      case 'bigint':
        if (v >= 0n && v <= U64) return w.head(0, v);
        if (v < 0n && -1n - v <= U64) return w.head(1, -1n - v);
        throw new CborError('invalid_value', `${v} does not fit a CBOR integer`);
      case 'string':
        return w.text(v);
      case 'object': {
        if (v instanceof Uint8Array) {
          w.head(2, v.length);
          return w.bytes(v);
        }
        if (Array.isArray(v)) {
          w.head(4, v.length);
          for (const x of v) put(x === undefined ? null : x, depth + 1);
          return;
        }
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        let count = 0;
        for (const k of keys) if (o[k] !== undefined) count++;
        w.head(5, count);
        for (const k of keys) {
          const x = o[k];
          if (x === undefined) continue;
          w.text(k);
          put(x, depth + 1);
        }
        return;
      }
      default:
        throw new CborError('invalid_value', `a ${typeof v} cannot be written as CBOR`);
    }
  };
  put(value, 0);
}
