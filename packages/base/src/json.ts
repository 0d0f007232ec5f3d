import { describe } from './describe.ts';
import { LinkwireError } from './errors.ts';
import { enumOption, functionOption, numberOption, optionsRecord } from './options.ts';
import { utf8Decode } from './utf8.ts';

/**
 * Thrown by the JSON readers: `too_large`, `too_deep`, `invalid_utf8`, `syntax`,
 * `forbidden_key`, `duplicate_key`, `invalid_input` (neither a string nor a Uint8Array). Limits
 * of the wrong type are an `OptionError` (`invalid_option`).
 */
export class JsonError extends LinkwireError {}

/**
 * The deepest nesting any linkwire JSON walk accepts, whatever `maxDepth` a caller asks for.
 * The walks recurse (one or two frames a level): 512 levels stay far inside the smallest stack
 * linkwire runs on (QuickJS's default 256 KiB host stack, Chromium's workers), which a test
 * proves, while a caller-raised `maxDepth` of 30 000 used to overflow even Node's. A larger
 * `maxDepth` (or `Infinity`) reads as this ceiling.
 */
export const JSON_DEPTH_CEILING = 512;

export interface JsonLimits {
  /** Largest accepted input, in bytes for byte input and UTF-16 units for strings. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects (the top level is 1). Default 64; at most {@link JSON_DEPTH_CEILING}. */
  readonly maxDepth?: number;
}

