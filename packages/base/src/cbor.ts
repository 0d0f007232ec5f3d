import { LinkwireError } from './errors.ts';
import { booleanOption, numberOption, optionsRecord } from './options.ts';
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
// What `argument` returns for a 64-bit head beyond 2^53 − 1, and for additional information 31.
const BIG = -1;
const INDEFINITE = -2;

const fail = (code: string, message: string, offset: number): never => {
  throw new CborError(code, `CBOR: ${message} at byte ${offset}`, offset);
};
const fromCharCode = String.fromCharCode;
const hasOwn = Object.prototype.hasOwnProperty;

// The decoder's state lives in the module, so that a decode allocates no closures. A decode
// that starts while another is under way (from a setter someone put on Object.prototype) saves
// and restores it.
const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let pos = 0;
let maxDepth = DEFAULT_MAX_DEPTH;
let jsonOnly = false;
let floats = true;
let indefinite = false;
let nullPrototype = false;

// Map keys repeat from message to message: short ASCII keys are looked up by a hash of their
// bytes and, on a match, the string made the first time is returned (already internalized by
// the engine, so the property store skips that work too). Bounded: one string per slot.
const KEY_CACHE_SIZE = 1024;
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill('');

// Float heads are read through an 8-byte scratch, so a decode creates no DataView.
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

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
  if (options !== undefined) checkDecodeOptions(options);
  const limit = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > limit) throw new CborError('too_large', `CBOR input of ${bytes.length} bytes exceeds the limit of ${limit}`, limit);
  const outerSrc = src, outerPos = pos, outerMaxDepth = maxDepth, outerJsonOnly = jsonOnly;
  const outerFloats = floats, outerIndefinite = indefinite, outerNullPrototype = nullPrototype;
  src = bytes;
  pos = 0;
  maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  jsonOnly = options?.jsonOnly === true;
  floats = options?.floats !== false;
  indefinite = options?.indefiniteLengths === true;
  nullPrototype = options?.nullPrototype === true;
  try {
    let v: CborValue;
    try {
      v = item(0);
    } catch (e) {
      if (e instanceof CborError) throw e;
      // Only the stack can run out here: a caller's maxDepth beyond what the engine recurses.
      return fail('too_deep', `nesting exhausted the stack before maxDepth ${maxDepth}`, pos);
    }
    if (pos !== bytes.length) fail('invalid_cbor', 'data after the item', pos);
    return v;
  } finally {
    src = outerSrc;
    pos = outerPos;
    maxDepth = outerMaxDepth;
    jsonOnly = outerJsonOnly;
    floats = outerFloats;
    indefinite = outerIndefinite;
    nullPrototype = outerNullPrototype;
  }
}

function checkDecodeOptions(options: unknown): void {
  const o = optionsRecord('options', options);
  numberOption('maxBytes', o.maxBytes, DEFAULT_MAX_BYTES, 0, Infinity);
  numberOption('maxDepth', o.maxDepth, DEFAULT_MAX_DEPTH, 0, Infinity);
  for (const k of ['jsonOnly', 'floats', 'indefiniteLengths', 'nullPrototype'] as const) booleanOption(k, o[k], false);
}

// The argument of a head whose additional information is 24 or more: a number when it is safe,
// BIG for a 64-bit value beyond 2^53 − 1 (its bytes end at `pos`), INDEFINITE for 31.
function argument(ai: number, at: number): number {
  const s = src;
  const p = pos;
  switch (ai) {
    case 24:
      if (p + 1 > s.length) break;
      pos = p + 1;
      return s[p]!;
    case 25:
      if (p + 2 > s.length) break;
      pos = p + 2;
      return (s[p]! << 8) | s[p + 1]!;
    case 26:
      if (p + 4 > s.length) break;
      pos = p + 4;
      return s[p]! * 0x1000000 + ((s[p + 1]! << 16) | (s[p + 2]! << 8) | s[p + 3]!);
    case 27: {
      if (p + 8 > s.length) break;
      pos = p + 8;
      const hi = s[p]! * 0x1000000 + ((s[p + 1]! << 16) | (s[p + 2]! << 8) | s[p + 3]!);
      if (hi >= 0x200000) return BIG;
      return hi * 0x100000000 + (s[p + 4]! * 0x1000000 + ((s[p + 5]! << 16) | (s[p + 6]! << 8) | s[p + 7]!));
    }
    case 31:
      return INDEFINITE;
    default:
      return fail('invalid_cbor', `reserved additional information ${ai}`, at);
  }
  return fail('invalid_cbor', 'data runs past the end', at);
}

