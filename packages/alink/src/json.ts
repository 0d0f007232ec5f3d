import { utf8Decode, utf8Encode } from '@linkwire/base';
import { AlinkError } from './errors.ts';

/**
 * A decoded JSON value. Integers outside ±(2^53 − 1) decode to `bigint` so that ids and
 * counters stay exact; everything else is what `JSON.parse` gives.
 */
export type AlinkJson = null | boolean | number | bigint | string | AlinkJson[] | { [key: string]: AlinkJson };

export interface JsonDecodeOptions {
  /** Largest accepted payload in bytes (UTF-16 units for a string). Default 512 KiB, EnOS's limit. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of objects and arrays. Default 32. */
  readonly maxDepth?: number;
  /** `reject` refuses an object with a repeated key (used for signed documents). Default `last`, as `JSON.parse`. */
  readonly duplicateKeys?: 'reject' | 'last';
}

export const DEFAULT_MAX_BYTES = 512 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

interface Decoder {
  decode(b: Uint8Array): string;
}
// The platform decoder is several times faster than a JS loop on long payloads; `ignoreBOM`
// keeps a leading BOM in the text so that every runtime rejects it the same way (JSON has none).
const nativeDecoder: Decoder | undefined = (() => {
  const TD = (globalThis as { TextDecoder?: new (label: string, o: object) => Decoder }).TextDecoder;
  if (typeof TD !== 'function') return undefined;
  try {
    return new TD('utf-8', { fatal: true, ignoreBOM: true });
  } catch {
    return undefined;
  }
})();

/** Decodes strict UTF-8 or throws `AlinkError('invalid_utf8')` with the offset of the first bad byte. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  if (nativeDecoder !== undefined && bytes.length > 32) {
    try {
      return nativeDecoder.decode(bytes);
    } catch {
      // fall through: the portable decoder finds the offset
    }
  }
  try {
    return utf8Decode(bytes, { fatal: true });
  } catch (e) {
    const offset = (e as { offset?: number }).offset;
    throw new AlinkError('invalid_utf8', `payload is not valid UTF-8${offset === undefined ? '' : ` at byte ${offset}`}`, offset);
  }
}

/**
 * Parses an untrusted JSON payload: bounded size and depth, strict UTF-8, no `__proto__` keys
 * (they would become a prototype in any later `Object.assign`), exact big integers, and
 * optionally no duplicate keys. Throws {@link AlinkError} with code `too_large`, `too_deep`,
 * `invalid_utf8`, `invalid_json`, `forbidden_key` or `duplicate_key`.
 *
 * The common payload takes the fast path: the engine's `JSON.parse`, then one walk over the
 * result that checks depth and keys and looks for integers beyond 2^53. Only a payload with
 * such a number (whose digits `JSON.parse` may have rounded) or a duplicate-key policy goes
 * through the exact parser below. Deep nesting cannot exhaust the stack: the size limit bounds
 * the input, V8 parses iteratively, a RangeError from an engine whose `JSON.parse` recurses
 * sends the text to the exact parser, which stops at `maxDepth`, and so does the walk.
 *
 * @example
 * decodeJson('{"id":"1","params":{"n":9007199254740993}}') // { id: '1', params: { n: 9007199254740993n } }
 */
export function decodeJson(input: Uint8Array | string, options?: JsonDecodeOptions): AlinkJson {
  return decodeJsonWalking(input, options, inexact);
}

/**
 * A walk over a `JSON.parse` result: throws on excessive depth or a `__proto__` key and returns
 * true if an integer beyond 2^53 may have been rounded. Internal: message decoders pass one
 * that validates as it goes, so a large object is iterated once, not twice.
 */
export type JsonWalk = (value: object, maxDepth: number, depth: number) => boolean;

/** {@link decodeJson} with the walk over the fast path's result supplied by the caller. */
export function decodeJsonWalking(input: Uint8Array | string, options: JsonDecodeOptions | undefined, walk: JsonWalk): AlinkJson {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (input.length > maxBytes) throw new AlinkError('too_large', `payload of ${input.length} exceeds the limit of ${maxBytes}`);
  const text = typeof input === 'string' ? input : decodeUtf8Strict(input);
  if (options?.duplicateKeys === 'reject') return new ExactParser(text, maxDepth, true).parseDocument();
  let value: AlinkJson;
  try {
    value = JSON.parse(text) as AlinkJson;
  } catch (e) {
    if (e instanceof SyntaxError) throw new AlinkError('invalid_json', `invalid JSON: ${e.message}`);
    return new ExactParser(text, maxDepth, false).parseDocument();
  }
  if (value !== null && typeof value === 'object' && walk(value, maxDepth, 1)) {
    return new ExactParser(text, maxDepth, false).parseDocument();
  }
  return value;
}

export const UNSAFE = 9007199254740991;

export const forbiddenProto = (): AlinkError => new AlinkError('forbidden_key', 'JSON object key "__proto__" is not accepted');

/** Checks depth and keys of a `JSON.parse` result; true if an integer beyond 2^53 may have been rounded. */
export function inexact(v: object, maxDepth: number, depth: number): boolean {
  if (depth > maxDepth) throw new AlinkError('too_deep', `JSON nesting exceeds ${maxDepth}`);
  let rounded = false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object') {
        if (x !== null && inexact(x, maxDepth, depth + 1)) rounded = true;
      } else if (typeof x === 'number' && (x > UNSAFE || x < -UNSAFE)) rounded = true;
    }
    return rounded;
  }
  for (const k in v) {
    // JSON.parse makes "__proto__" an own data property (also when a \u escape spells it),
    // which for-in lists like any other key.
    if (k === '__proto__') throw forbiddenProto();
    const x: unknown = (v as Record<string, unknown>)[k];
    if (typeof x === 'object') {
      if (x !== null && inexact(x, maxDepth, depth + 1)) rounded = true;
    } else if (typeof x === 'number' && (x > UNSAFE || x < -UNSAFE)) rounded = true;
  }
  return rounded;
}