export interface JsonReadOptions extends JsonLimits {
  /** `reject` refuses an object with a repeated key (for signed documents). Default `last`, as `JSON.parse`. */
  readonly duplicateKeys?: 'reject' | 'last';
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON value read exactly: integers beyond ±(2^53 − 1) are `bigint`, everything else as `JSON.parse` gives it. */
export type ExactJsonValue = null | boolean | number | bigint | string | ExactJsonValue[] | { [key: string]: ExactJsonValue };

/**
 * A walk over a `JSON.parse` result: throws on excessive depth or a `__proto__` key and returns
 * true if an integer beyond 2^53 may have been rounded. {@link checkJsonTree} is the plain one;
 * a caller that validates the value anyway passes a walk that does both in one pass.
 */
export type JsonWalk = (value: object, maxDepth: number, depth: number) => boolean;

/** An object that is not null and not an array: what a parsed JSON object looks like. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses untrusted JSON: bounded in size and depth, strict UTF-8, and a `__proto__` key (also
 * spelt with `\u` escapes) is refused, so that no later merge can reach an object's prototype
 * through it. Numbers are what `JSON.parse` makes of them; {@link parseExactJson} keeps big
 * integers exact.
 *
 * @example
 * parseJson('{"a":[1,{"b":null}]}') // { a: [1, { b: null }] }
 */
export function parseJson(input: string | Uint8Array, limits?: JsonReadOptions): JsonValue {
  if (limits === undefined) return read(input, 1 << 20, 64, false, false, walkTree) as JsonValue;
  const o = jsonReadOptions(limits);
  return read(input, o.maxBytes, o.maxDepth, o.duplicateKeys === 'reject', false, walkTree) as JsonValue;
}

/**
 * Checks JSON read options (each an `OptionError` when of the wrong type or range) and fills
 * in the defaults; `maxDepth` is clamped to {@link JSON_DEPTH_CEILING}. A caller that reads
 * many documents with the same options checks them once here and passes the result on.
 */
export function jsonReadOptions(options: unknown, defaults: { readonly maxBytes: number; readonly maxDepth: number } = JSON_DEFAULTS): Required<JsonReadOptions> {
  const o = optionsRecord('options', options);
  return {
    maxBytes: numberOption('maxBytes', o.maxBytes, defaults.maxBytes, 0, Infinity),
    maxDepth: Math.min(Math.floor(numberOption('maxDepth', o.maxDepth, defaults.maxDepth, 1, Infinity)), JSON_DEPTH_CEILING),
    duplicateKeys: enumOption('duplicateKeys', o.duplicateKeys, ['reject', 'last'] as const, 'last'),
  };
}
const JSON_DEFAULTS = { maxBytes: 1 << 20, maxDepth: 64 };

/**
 * {@link parseJson} with integers beyond ±(2^53 − 1) as `bigint` (ids and counters stay exact),
 * and an optional walk that replaces {@link checkJsonTree}.
 *
 * The common document takes the fast path: the engine's `JSON.parse`, then one walk over the
 * result that checks depth and keys and looks for integers beyond 2^53. Only a document with
 * such a number (whose digits `JSON.parse` may have rounded) or a duplicate-key policy goes
 * through the exact parser below. Deep nesting cannot exhaust the stack: the size limit bounds
 * the input, V8 parses iteratively, a RangeError from an engine whose `JSON.parse` recurses
 * sends the text to the exact parser, which stops at `maxDepth`, and so does the walk.
 *
 * @example
 * parseExactJson('{"id":"1","n":9007199254740993}') // { id: '1', n: 9007199254740993n }
 */
export function parseExactJson(input: string | Uint8Array, options?: JsonReadOptions, walk: JsonWalk = walkTree): ExactJsonValue {
  if (typeof walk !== 'function') functionOption('walk', walk);
  if (options === undefined) return read(input, 1 << 20, 64, false, true, walk);
  const o = jsonReadOptions(options);
  return read(input, o.maxBytes, o.maxDepth, o.duplicateKeys === 'reject', true, walk);
}

/**
 * {@link parseExactJson} with options already checked by {@link jsonReadOptions}: what a codec
 * that reads every message with the same limits calls, so the check is not on its hot path.
 */
export function parseExactJsonChecked(input: string | Uint8Array, options: Required<JsonReadOptions>, walk: JsonWalk = walkTree): ExactJsonValue {
  return read(input, options.maxBytes, options.maxDepth, options.duplicateKeys === 'reject', true, walk);
}

function read(input: string | Uint8Array, maxBytes: number, maxDepth: number, rejectDuplicates: boolean, exact: boolean, walk: JsonWalk): ExactJsonValue {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new JsonError('invalid_input', `JSON input must be a string or a Uint8Array, got ${describe(input)}`);
  if (input.length > maxBytes) throw new JsonError('too_large', `JSON input of ${input.length} exceeds the limit of ${maxBytes}`);
  const text = typeof input === 'string' ? input : decodeUtf8Strict(input);
  // Engines whose JSON.parse recurses (QuickJS, built to WASM a recursion overflows the host's
  // stack beyond anything the script can catch) only get text short enough that its nesting
  // stays inside what every engine survives; longer text goes to the depth-bounded parser.
  if (rejectDuplicates || (!ITERATIVE_JSON_PARSE && text.length > 2 * ENGINE_SAFE_DEPTH)) return new ExactParser(text, maxDepth, rejectDuplicates, exact).parseDocument();
  let value: ExactJsonValue;
  try {
    value = JSON.parse(text) as ExactJsonValue;
  } catch (e) {
    if (e instanceof SyntaxError) throw new JsonError('syntax', `invalid JSON: ${e.message}`);
    return new ExactParser(text, maxDepth, false, exact).parseDocument();
  }
  if (value !== null && typeof value === 'object' && walk(value, maxDepth, 1) && exact) {
    return new ExactParser(text, maxDepth, false, true).parseDocument();
  }
  return value;
}

/**
 * V8 (Node, Deno, Chromium) and JavaScriptCore (Bun, Safari) parse JSON iteratively, at any
 * depth; both have `Error.captureStackTrace`. Elsewhere (QuickJS, unknown engines) text that
 * could nest deeper than {@link ENGINE_SAFE_DEPTH} is read by the exact parser, which stops at
 * `maxDepth` (QuickJS in quickjs-emscripten survives 5 000 levels of its own JSON.parse and
 * overflows the host stack at 30 000).
 */
const ITERATIVE_JSON_PARSE = typeof (Error as { captureStackTrace?: unknown }).captureStackTrace === 'function';
const ENGINE_SAFE_DEPTH = 2048;

const forbiddenProto = (offset?: number): JsonError => new JsonError('forbidden_key', 'JSON object key "__proto__" is not accepted', offset);

/** Checks depth and keys of a `JSON.parse` result; true if an integer beyond 2^53 may have been rounded. */
export function checkJsonTree(v: object, maxDepth: number, depth: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (typeof maxDepth !== 'number' || !Number.isInteger(depth) || depth < 1) throw new JsonError('invalid_input', `checkJsonTree needs a number for maxDepth and an integer depth from 1, got ${describe(maxDepth)} and ${describe(depth)}`);
  return walkTree(v, maxDepth, depth);
}

function walkTree(v: object, maxDepth: number, depth: number): boolean {
  // Against the ceiling too: a caller passing its own unclamped maxDepth still stops there.
  if (depth > maxDepth || depth > JSON_DEPTH_CEILING) throw new JsonError('too_deep', `JSON nesting exceeds ${Math.min(maxDepth, JSON_DEPTH_CEILING)}`);
  let rounded = false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object') {
        if (x !== null && walkTree(x, maxDepth, depth + 1)) rounded = true;
      } else if (typeof x === 'number' && (x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER)) rounded = true;
    }
    return rounded;
  }
  for (const k in v) {
    // JSON.parse makes "__proto__" an own data property (also when a \u escape spells it),
    // which for-in lists like any other key.
    if (k === '__proto__') throw forbiddenProto();
    const x: unknown = (v as Record<string, unknown>)[k];
    if (typeof x === 'object') {
      if (x !== null && walkTree(x, maxDepth, depth + 1)) rounded = true;
    } else if (typeof x === 'number' && (x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER)) rounded = true;
  }
  return rounded;
}

