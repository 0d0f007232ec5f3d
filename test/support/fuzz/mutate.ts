/**
 * The mutation stage of the long run's decoder pass, in the style of AFL's havoc stage and
 * libFuzzer's mutators: fast-check generating hostile structures costs far more than most
 * decoders take to refuse them, so after its generative cases each decoder is called on cheap
 * mutants of a corpus of generated inputs. The corpus is the entry's own arbitrary (valid
 * encodings from the round-trip arbitraries, hostile values and variants) plus its sized valid
 * inputs; a mutant is one to four stacked mutations of one corpus member:
 *
 * - bytes and text: bit flips, interesting bytes/characters, inserted tokens, deleted,
 *   repeated, spliced (from another member) and truncated ranges, interesting integers over a
 *   length field, arithmetic on a byte or a digit run, and for JSON text the structured
 *   mutations below on the parsed document;
 * - structured inputs (arrays, plain and null-prototype objects, down to depth 6): fields
 *   dropped, swapped, replaced by values from the hostile table or spliced from another member,
 *   renamed to `__proto__` / `constructor`, repeated, and nodes nested in arrays or objects;
 * - numbers, bigints and booleans: edges and neighbours.
 *
 * Each case is a pure function of (entry seed, case index): the corpus of chunk
 * `floor(i / CHUNK)` and a PRNG seeded by `i`, so `--mutation-case I` replays case I alone.
 */
import { concatBytes } from '@linkwire/base';
import { hostileValue } from '@linkwire/base/testing';
import fc from 'fast-check';

/** Mutation cases per corpus: each chunk of cases gets a corpus of its own, drawn afresh. */
export const CHUNK = 65_536;
/** Generated members of each corpus (plus the sized valid inputs). */
export const CORPUS_SIZE = 64;
/** Sizes of the valid inputs (DecoderInfo.sized) added to every corpus. */
const SEED_SIZES = [24, 96, 400, 1500];
const MAX_DEPTH = 6;
/** A mutant's text or bytes are cut here: the generative inputs are small, and the cost slope measures large ones. */
const MAX_LENGTH = 64 * 1024;
/** Donors and nodes to copy are kept small, so that a case costs microseconds. */
const MAX_DONOR_LENGTH = 4096;
const MAX_KEYS = 256;

/** mulberry32: a small, fast, seedable PRNG (uint32 per step). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** 0 ≤ n < bound. */
  below(bound: number): number {
    return bound <= 1 ? 0 : this.next() % bound;
  }
  chance(p: number): boolean {
    return this.next() < p * 4294967296;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** The PRNG seed of mutation case `i` of an entry. */
export const caseSeed = (entrySeed: number, i: number): number => Math.imul(entrySeed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b);

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x20, 0x22, 0x30, 0x5b, 0x7b, 0xc0, 0xe0, 0xf0, 0xf8];
const INTERESTING_INTS = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x0fffffff, 0x10, 0x40];
const INTERESTING_CHARS = ['{', '}', '[', ']', '"', ':', ',', '\\', '0', '-', '.', 'e', 'E', '+', ' ', '\n', '\t', '/', '#', '\u0000', '\u001f', '\ud800', '\udc00', '\u2028', '\ufeff', '\uffff', 'é', '中', '😀'];
/** Tokens of the texts the decoders read: JSON edges, Alink and topic words, escapes. */
const TOKENS = [
  'null', 'true', 'false', '-0', '0', '-1', '1e999', '-1e999', '1e-400', '0.5', '9007199254740993', '123456789012345678901234567890', '0x10', 'NaN', 'Infinity',
  '""', '{}', '[]', '{"a":', '[[[[[[[[', ']]]]]]]]', '{"":{"":{"":', '"__proto__"', '"constructor"', '"toString"', '"\\u0000"', '"\\ud800"', '"\\udc00\\ud800"', '\\', '\\u', '\\u12', '\\x41',
  '"id":"1",', '"id":1,', '"version":"1.0",', '"params":{}', '"params":', '"method":"thing.event.property.post"', '"code":200', '"data":', '"value":', '"time":1700000000000', '"state":{"reported":{}}', '"version":-1',
  '/sys/', '/ext/', '/thing/', '/', '+', '#', '%', '%00', '=', '&', '?', '\r\n', '\r\n\r\n', 'Content-Length: 99999\r\n',
];
const HOSTILE_NUMBERS: readonly unknown[] = [0, -0, -1, 1, 0.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 31, 2 ** 32, 65_536, Number.MAX_VALUE, Number.MIN_VALUE, 1e21, 0n, -1n, 2n ** 64n, '1', null, undefined];

