import { LinkwireError } from './errors.ts';
import { utf8Decode } from './utf8.ts';

/** Thrown by {@link parseJson}: `too_large`, `too_deep`, `invalid_utf8`, `syntax`, `forbidden_key`. */
export class JsonError extends LinkwireError {}

export interface JsonLimits {
  /** Largest accepted input, in bytes for byte input and UTF-16 units for strings. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects. Default 64. */
  readonly maxDepth?: number;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Parses untrusted JSON: bounded in size and depth (checked in one pass before parsing, so a
 * deeply nested document cannot exhaust the stack), strict UTF-8, and a `__proto__` key is
 * rejected so that no later merge can reach an object's prototype through it.
 */
export function parseJson(input: string | Uint8Array, limits?: JsonLimits): JsonValue {
  const maxBytes = limits?.maxBytes ?? 1 << 20;
  const maxDepth = limits?.maxDepth ?? 64;
  if (input.length > maxBytes) throw new JsonError('too_large', `JSON input of ${input.length} exceeds the limit of ${maxBytes}`);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8Decode(input, { fatal: true });
    } catch (e) {
      throw new JsonError('invalid_utf8', (e as Error).message, (e as LinkwireError).offset);
    }
  }
  scanDepth(text, maxDepth);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new JsonError('syntax', `invalid JSON: ${(e as Error).message}`);
  }
  if (text.includes('"__proto__"') && hasProtoKey(value)) {
    throw new JsonError('forbidden_key', 'JSON object key "__proto__" is not accepted');
  }
  return value;
}

function scanDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) throw new JsonError('too_deep', `JSON nesting exceeds ${maxDepth}`, i);
    } else if (c === 125 || c === 93) depth--;
  }
}

function hasProtoKey(v: JsonValue): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasProtoKey);
  for (const k of Object.keys(v)) {
    if (k === '__proto__' || hasProtoKey(v[k]!)) return true;
  }
  return false;
}
