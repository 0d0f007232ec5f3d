import { checkJsonTree, describe, JsonError, jsonReadOptions, parseExactJsonChecked, utf8Encode, type ExactJsonValue, type JsonReadOptions, type JsonWalk } from '@linkwire/base';
import { AlinkError } from './errors.ts';

/**
 * A decoded JSON value. Integers outside ±(2^53 − 1) decode to `bigint` so that ids and
 * counters stay exact; everything else is what `JSON.parse` gives.
 */
export type AlinkJson = ExactJsonValue;

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

/**
 * Parses an untrusted JSON payload: bounded size and depth, strict UTF-8, no `__proto__` keys
 * (they would become a prototype in any later `Object.assign`), exact big integers, and
 * optionally no duplicate keys. Throws {@link AlinkError} with code `too_large`, `too_deep`,
 * `invalid_utf8`, `invalid_json`, `forbidden_key` or `duplicate_key`. The reader is
 * `@linkwire/base`'s `parseExactJson`, with this package's limits and error codes.
 *
 * @example
 * decodeJson('{"id":"1","params":{"n":9007199254740993}}') // { id: '1', params: { n: 9007199254740993n } }
 */
export function decodeJson(input: Uint8Array | string, options?: JsonDecodeOptions): AlinkJson {
  return decodeJsonWalking(input, options, checkJsonTree);
}

/** {@link decodeJson} with the walk over the fast path's result supplied by the caller (see `JsonWalk`). */
export function decodeJsonWalking(input: Uint8Array | string, options: JsonDecodeOptions | undefined, walk: JsonWalk): AlinkJson {
  // Options are checked (OptionError) and maxDepth clamped to base's JSON_DEPTH_CEILING.
  const limits = options === undefined ? DEFAULTS : jsonReadOptions(options, DEFAULTS);
  try {
    return parseExactJsonChecked(input, limits, walk);
  } catch (e) {
    if (e instanceof JsonError) throw new AlinkError(e.code === 'syntax' ? 'invalid_json' : e.code, e.message, e.offset);
    throw e;
  }
}

const DEFAULTS: Required<JsonReadOptions> = { maxBytes: DEFAULT_MAX_BYTES, maxDepth: DEFAULT_MAX_DEPTH, duplicateKeys: 'last' };

export const forbiddenProto = (): AlinkError => new AlinkError('forbidden_key', 'JSON object key "__proto__" is not accepted');

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
        parts.push(`${describe(k)}:${write(x, depth + 1, `${path}.${k}`)}`);
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