type Container = unknown[] | Record<string, unknown>;

function isContainer(v: unknown): v is Container {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function copyOf(c: Container): Container {
  if (Array.isArray(c)) return c.slice();
  // Spread and assign onto a null-prototype object both copy `__proto__` as an own key.
  return Object.getPrototypeOf(c) === null ? Object.assign(Object.create(null) as Record<string, unknown>, c) : { ...c };
}

/** Sets an own data property, `__proto__` included (an assignment would set the prototype). */
function defineKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** One corpus: the members, and the donors (strings, byte arrays and sub-values) splices take from. */
export interface Corpus {
  readonly members: readonly (readonly unknown[])[];
  readonly texts: readonly string[];
  readonly byteArrays: readonly Uint8Array[];
  readonly values: readonly unknown[];
}

export function buildCorpus(args: fc.Arbitrary<readonly unknown[]>, seed: number, sized?: (n: number) => readonly unknown[]): Corpus {
  const members: (readonly unknown[])[] = fc.sample(args, { seed, numRuns: CORPUS_SIZE });
  if (sized) for (const n of SEED_SIZES) members.push(sized(n));
  const texts: string[] = [];
  const byteArrays: Uint8Array[] = [];
  const values: unknown[] = [];
  const seen = new Set<unknown>();
  // Donors down to depth 3 (bounded: hostile values nest 30 000 deep and repeat).
  const collect = (v: unknown, depth: number): void => {
    if (values.length > 600) return;
    if (typeof v === 'string') {
      if (v.length > MAX_DONOR_LENGTH) return;
      texts.push(v);
      values.push(v);
    } else if (v instanceof Uint8Array) {
      if (v.length > MAX_DONOR_LENGTH) return;
      byteArrays.push(v);
      values.push(v);
    } else if (isContainer(v)) {
      if (seen.has(v) || Object.keys(v).length > MAX_KEYS) return;
      seen.add(v);
      values.push(v);
      if (depth >= 3) return;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length && i < 16; i++) collect((v as Record<string, unknown>)[keys[i]!], depth + 1);
    } else values.push(v);
  };
  for (const m of members) for (const a of m) collect(a, 0);
  // The hostile table, whole (a 70 000-byte array and 30 000-deep nests too: as a field's value they cost the decoder a type check).
  values.push(...fc.sample(hostileValue(), { seed: seed ^ 0x2545f491, numRuns: 48 }));
  return { members, texts, byteArrays, values };
}

/** Mutation case `i` of an entry: a corpus member with one to four stacked mutations. */
export function mutant(corpus: Corpus, rng: Rng): unknown[] {
  // The smaller of two members, most of the time (as AFL gives small, fast inputs more
  // energy): a 60 KB nest costs a JSON decoder a hundred times a small document's time, and
  // finds nothing a small one would not.
  let member = rng.pick(corpus.members);
  if (rng.chance(0.75)) {
    const other = rng.pick(corpus.members);
    if (sizeOf(other) < sizeOf(member)) member = other;
  }
  const out = member.slice();
  if (out.length === 0) return out;
  const n = 1 + (rng.chance(0.5) ? 0 : rng.below(4));
  // The data (bytes, text) is mutated more often than the options beside it.
  let total = 0;
  for (const a of out) total += weight(a);
  for (let k = 0; k < n; k++) {
    let r = rng.below(total);
    let i = 0;
    while (i < out.length - 1 && (r -= weight(out[i])) >= 0) i++;
    try {
      out[i] = cut(mutateValue(out[i], corpus, rng, 0));
    } catch {
      // A hostile value can refuse to be read (a getter that throws, a revoked proxy): that member stays.
    }
  }
  return out;
}