// The 64-bit argument that ends at `pos`, as a bigint.
function bigArgument(): bigint {
  const s = src;
  let v = 0n;
  for (let i = pos - 8; i < pos; i++) v = (v << 8n) | BigInt(s[i]!);
  return v;
}

// A definite length whose elements take at least `unit` bytes each, checked against what remains.
function length(n: number, at: number, unit: number): number {
  if (n === INDEFINITE) return fail('invalid_cbor', 'indefinite lengths are not supported', at);
  if (n < 0 || n * unit > src.length - pos) return fail('invalid_cbor', 'length runs past the end', at);
  return n;
}

function item(depth: number): CborValue {
  const s = src;
  const at = pos;
  if (at >= s.length) return fail('invalid_cbor', 'unexpected end', at);
  const b = s[at]!;
  pos = at + 1;
  const major = b >> 5;
  const ai = b & 31;
  if (major === 7) return simple(ai, at);
  if (major >= 4) {
    if (major === 6) return fail('invalid_cbor', 'tags are not accepted', at);
    if (depth >= maxDepth) return fail('too_deep', `nesting exceeds ${maxDepth}`, at);
  }
  const n = ai < 24 ? ai : argument(ai, at);
  switch (major) {
    case 0:
      if (n >= 0) return n;
      if (n === INDEFINITE) return fail('invalid_cbor', 'indefinite lengths are not supported', at);
      if (jsonOnly) return fail('invalid_cbor', 'integer beyond 2^53 has no JSON form', at);
      return bigArgument();
    case 1:
      if (n >= 0 && n < Number.MAX_SAFE_INTEGER) return -1 - n;
      if (n === INDEFINITE) return fail('invalid_cbor', 'indefinite lengths are not supported', at);
      if (jsonOnly) return fail('invalid_cbor', 'integer beyond 2^53 has no JSON form', at);
      return -1n - (n >= 0 ? BigInt(n) : bigArgument());
    case 2: {
      if (n === INDEFINITE && indefinite) return chunks(2, at);
      const len = length(n, at, 1);
      if (jsonOnly) return fail('invalid_cbor', 'byte strings have no JSON form', at);
      const p = pos;
      pos = p + len;
      return copyBytes(p, len);
    }
    case 3: {
      if (n === INDEFINITE && indefinite) return chunks(3, at);
      const len = length(n, at, 1);
      const p = pos;
      pos = p + len;
      return text(p, len);
    }
    case 4: {
      const out: CborValue[] = [];
      if (n === INDEFINITE && indefinite) {
        while (more(at)) out.push(item(depth + 1));
      } else {
        const len = length(n, at, 1);
        for (let i = 0; i < len; i++) out.push(item(depth + 1));
      }
      return out;
    }
    default: {
      const out: { [key: string]: CborValue } = nullPrototype ? Object.create(null) : {};
      if (n === INDEFINITE && indefinite) {
        while (more(at)) entry(out, depth);
      } else {
        const len = length(n, at, 2);
        for (let i = 0; i < len; i++) entry(out, depth);
      }
      return out;
    }
  }
}

// One key and value of a map at `depth`.
function entry(out: { [key: string]: CborValue }, depth: number): void {
  const kAt = pos;
  const b = kAt < src.length ? src[kAt]! : -1;
  let key: string;
  if (b >= 0x60 && b < 0x78) {
    pos = kAt + 1;
    key = shortKey(b - 0x60, kAt);
  } else {
    const k = item(depth + 1);
    if (typeof k !== 'string') fail('invalid_cbor', 'map keys must be text strings', kAt);
    key = k as string;
  }
  if (nullPrototype) {
    if (key in out) fail('duplicate_key', `duplicate map key ${JSON.stringify(key)}`, kAt);
  } else {
    if (key === '__proto__') fail('forbidden_key', 'map key "__proto__" is not accepted', kAt);
    // Only a key the object already answers to (its own, or Object.prototype's) needs the exact test.
    if (hasOwn.call(out, key)) fail('duplicate_key', `duplicate map key ${JSON.stringify(key)}`, kAt);
  }
  out[key] = item(depth + 1);
}

