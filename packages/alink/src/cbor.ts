import { utf8Encode } from '@linkwire/base';
import { AlinkError } from './errors.ts';
import { decodeUtf8Strict, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, type AlinkJson } from './json.ts';

/**
 * A value of the CBOR subset Alink payloads use over CoAP (`application/cbor`, seed §3.3): the
 * JSON data model plus byte strings. No tags, no `undefined`, no indefinite lengths, map keys
 * are text — so cbor-x's record and structure extensions are refused on the wire.
 */
export type CborValue = AlinkJson | Uint8Array | CborValue[] | { [key: string]: CborValue };

export interface CborDecodeOptions {
  /** Largest accepted input in bytes. Default 512 KiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting. Default 32. */
  readonly maxDepth?: number;
}

const fail = (code: string, message: string, offset: number): never => {
  throw new AlinkError(code, `CBOR: ${message} at byte ${offset}`, offset);
};

/**
 * Decodes one CBOR data item (RFC 8949) that must fill the input exactly. Integers beyond
 * ±(2^53 − 1) decode to `bigint`; duplicate and `__proto__` map keys are refused. Throws
 * `AlinkError` with code `invalid_cbor` (or `too_large`, `too_deep`, `invalid_utf8`) and the offset.
 *
 * @example
 * decodeCbor(new Uint8Array([0xa1, 0x61, 0x61, 0x01])) // { a: 1 }
 */
export function decodeCbor(bytes: Uint8Array, options?: CborDecodeOptions): CborValue {
  if (!(bytes instanceof Uint8Array)) throw new AlinkError('invalid_cbor', 'CBOR input must be a Uint8Array');
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (bytes.length > maxBytes) throw new AlinkError('too_large', `payload of ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
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

  const length = (ai: number, at: number, unit: number): number => {
    const n = argument(ai, at);
    if (typeof n === 'bigint' || n * unit > bytes.length - p) return fail('invalid_cbor', 'length runs past the end', at);
    return n;
  };

  const item = (depth: number): CborValue => {
    const at = p;
    if (p >= bytes.length) return fail('invalid_cbor', 'unexpected end', at);
    const b = bytes[p++]!;
    const major = b >> 5;
    const ai = b & 31;
    switch (major) {
      case 0: return argument(ai, at);
      case 1: {
        const n = argument(ai, at);
        if (typeof n === 'bigint') return -1n - n;
        const v = -1 - n;
        return Number.isSafeInteger(v) ? v : -1n - BigInt(n);
      }
      case 2: {
        const n = length(ai, at, 1);
        p += n;
        return bytes.slice(p - n, p);
      }
      case 3: {
        const n = length(ai, at, 1);
        p += n;
        return decodeUtf8Strict(bytes.subarray(p - n, p));
      }
      case 4: {
        if (depth >= maxDepth) fail('too_deep', `nesting exceeds ${maxDepth}`, at);
        const n = length(ai, at, 1);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        if (depth >= maxDepth) fail('too_deep', `nesting exceeds ${maxDepth}`, at);
        const n = length(ai, at, 2);
        const out: { [key: string]: CborValue } = {};
        for (let i = 0; i < n; i++) {
          const kAt = p;
          const k = item(depth + 1);
          if (typeof k !== 'string') fail('invalid_cbor', 'map keys must be text strings', kAt);
          const key = k as string;
          if (key === '__proto__') fail('forbidden_key', 'map key "__proto__" is not accepted', kAt);
          if (Object.prototype.hasOwnProperty.call(out, key)) fail('duplicate_key', `duplicate map key ${JSON.stringify(key)}`, kAt);
          out[key] = item(depth + 1);
        }
        return out;
      }
      case 6: return fail('invalid_cbor', 'tags are not accepted (standard JSON-model CBOR only)', at);
      default: {
        if (ai === 20) return false;
        if (ai === 21) return true;
        if (ai === 22) return null;
        if (ai === 25) { need(2, at); p += 2; return halfToNumber(view.getUint16(p - 2)); }
        if (ai === 26) { need(4, at); p += 4; return view.getFloat32(p - 4); }
        if (ai === 27) { need(8, at); p += 8; return view.getFloat64(p - 8); }
        return fail('invalid_cbor', ai === 31 ? 'unexpected break' : `simple value ${ai} has no JSON meaning`, at);
      }
    }
  };

  const v = item(0);
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
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  n = 0;
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
}

const U64 = (1n << 64n) - 1n;

/**
 * Encodes a value as standard CBOR: integers in their shortest head, other numbers as float32
 * when that is exact and float64 otherwise, strings as text, `Uint8Array` as a byte string,
 * objects as maps in key order (members that are `undefined` are skipped, as JSON does).
 *
 * @example
 * encodeCbor({ a: 1 }) // Uint8Array [0xa1, 0x61, 0x61, 0x01]
 */
export function encodeCbor(value: unknown): Uint8Array {
  const w = new Writer();
  const put = (v: unknown, depth: number): void => {
    if (depth > 256) throw new AlinkError('invalid_value', 'value is nested too deeply (or cyclic)');
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
        throw new AlinkError('invalid_value', `${v} does not fit a CBOR integer`);
      case 'string': {
        const b = utf8Encode(v);
        w.head(3, b.length);
        return w.bytes(b);
      }
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
        const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
        w.head(5, keys.length);
        for (const k of keys) {
          put(k, depth + 1);
          put((v as Record<string, unknown>)[k], depth + 1);
        }
        return;
      }
      default:
        throw new AlinkError('invalid_value', `a ${typeof v} cannot be written as CBOR`);
    }
  };
  put(value, 0);
  return w.buf.slice(0, w.n);
}