/** Bytes of text and byte arrays at the top level of a member. */
function sizeOf(member: readonly unknown[]): number {
  let n = 0;
  for (const a of member) if (typeof a === 'string' || a instanceof Uint8Array) n += a.length;
  return n;
}

function cut(v: unknown): unknown {
  if (typeof v === 'string' && v.length > MAX_LENGTH) return v.slice(0, MAX_LENGTH);
  if (v instanceof Uint8Array && v.length > MAX_LENGTH) return v.subarray(0, MAX_LENGTH);
  return v;
}

function weight(a: unknown): number {
  return typeof a === 'string' || a instanceof Uint8Array ? 6 : isContainer(a) ? 3 : 1;
}

export function mutateValue(v: unknown, c: Corpus, rng: Rng, depth: number): unknown {
  // Sometimes replace outright: with a value from the hostile table or from another member.
  if (rng.chance(0.04)) return rng.pick(c.values);
  if (typeof v === 'string') return mutateText(v, c, rng, depth);
  if (v instanceof Uint8Array) return mutateBytes(v, c, rng);
  if (typeof v === 'number') return mutateNumber(v, rng);
  if (typeof v === 'bigint') return rng.chance(0.5) ? v + BigInt(rng.below(3)) - 1n : rng.pick(HOSTILE_NUMBERS);
  if (typeof v === 'boolean') return rng.chance(0.6) ? !v : rng.pick(HOSTILE_NUMBERS);
  if (isContainer(v)) return mutateNode(v, c, rng, depth);
  return rng.chance(0.5) ? rng.pick(c.values) : v;
}

function mutateNumber(v: number, rng: Rng): unknown {
  switch (rng.below(5)) {
    case 0: return v + 1;
    case 1: return v - 1;
    case 2: return -v;
    case 3: return v * 2 ** (1 + rng.below(32));
    default: return rng.pick(HOSTILE_NUMBERS);
  }
}

function mutateNode(node: Container, c: Corpus, rng: Rng, depth: number): unknown {
  const keys = Object.keys(node);
  if (keys.length > MAX_KEYS) return rng.pick(c.values);
  // Descend to a child (copying this node) or mutate here.
  if (keys.length > 0 && depth < MAX_DEPTH && rng.chance(0.6)) {
    const k = rng.pick(keys);
    const out = copyOf(node) as Record<string, unknown>;
    defineKey(out, k, mutateValue((node as Record<string, unknown>)[k], c, rng, depth + 1));
    return out;
  }
  const out = copyOf(node) as Record<string, unknown>;
  const some = (): string => rng.pick(keys);
  switch (rng.below(9)) {
    case 0: // drop a field or element
      if (keys.length === 0) return rng.pick(c.values);
      if (Array.isArray(out)) out.splice(rng.below(out.length), 1);
      else delete out[some()];
      return out;
    case 1: // a field replaced from the hostile table
      if (keys.length === 0) break;
      defineKey(out, some(), rng.pick(c.values));
      return out;
    case 2: { // two fields swap values
      if (keys.length < 2) break;
      const a = some();
      const b = some();
      const va = out[a];
      defineKey(out, a, out[b]);
      defineKey(out, b, va);
      return out;
    }
    case 3: // a field spliced in from another member
      if (Array.isArray(out)) out.splice(rng.below(out.length + 1), 0, rng.pick(c.values));
      else defineKey(out, keys.length > 0 && rng.chance(0.5) ? some() : rng.pick(['a', 'id', 'params', 'method', 'value', 'data', 'code', 'version', 'state', '']), rng.pick(c.values));
      return out;
    case 4: { // a field renamed to a key that code may not expect
      if (keys.length === 0 || Array.isArray(out)) break;
      const k = some();
      const v = out[k];
      delete out[k];
      defineKey(out, rng.pick(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '', '0', 'length']), v);
      return out;
    }
    case 5: { // nested in arrays or objects, 1 to 64 (sometimes 5 000) levels
      let x: unknown = node;
      const levels = rng.chance(0.1) ? 5_000 : 1 + rng.below(64);
      const asArray = rng.chance(0.5);
      for (let i = 0; i < levels; i++) x = asArray ? [x] : { a: x };
      return x;
    }
    case 6: // an element or field repeated
      if (keys.length === 0) break;
      if (Array.isArray(out)) {
        const v = out[rng.below(out.length)];
        const times = 1 + rng.below(rng.chance(0.1) ? 256 : 16);
        for (let i = 0; i < times; i++) out.push(v);
      } else {
        const v = out[some()];
        const times = 1 + rng.below(16);
        for (let i = 0; i < times; i++) defineKey(out, `k${i}`, v);
      }
      return out;
    case 7: { // the other kind of container, or the other prototype (own keys copied as data: an assignment of `__proto__` would set the prototype)
      if (!Array.isArray(node) && rng.chance(0.5)) return keys.map((k) => (node as Record<string, unknown>)[k]);
      const other = (Array.isArray(node) ? (rng.chance(0.5) ? null : Object.prototype) : Object.getPrototypeOf(node) === null ? Object.prototype : null) as object | null;
      const o = Object.create(other) as Record<string, unknown>;
      for (const k of keys) defineKey(o, k, (node as Record<string, unknown>)[k]);
      return o;
    }
    default:
      return rng.pick(c.values);
  }
  return rng.pick(c.values);
}