// A text key of fewer than 24 bytes whose head ended at `pos`.
function shortKey(n: number, at: number): string {
  const s = src;
  const p = pos;
  if (n > s.length - p) return fail('invalid_cbor', 'length runs past the end', at);
  let h = n;
  let high = 0;
  for (let i = p; i < p + n; i++) {
    const c = s[i]!;
    high |= c;
    h = (Math.imul(h, 31) + c) | 0;
  }
  pos = p + n;
  if (high >= 0x80) return text(p, n);
  const slot = (h ^ (h >>> 10)) & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot]!;
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === s[p + i]) i++;
    if (i === n) return cached;
  }
  const key = ascii(p, n);
  keyCache[slot] = key;
  return key;
}

// The string of `n` bytes at `p` known to be ASCII: eight characters a call, no array.
function ascii(p: number, n: number): string {
  const s = src;
  let out = '';
  for (; n > 8; p += 8, n -= 8) out += fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!, s[p + 7]!);
  switch (n) {
    case 0: return out;
    case 1: return out + fromCharCode(s[p]!);
    case 2: return out + fromCharCode(s[p]!, s[p + 1]!);
    case 3: return out + fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!);
    case 4: return out + fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!);
    case 5: return out + fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!);
    case 6: return out + fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!);
    case 7: return out + fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!);
    default: return out + fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!, s[p + 7]!);
  }
}

// The text of `n` bytes at `p`, strictly UTF-8.
function text(p: number, n: number): string {
  const s = src;
  if (n <= 64) {
    let high = 0;
    for (let i = p; i < p + n; i++) high |= s[i]!;
    if (high < 0x80) return ascii(p, n);
  }
  try {
    return utf8Decode(s.subarray(p, p + n), { fatal: true });
  } catch (e) {
    return fail('invalid_utf8', 'text is not valid UTF-8', p + ((e as LinkwireError).offset ?? 0));
  }
}

// A copy into a plain Uint8Array: `slice` on a Node Buffer input would return a Buffer sharing
// the input's memory.
function copyBytes(p: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n <= 32) for (let i = 0; i < n; i++) out[i] = src[p + i]!;
  else out.set(src.subarray(p, p + n));
  return out;
}

// Whether an indefinite container that began at `at` has another item (else eats its break).
function more(at: number): boolean {
  if (pos >= src.length) fail('invalid_cbor', 'indefinite container lacks its break', at);
  if (src[pos] !== BREAK) return true;
  pos++;
  return false;
}

// Chunks of an indefinite string are definite strings of the same major type; each text
// chunk is valid UTF-8 on its own (RFC 8949 §3.2.3), so they are decoded one by one.
function chunks(major: number, at: number): Uint8Array | string {
  const parts: Uint8Array[] = [];
  let textOut = '';
  let size = 0;
  for (;;) {
    const cAt = pos;
    if (cAt >= src.length) fail('invalid_cbor', 'data runs past the end', cAt);
    const b = src[pos++]!;
    if (b === BREAK) break;
    if (b >> 5 !== major || (b & 31) === 31) fail('invalid_cbor', 'a chunk of an indefinite string must be a definite string of its type', cAt);
    const ai = b & 31;
    const n = length(ai < 24 ? ai : argument(ai, cAt), cAt, 1);
    pos += n;
    if (major === 3) textOut += text(pos - n, n);
    else (parts.push(src.subarray(pos - n, pos)), (size += n));
  }
  if (major === 3) return textOut;
  if (jsonOnly) fail('invalid_cbor', 'byte strings have no JSON form', at);
  const out = new Uint8Array(size);
  let o = 0;
  for (const part of parts) (out.set(part, o), (o += part.length));
  return out;
}