// The exact parser follows RFC 8259 and produces what JSON.parse produces, except for big
// integers (bigint), duplicate keys (optional error) and `__proto__` keys (error).
class ExactParser {
  private i = 0;
  constructor(private readonly s: string, private readonly maxDepth: number, private readonly rejectDuplicates: boolean) {}

  parseDocument(): AlinkJson {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected data after the JSON value');
    return v;
  }

  private fail(what: string): never {
    throw new AlinkError('invalid_json', `invalid JSON at ${this.i}: ${what}`, this.i);
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else return;
    }
  }

  private value(depth: number): AlinkJson {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 123 || c === 91) {
      if (depth >= this.maxDepth) throw new AlinkError('too_deep', `JSON nesting exceeds ${this.maxDepth}`, this.i);
      return c === 123 ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (s.startsWith('true', this.i)) return (this.i += 4), true;
    if (s.startsWith('false', this.i)) return (this.i += 5), false;
    if (s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.fail(this.i >= s.length ? 'unexpected end' : 'unexpected character');
  }

  private object(depth: number): AlinkJson {
    const out: { [key: string]: AlinkJson } = {};
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) return this.i++, out;
    for (;;) {
      if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a key');
      const at = this.i;
      const key = this.string();
      if (key === '__proto__') throw new AlinkError('forbidden_key', 'JSON object key "__proto__" is not accepted', at);
      if (this.rejectDuplicates && Object.prototype.hasOwnProperty.call(out, key)) {
        throw new AlinkError('duplicate_key', `duplicate JSON object key ${JSON.stringify(key)}`, at);
      }
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail('expected ":"');
      this.i++;
      this.ws();
      out[key] = this.value(depth);
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 125) return out;
      if (c !== 44) this.i--, this.fail('expected "," or "}"');
      this.ws();
    }
  }

  private array(depth: number): AlinkJson {
    const out: AlinkJson[] = [];
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) return this.i++, out;
    for (;;) {
      out.push(this.value(depth));
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 93) return out;
      if (c !== 44) this.i--, this.fail('expected "," or "]"');
      this.ws();
    }
  }

  private string(): string {
    const s = this.s;
    let i = this.i + 1;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= s.length) this.i = i, this.fail('unterminated string');
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) this.i = i, this.fail('control character in string');
      if (c !== 92) {
        i++;
        continue;
      }
      out += s.slice(from, i);
      const e = s.charCodeAt(i + 1);
      if (e === 117) {
        const hex = s.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.i = i, this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) this.i = i, this.fail('bad escape');
        out += r;
        i += 2;
      }
      from = i;
    }
    this.i = i + 1;
    return out + s.slice(from, i);
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.i;
    let i = start;
    let integer = true;
    if (s.charCodeAt(i) === 45) i++;
    const c0 = s.charCodeAt(i);
    if (c0 === 48) i++;
    else if (c0 >= 49 && c0 <= 57) while (isDigit(s.charCodeAt(i))) i++;
    else this.i = i, this.fail('bad number');
    if (s.charCodeAt(i) === 46) {
      integer = false;
      i++;
      if (!isDigit(s.charCodeAt(i))) this.i = i, this.fail('bad fraction');
      while (isDigit(s.charCodeAt(i))) i++;
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      integer = false;
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(s.charCodeAt(i))) this.i = i, this.fail('bad exponent');
      while (isDigit(s.charCodeAt(i))) i++;
    }
    this.i = i;
    const token = s.slice(start, i);
    const n = Number(token);
    return integer && !Number.isSafeInteger(n) ? BigInt(token) : n;
  }
}

const ESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Serialises a value as JSON text. Same output as `JSON.stringify`, plus `bigint` written as
 * its exact digits. Cycles and values JSON cannot hold (functions or symbols at the top,
 * excessive nesting) are an `AlinkError('invalid_value')`.
 */
export function stringifyJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // BigInt or a cycle: the careful writer below says which
  }
  return write(value, 0, '$');
}

/** {@link stringifyJson} as UTF-8 bytes. */
export function encodeJson(value: unknown): Uint8Array {
  return utf8Encode(stringifyJson(value));
}

function write(v: unknown, depth: number, path: string): string {
  if (depth > 256) throw new AlinkError('invalid_value', `${path}: value is nested too deeply (or cyclic)`);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return 'null';
      const j = (v as { toJSON?: unknown }).toJSON;
      if (typeof j === 'function') return write(j.call(v), depth + 1, path);
      if (Array.isArray(v)) return `[${v.map((x, i) => (x === undefined || typeof x === 'function' ? 'null' : write(x, depth + 1, `${path}[${i}]`))).join(',')}]`;
      const parts: string[] = [];
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        parts.push(`${JSON.stringify(k)}:${write(x, depth + 1, `${path}.${k}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new AlinkError('invalid_value', `${path}: a ${typeof v} cannot be written as JSON`);
  }
}

/** Narrows a decoded value to a plain JSON object. */
export function isJsonObject(v: unknown): v is { [key: string]: AlinkJson } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