interface Decoder {
  decode(b: Uint8Array): string;
}
// The platform decoder is several times faster than a JS loop on long input; `ignoreBOM`
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

/** Decodes strict UTF-8 or throws `JsonError('invalid_utf8')` with the offset of the first bad byte. */
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
    const offset = (e as LinkwireError).offset;
    throw new JsonError('invalid_utf8', `input is not valid UTF-8${offset === undefined ? '' : ` at byte ${offset}`}`, offset);
  }
}

// The exact parser follows RFC 8259 and produces what JSON.parse produces, except for big
// integers (bigint when `exact`), duplicate keys (optional error) and `__proto__` keys (error).
class ExactParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
    private readonly rejectDuplicates: boolean,
    private readonly exact: boolean,
  ) {}

  parseDocument(): ExactJsonValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected data after the JSON value');
    return v;
  }

  private fail(what: string): never {
    throw new JsonError('syntax', `invalid JSON at ${this.i}: ${what}`, this.i);
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else return;
    }
  }

  private value(depth: number): ExactJsonValue {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 123 || c === 91) {
      if (depth >= this.maxDepth) throw new JsonError('too_deep', `JSON nesting exceeds ${this.maxDepth}`, this.i);
      return c === 123 ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (s.startsWith('true', this.i)) return (this.i += 4), true;
    if (s.startsWith('false', this.i)) return (this.i += 5), false;
    if (s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.fail(this.i >= s.length ? 'unexpected end' : 'unexpected character');
  }

  private object(depth: number): ExactJsonValue {
    const out: { [key: string]: ExactJsonValue } = {};
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) return this.i++, out;
    for (;;) {
      if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a key');
      const at = this.i;
      const key = this.string();
      if (key === '__proto__') throw forbiddenProto(at);
      if (this.rejectDuplicates && Object.prototype.hasOwnProperty.call(out, key)) {
        throw new JsonError('duplicate_key', `duplicate JSON object key ${JSON.stringify(key)}`, at);
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

  private array(depth: number): ExactJsonValue {
    const out: ExactJsonValue[] = [];
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
    return this.exact && integer && !Number.isSafeInteger(n) ? BigInt(token) : n;
  }
}

const ESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
