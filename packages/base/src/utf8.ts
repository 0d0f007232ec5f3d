import { LinkwireError } from './errors.ts';

/** Thrown by {@link utf8Decode} in fatal mode (`invalid_utf8`), and for an argument of the wrong type (`invalid_input`). */
export class Utf8Error extends LinkwireError {}

function wrongInput(what: string, got: unknown): never {
  throw new Utf8Error('invalid_input', `expected ${what}, got ${got === null ? 'null' : typeof got}`);
}

// QuickJS and other embedded engines have no TextEncoder/TextDecoder; the core carries its
// own codec and only borrows the platform's where it exists (it is faster for long strings).
const nativeEncoder: { encode(s: string): Uint8Array } | undefined =
  typeof (globalThis as { TextEncoder?: unknown }).TextEncoder === 'function'
    ? new (globalThis as unknown as { TextEncoder: new () => { encode(s: string): Uint8Array } }).TextEncoder()
    : undefined;

type Decoder = { decode(b: Uint8Array): string };
const DecoderCtor = (globalThis as unknown as { TextDecoder?: new (label: string, o?: { fatal: boolean }) => Decoder }).TextDecoder;
const nativeDecoder: Decoder | undefined = typeof DecoderCtor === 'function' ? new DecoderCtor('utf-8') : undefined;
const nativeFatalDecoder: Decoder | undefined = typeof DecoderCtor === 'function' ? new DecoderCtor('utf-8', { fatal: true }) : undefined;

/** The number of bytes `s` takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  if (typeof s !== 'string') wrongInput('a string', s);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD, as TextEncoder does.
 *
 * @example
 * utf8Encode('é') // Uint8Array [0xc3, 0xa9]
 */
export function utf8Encode(s: string): Uint8Array {
  if (typeof s !== 'string') wrongInput('a string', s);
  // Short strings are the common case (topics, signing content): the JS loop beats the call.
  if (nativeEncoder !== undefined && s.length > 64) return nativeEncoder.encode(s);
  const out = new Uint8Array(utf8Length(s));
  utf8EncodeInto(s, out, 0);
  return out;
}

/** Writes `s` as UTF-8 into `out` at `offset`; returns the offset after the last byte written. */
export function utf8EncodeInto(s: string, out: Uint8Array, offset: number): number {
  if (typeof s !== 'string') wrongInput('a string', s);
  if (!(out instanceof Uint8Array)) wrongInput('a Uint8Array', out);
  if (!Number.isInteger(offset) || offset < 0 || offset > out.length) wrongInput(`an offset from 0 to ${out.length}`, offset);
  let p = offset;
  let i = 0;
  // Signing content, topics and JSON are ASCII: a tight loop until the first other character.
  for (const n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    out[p++] = c;
  }
  for (; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
      continue;
    }
    if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (next & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[p++] = 0xf0 | (c >> 18);
        out[p++] = 0x80 | ((c >> 12) & 0x3f);
        out[p++] = 0x80 | ((c >> 6) & 0x3f);
        out[p++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    out[p++] = 0xe0 | (c >> 12);
    out[p++] = 0x80 | ((c >> 6) & 0x3f);
    out[p++] = 0x80 | (c & 0x3f);
  }
  return p;
}

export interface Utf8DecodeOptions {
  /** Throw {@link Utf8Error} on malformed input instead of substituting U+FFFD. */
  readonly fatal?: boolean;
}

/**
 * Decodes UTF-8 following the WHATWG decoder (maximal-subpart replacement), so the result
 * equals `new TextDecoder().decode(bytes)` in every runtime, including those without one.
 */
export function utf8Decode(bytes: Uint8Array, options?: Utf8DecodeOptions): string {
  if (!(bytes instanceof Uint8Array)) wrongInput('a Uint8Array', bytes);
  if (options !== undefined && (typeof options !== 'object' || options === null)) wrongInput('options as an object', options);
  // Topics, ids and JSON keys are nearly always ASCII: one scan, then one native call.
  if (bytes.length <= 4096) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  } else if (nativeDecoder !== undefined) {
    try {
      return options?.fatal === true ? nativeFatalDecoder!.decode(bytes) : nativeDecoder.decode(bytes);
    } catch {
      // Fall through to our decoder for the typed error and its offset.
    }
  }
  const fatal = options?.fatal === true;
  let out = '';
  let chunk: number[] = [];
  const flush = (): void => {
    out += String.fromCharCode.apply(null, chunk);
    chunk = [];
  };
  const bad = (at: number): void => {
    if (fatal) throw new Utf8Error('invalid_utf8', `invalid UTF-8 at byte ${at}`, at);
    chunk.push(0xfffd);
  };
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      chunk.push(b0);
      i++;
    } else {
      let need: number;
      let cp: number;
      let lower = 0x80;
      let upper = 0xbf;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        cp = b0 & 0x1f;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        cp = b0 & 0x0f;
        if (b0 === 0xe0) lower = 0xa0;
        if (b0 === 0xed) upper = 0x9f;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 === 0xf0) lower = 0x90;
        if (b0 === 0xf4) upper = 0x8f;
      } else {
        bad(i);
        i++;
        continue;
      }
      let j = i + 1;
      let ok = true;
      for (let k = 0; k < need; k++, j++) {
        const b = j < n ? bytes[j]! : -1;
        if (b < lower || b > upper) {
          ok = false;
          break;
        }
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
      }
      if (!ok) {
        bad(i);
        i = j;
        continue;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else chunk.push(cp);
      i = j;
    }
    if (chunk.length >= 8192) flush();
  }
  flush();
  return out;
}