function mutateBytes(b: Uint8Array, c: Corpus, rng: Rng): Uint8Array {
  const len = b.length;
  const at = (extra = 0): number => rng.below(len + extra);
  const span = (max: number): number => 1 + rng.below(Math.max(1, Math.min(max, len)));
  switch (rng.below(10)) {
    case 0: { // bit flip
      if (len === 0) break;
      const out = b.slice();
      out[at()]! ^= 1 << rng.below(8);
      return out;
    }
    case 1: { // an interesting or random byte
      if (len === 0) break;
      const out = b.slice();
      out[at()] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.below(256);
      return out;
    }
    case 2: { // arithmetic on a byte
      if (len === 0) break;
      const out = b.slice();
      const i = at();
      out[i] = (out[i]! + rng.below(71) - 35) & 0xff;
      return out;
    }
    case 3: { // an interesting integer over 1, 2 or 4 bytes (length fields), either byte order
      const width = rng.pick([1, 2, 4]);
      if (len < width) break;
      const out = b.slice();
      const v = rng.pick(INTERESTING_INTS);
      const i = rng.below(len - width + 1);
      const big = rng.chance(0.5);
      for (let k = 0; k < width; k++) out[i + k] = (v >>> (8 * (big ? width - 1 - k : k))) & 0xff;
      return out;
    }
    case 4: { // delete a range
      if (len === 0) break;
      const i = at();
      const n = Math.min(span(16), len - i);
      return concatBytes(b.subarray(0, i), b.subarray(i + n));
    }
    case 5: { // insert random bytes
      const i = at(1);
      const ins = new Uint8Array(1 + rng.below(8));
      for (let k = 0; k < ins.length; k++) ins[k] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.below(256);
      return concatBytes(b.subarray(0, i), ins, b.subarray(i));
    }
    case 6: { // repeat a range
      if (len === 0) break;
      const i = at();
      const part = b.subarray(i, i + Math.min(span(64), len - i));
      const times = 1 + rng.below(rng.chance(0.1) ? 512 : 8);
      return concatBytes(b.subarray(0, i), ...Array.from({ length: times + 1 }, () => part), b.subarray(i + part.length));
    }
    case 7: { // splice: this input's head, another member's tail (or a piece of it inserted)
      const donor = c.byteArrays.length > 0 ? rng.pick(c.byteArrays) : b;
      const d = rng.below(donor.length + 1);
      return rng.chance(0.5) ? concatBytes(b.subarray(0, at(1)), donor.subarray(d)) : concatBytes(b.subarray(0, at(1)), donor.subarray(d, d + 1 + rng.below(32)), b.subarray(at(1)));
    }
    case 8: // truncate
      return b.slice(0, at());
    default: // as text: a token where a byte was (UTF-8 of ASCII tokens is their bytes)
      return concatBytes(b.subarray(0, at(1)), asciiBytes(rng.pick(TOKENS)), b.subarray(at(1)));
  }
  return concatBytes(b, asciiBytes(rng.pick(TOKENS)));
}