// Major type 7: false, true, null and the three float widths.
function simple(ai: number, at: number): CborValue {
  let v: number;
  const s = src;
  const p = pos;
  switch (ai) {
    case 20: return false;
    case 21: return true;
    case 22: return null;
    case 25:
      if (p + 2 > s.length) return fail('invalid_cbor', 'data runs past the end', at);
      pos = p + 2;
      v = halfToNumber((s[p]! << 8) | s[p + 1]!);
      break;
    case 26: {
      if (p + 4 > s.length) return fail('invalid_cbor', 'data runs past the end', at);
      pos = p + 4;
      const f = floatBytes;
      f[0] = s[p]!; f[1] = s[p + 1]!; f[2] = s[p + 2]!; f[3] = s[p + 3]!;
      v = floatView.getFloat32(0);
      break;
    }
    case 27: {
      if (p + 8 > s.length) return fail('invalid_cbor', 'data runs past the end', at);
      pos = p + 8;
      const f = floatBytes;
      for (let i = 0; i < 8; i++) f[i] = s[p + i]!;
      v = floatView.getFloat64(0);
      break;
    }
    default:
      return fail('invalid_cbor', ai === 31 ? 'unexpected break' : `simple value ${ai} is not accepted`, at);
  }
  if (!floats) fail('invalid_cbor', 'floats are not accepted here', at);
  if (jsonOnly && !Number.isFinite(v)) fail('invalid_cbor', `${v} has no JSON form`, at);
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

// The encoder writes into a module-level slab of 8 KiB and hands out a view of the bytes it
// wrote, as Node's Buffer pool does: a fresh ArrayBuffer per result costs more than encoding an
// Alink message. A result is never written again, but it shares its ArrayBuffer with other
// results (so transfer a copy, not `result.buffer`). Results of 64 bytes or fewer (which the
// engine allocates cheaply), results of a slab that had to grow, and results of an encoding
// started by a getter during another are copies instead.
const SLAB_BYTES = 8192;
// An encoding starts in a new slab when less than this remains of the current one.
const SLAB_ROOM = 1024;
let out: Uint8Array = new Uint8Array(0);
let outView = new DataView(out.buffer);
let at = 0;
// Where the next encoding starts in `out`: the bytes before it belong to results handed out.
let free = 0;
let encoding = false;

const U64 = (1n << 64n) - 1n;
// Deep enough for any document the decoders accept; a cycle ends here instead of in a RangeError.
const MAX_ENCODE_DEPTH = 256;

/**
 * Encodes a value as standard CBOR that {@link decodeCbor} reads back: integers in their
 * shortest head, other numbers as float32 when that is exact and float64 otherwise, strings as
 * text, `Uint8Array` as a byte string, objects as maps in key order (members that are
 * `undefined` are skipped and array holes become null, as JSON does). Throws
 * `CborError('invalid_value')` for a cycle, a function, a symbol or a bigint beyond 64 bits.
 * The result is never written again; above 64 bytes it is a view of a buffer shared with other
 * results, so transfer a `.slice()` of it rather than its `.buffer`.
 *
 * @example
 * encodeCbor({ a: 1 }) // Uint8Array [0xa1, 0x61, 0x61, 0x01]
 */
export function encodeCbor(value: unknown): Uint8Array {
  const nested = encoding;
  const outerOut = out;
  const outerView = outView;
  const outerAt = at;
  if (nested) {
    out = new Uint8Array(256);
    outView = new DataView(out.buffer);
    at = 0;
  } else {
    if (out.length - free < SLAB_ROOM) newSlab();
    at = free;
  }
  const start = at;
  encoding = true;
  try {
    write(value, 0);
    const n = at - start;
    if (nested || n <= 64 || out.length > SLAB_BYTES) return out.slice(start, at);
    free = (at + 7) & ~7;
    return new Uint8Array(out.buffer, start, n);
  } finally {
    if (nested) {
      out = outerOut;
      outView = outerView;
      at = outerAt;
    } else if (out.length > SLAB_BYTES) newSlab();
    encoding = nested;
  }
}

function newSlab(): void {
  out = new Uint8Array(SLAB_BYTES);
  outView = new DataView(out.buffer);
  free = 0;
}

function room(k: number): void {
  if (at + k > out.length) grow(k);
}

// Everything before `at` moves along, so offsets held during the encoding stay valid.
function grow(k: number): void {
  const next = new Uint8Array(Math.max(out.length * 2, at + k));
  next.set(out.subarray(0, at));
  out = next;
  outView = new DataView(next.buffer);
}

const headSize = (v: number): number => (v < 24 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v < 0x100000000 ? 5 : 9);

// A head with a safe non-negative integer argument, in its shortest form.
function head(major: number, v: number): void {
  room(9);
  const o = out;
  const p = at;
  const m = major << 5;
  if (v < 24) {
    o[p] = m | v;
    at = p + 1;
  } else if (v < 0x100) {
    o[p] = m | 24;
    o[p + 1] = v;
    at = p + 2;
  } else if (v < 0x10000) {
    o[p] = m | 25;
    o[p + 1] = v >> 8;
    o[p + 2] = v;
    at = p + 3;
  } else if (v < 0x100000000) {
    o[p] = m | 26;
    o[p + 1] = v >>> 24;
    o[p + 2] = v >> 16;
    o[p + 3] = v >> 8;
    o[p + 4] = v;
    at = p + 5;
  } else {
    const hi = Math.floor(v / 0x100000000);
    o[p] = m | 27;
    o[p + 1] = hi >>> 24;
    o[p + 2] = hi >> 16;
    o[p + 3] = hi >> 8;
    o[p + 4] = hi;
    o[p + 5] = v >>> 24;
    o[p + 6] = v >>> 16;
    o[p + 7] = v >>> 8;
    o[p + 8] = v;
    at = p + 9;
  }
}

function bigHead(major: number, v: bigint): void {
  if (v <= 0xffffffffn) return head(major, Number(v));
  room(9);
  out[at] = (major << 5) | 27;
  outView.setBigUint64(at + 1, v);
  at += 9;
}

function write(v: unknown, depth: number): void {
  if (depth > MAX_ENCODE_DEPTH) throw new CborError('invalid_value', 'value is nested too deeply (or cyclic)');
  switch (typeof v) {
    case 'string':
      return writeText(v);
    case 'number':
      return writeNumber(v);
    case 'object':
      if (v === null) {
        room(1);
        out[at++] = 0xf6;
        return;
      }
      return writeObject(v, depth);
    case 'boolean':
      room(1);
      out[at++] = v ? 0xf5 : 0xf4;
      return;
    case 'bigint':
      if (v >= 0n && v <= U64) return bigHead(0, v);
      if (v < 0n && -1n - v <= U64) return bigHead(1, -1n - v);
      throw new CborError('invalid_value', `${v} does not fit a CBOR integer`);
    default:
      throw new CborError('invalid_value', `a ${typeof v} cannot be written as CBOR`);
  }
}

function writeNumber(v: number): void {
  // −0 is no integer here: it is written as a float, so it reads back as −0.
  if (v >>> 0 === v && (v !== 0 || 1 / v > 0)) return head(0, v);
  if ((v | 0) === v && v !== 0) return head(1, -1 - v);
  if (Number.isSafeInteger(v) && v !== 0) return v > 0 ? head(0, v) : head(1, -1 - v);
  room(9);
  if (Math.fround(v) === v || v !== v) {
    out[at] = 0xfa;
    outView.setFloat32(at + 1, v);
    at += 5;
  } else {
    out[at] = 0xfb;
    outView.setFloat64(at + 1, v);
    at += 9;
  }
}

// Text is written in place: ASCII (keys, identifiers, JSON-ish values) straight after a head
// sized from the string's length, anything else after counting its UTF-8 length.
function writeText(s: string): void {
  const n = s.length;
  if (n <= 1024) {
    const size = n < 24 ? 1 : n < 0x100 ? 2 : 3;
    if (at + size + n > out.length) grow(size + n);
    const o = out;
    const start = at;
    let p = start + size;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      o[p++] = c;
    }
    if (i === n) {
      if (size === 1) o[start] = 0x60 | n;
      else if (size === 2) (o[start] = 0x78), (o[start + 1] = n);
      else (o[start] = 0x79), (o[start + 1] = n >> 8), (o[start + 2] = n);
      at = p;
      return;
    }
    // Not ASCII: count the UTF-8 bytes, then write the head and the text over what was tried.
    const len = utf8Length(s);
    head(3, len);
    room(len);
    at = utf8EncodeInto(s, out, at);
    return;
  }
  // Long strings go through the platform encoder where there is one.
  const b = utf8Encode(s);
  head(3, b.length);
  room(b.length);
  out.set(b, at);
  at += b.length;
}

function writeObject(v: object, depth: number): void {
  if (Array.isArray(v)) {
    const n = v.length;
    head(4, n);
    for (let i = 0; i < n; i++) {
      const x: unknown = v[i];
      write(x === undefined ? null : x, depth + 1);
    }
    return;
  }
  if (v instanceof Uint8Array) {
    const n = v.length;
    head(2, n);
    room(n);
    if (n <= 32) for (let i = 0; i < n; i++) out[at + i] = v[i]!;
    else out.set(v, at);
    at += n;
    return;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const n = keys.length;
  const start = at;
  head(5, n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const x = o[k];
    if (x === undefined) continue;
    writeText(k);
    write(x, depth + 1);
    count++;
  }
  // Members that are undefined were skipped: the head counted them, so rewrite it (moving the
  // members when the shorter count takes a shorter head).
  if (count !== n) {
    const end = at;
    const shift = headSize(n) - headSize(count);
    if (shift > 0) out.copyWithin(start + headSize(count), start + headSize(n), end);
    at = start;
    head(5, count);
    at = end - shift;
  }
}