function mutateText(s: string, c: Corpus, rng: Rng, depth: number): unknown {
  const len = s.length;
  const at = (extra = 0): number => rng.below(len + extra);
  const span = (max: number): number => 1 + rng.below(Math.max(1, Math.min(max, len)));
  switch (rng.below(11)) {
    case 0: { // an interesting character
      if (len === 0) break;
      const i = at();
      return s.slice(0, i) + rng.pick(INTERESTING_CHARS) + s.slice(i + 1);
    }
    case 1: { // a random code unit
      if (len === 0) break;
      const i = at();
      return s.slice(0, i) + String.fromCharCode(rng.chance(0.7) ? 32 + rng.below(95) : rng.below(65_536)) + s.slice(i + 1);
    }
    case 2: { // delete a range
      if (len === 0) break;
      const i = at();
      return s.slice(0, i) + s.slice(i + span(16));
    }
    case 3: { // insert a token
      const i = at(1);
      return s.slice(0, i) + rng.pick(TOKENS) + s.slice(i);
    }
    case 4: { // repeat a range
      if (len === 0) break;
      const i = at();
      const part = s.slice(i, i + span(64));
      return s.slice(0, i) + part.repeat(2 + rng.below(rng.chance(0.1) ? 512 : 8)) + s.slice(i + part.length);
    }
    case 5: { // splice with another member's text
      const donor = c.texts.length > 0 ? rng.pick(c.texts) : s;
      const d = rng.below(donor.length + 1);
      return rng.chance(0.5) ? s.slice(0, at(1)) + donor.slice(d) : s.slice(0, at(1)) + donor.slice(d, d + 1 + rng.below(32)) + s.slice(at(1));
    }
    case 6: // truncate
      return s.slice(0, at());
    case 7: { // a digit run made an edge number
      let i = at();
      let tries = 0;
      while (tries++ < 64 && i < len && !isDigit(s.charCodeAt(i))) i++;
      if (i >= len || !isDigit(s.charCodeAt(i))) break;
      let j = i;
      while (j < len && (isDigit(s.charCodeAt(j)) || s[j] === '.')) j++;
      while (i > 0 && (isDigit(s.charCodeAt(i - 1)) || s[i - 1] === '-' || s[i - 1] === '.')) i--;
      return s.slice(0, i) + rng.pick(['0', '-0', '-1', '1e999', '9007199254740993', '123456789012345678901234567890', '0.1e-400', '4294967296', '65536', '2147483648', '00', '1.', '-']) + s.slice(j);
    }
    case 8: { // JSON text: mutate the parsed document, print it again
      if (len === 0 || len > 2048 || depth > 0 || (s[0] !== '{' && s[0] !== '[')) break;
      let doc: unknown;
      try {
        doc = JSON.parse(s);
      } catch {
        break;
      }
      const m = mutateValue(doc, c, rng, 1);
      try {
        // A bigint prints as its digits; a typed array (which prints as an object with a key per byte) as its first bytes.
        const text = JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : ArrayBuffer.isView(v) ? Array.from(new Uint8Array(v.buffer, v.byteOffset, Math.min(16, v.byteLength))) : v));
        if (typeof text === 'string') return text;
      } catch {
        // a cycle or a nest too deep to print: fall through to a text mutation
      }
      break;
    }
    case 9: { // a range repeated in place of another (a field written twice)
      if (len < 2) break;
      const i = at();
      const part = s.slice(i, i + span(32));
      const j = at();
      return s.slice(0, j) + part + s.slice(j + span(8));
    }
    default: { // swap two ranges
      if (len < 2) break;
      const i = at();
      const j = at();
      const [a, b] = i < j ? [i, j] : [j, i];
      const n = Math.min(1 + rng.below(16), b - a);
      return s.slice(0, a) + s.slice(b, b + n) + s.slice(a + n, b) + s.slice(a, a + n) + s.slice(b + n);
    }
  }
  return s + rng.pick(TOKENS);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
