/**
 * fast-check arbitraries for the base encodings, for property tests of code built on linkwire.
 * @module
 */
import fc from 'fast-check';
import { encodeCbor, type CborValue } from './cbor.ts';

/** Any JS string, including lone surrogates. */
export const anyString = (): fc.Arbitrary<string> => fc.string({ unit: 'binary' });
/** Byte arrays up to `maxLength`. */
export const bytes = (maxLength = 256): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
/** Strings that are not valid base64 for {@link fromBase64}. */
export const malformedBase64 = (): fc.Arbitrary<string> =>
  fc.string({ maxLength: 16 }).filter((s) => !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s));

const U64 = 2n ** 64n;

/**
 * CBOR values that {@link encodeCbor} writes and {@link decodeCbor} reads back as themselves:
 * well-formed text, any double (NaN, ±Infinity, −0 included), integers beyond 2^53 as bigint
 * within the 64-bit heads, byte strings, and arrays and maps (never with a `__proto__` key).
 */
export function cborValue(maxDepth = 4): fc.Arbitrary<CborValue> {
  const big = fc.oneof(fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: U64 - 1n }), fc.bigInt({ min: -U64, max: -BigInt(Number.MAX_SAFE_INTEGER) - 1n }));
  const leaf: fc.Arbitrary<CborValue> = fc.oneof(
    fc.constant(null), fc.boolean(), fc.integer(), fc.maxSafeInteger(), fc.double(), big,
    fc.string({ unit: 'grapheme', maxLength: 24 }), fc.uint8Array({ maxLength: 24 }),
  );
  const key = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => k !== '__proto__');
  const { value } = fc.letrec<{ value: CborValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 6 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    ),
  }));
  return value;
}

/**
 * Inputs a CBOR decoder must refuse with its typed error or read without harm: random bytes,
 * cut and mutated encodings, deep nesting, declared lengths far beyond the input, tags,
 * indefinite lengths, `__proto__` keys and broken UTF-8.
 */
export function hostileCbor(): fc.Arbitrary<Uint8Array> {
  const cut = fc.tuple(cborValue(3), fc.nat()).map(([v, n]) => {
    const b = encodeCbor(v);
    return b.subarray(0, n % (b.length + 1));
  });
  const flipped = fc.tuple(cborValue(3), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([v, at, x]) => {
    const b = encodeCbor(v);
    b[at % b.length] = x;
    return b;
  });
  const deep = fc.tuple(fc.nat({ max: 300 }), fc.constantFrom(0x81, 0x9f, 0xa1)).map(([n, h]) => {
    // a1 needs a key before each nested map: "a" (61 61).
    const unit = h === 0xa1 ? [0xa1, 0x61, 0x61] : [h];
    return Uint8Array.from([...Array.from({ length: n }, () => unit).flat(), 0x00]);
  });
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    cut,
    flipped,
    deep,
    fc.constantFrom(
      [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xbb, 0, 0, 0, 1, 0, 0, 0, 0], [0x5a, 0xff, 0xff, 0xff, 0xff, 0x00],
      [0xd9, 0xdf, 0xff, 0x80], [0xc2, 0x41, 0x01], [0x5f, 0x41, 0x01, 0x61, 0x61, 0xff], [0x7f, 0x61, 0xc3, 0x61, 0xa9, 0xff], [0x9f, 0x01],
      [0xbf, 0x61, 0x61, 0xff], [0xa1, 0x69, 0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f, 0xa1, 0x61, 0x78, 0xf5], [0x62, 0xc3, 0x28],
      [0xf7], [0xf8, 0xff], [0x1c], [0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], [0xa1, 0x01, 0x02], [0xff],
    ).map((b) => Uint8Array.from(b)),
  );
}

/** An array nested `depth` deep (`[[[…]]]`), built without recursion. */
export function deepArray(depth: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** An object nested `depth` deep under `key` (`{a:{a:…}}`), built without recursion. */
export function deepObject(depth: number, key = 'a'): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { [key]: v };
  return v;
}

/**
 * JSON text nested `depth` deep: 30 000 levels is 60 KB, under every default size limit, and
 * deeper than any stack a recursive walk could use.
 */
export function deepJsonText(depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + close.repeat(depth);
}

/**
 * Values that code after a decoder, or an options argument from plain JavaScript, may meet
 * although no type allows them: 0, −1, −0, NaN, ±Infinity, 2^53 and fractions; small and huge
 * bigints; `null`, `undefined`; null-prototype objects and `{ toString: 0 }` (both break
 * `String()`); symbols and functions; empty, long and control-character strings and lone
 * surrogates; arrays, typed arrays; and arrays and objects nested 30 000 deep (a recursive walk
 * overflows the stack on them). Each draw is a fresh value, so a callee that mutates its input
 * never spoils the next case.
 *
 * @example
 * fc.assert(fc.property(hostileValue(), (v) => { try { myDecoder(v); } catch (e) { if (!(e instanceof MyError)) throw e; } }));
 */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileScalar() },
    { weight: 2, arbitrary: hostileObject() },
    { weight: 1, arbitrary: fc.constantFrom(40, 30_000).chain((n) => fc.constantFrom<() => unknown>(() => deepArray(n), () => deepObject(n)).map((make) => make())) },
    { weight: 1, arbitrary: fc.array(hostileScalar(), { maxLength: 4 }) },
  );
}

/** The scalar part of {@link hostileValue}: numbers at every edge, bigints, strings, symbols, functions, null and undefined. */
export function hostileScalar(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(
      0, -0, -1, 1, 0.5, -0.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 31, 2 ** 32, 65_536, Number.MAX_VALUE, Number.MIN_VALUE,
      0n, 1n, -1n, 2n ** 64n, 123456789012345678901234567890n,
      null, undefined, true, false,
      '', ' ', '0', '-1', 'NaN', 'null', 'true', '__proto__', 'constructor', 'a/b', '+', '#', '\u0000', '\ud800', 'x'.repeat(10_000),
    ),
    fc.constantFrom<() => unknown>(() => Symbol('hostile'), () => () => undefined).map((make) => make()),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 12 }),
  );
}

/** Objects whose shape code may not expect: null-prototype, `{ toString: 0 }`, `{ valueOf: 0 }`, `__proto__` as an own key, typed arrays, dates, maps. */
export function hostileObject(): fc.Arbitrary<unknown> {
  return fc.constantFrom<() => unknown>(
    () => Object.create(null) as object,
    () => Object.assign(Object.create(null) as object, { a: 1, method: 'x', id: '1' }),
    () => ({ toString: 0 }),
    () => ({ toString: 0, valueOf: 0 }),
    () => ({ valueOf: () => 1n, toString: () => ({}) }),
    () => JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    () => ({ length: -1 }),
    () => ({ length: 2 ** 32 }),
    () => [],
    () => [[]],
    () => ({}),
    () => new Uint8Array(0),
    () => new Uint8Array(70_000),
    () => new Uint16Array(3),
    () => new ArrayBuffer(4),
    () => new Date(NaN),
    () => new Map([['a', 1]]),
    () => Object.freeze({ a: Object.freeze([1]) }),
  ).map((make) => make());
}

/**
 * `example` with up to `maxChanges` of its fields (at any depth, arrays included) replaced by a
 * {@link hostileValue}, or dropped, or the whole value replaced: what a fuzzer throws at a
 * function whose valid input or options have a known shape.
 *
 * @example
 * hostileVariant({ maxSessions: 10, sessionTtlMs: 60_000 }) // { maxSessions: -0, sessionTtlMs: 60000 }, { maxSessions: 10, sessionTtlMs: 1n }, …
 */
export function hostileVariant<T>(example: T, maxChanges = 2): fc.Arbitrary<unknown> {
  const paths = pathsOf(example);
  const change = fc.tuple(fc.constantFrom(...paths), fc.oneof({ weight: 6, arbitrary: hostileValue() }, { weight: 1, arbitrary: fc.constant(DROP) }));
  return fc.oneof(
    { weight: 1, arbitrary: hostileValue() },
    { weight: 1, arbitrary: fc.constant(null).map(() => clone(example)) },
    { weight: 8, arbitrary: fc.array(change, { minLength: 1, maxLength: maxChanges }).map((changes) => {
      let out = clone(example) as unknown;
      for (const [path, value] of changes) out = setPath(out, path, value);
      return out;
    }) },
  );
}

const DROP = Symbol('drop');
type Path = readonly (string | number)[];

function pathsOf(v: unknown): Path[] {
  const out: Path[] = [[]];
  const walk = (x: unknown, path: Path): void => {
    if (path.length > 6 || typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return;
    for (const k of Object.keys(x)) {
      const p = [...path, Array.isArray(x) ? Number(k) : k];
      out.push(p);
      walk((x as Record<string, unknown>)[k], p);
    }
  };
  walk(v, []);
  return out;
}

function clone(v: unknown): unknown {
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return v.map(clone);
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = clone((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

function setPath(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value === DROP ? undefined : value;
  let x = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof x !== 'object' || x === null) return root;
    x = (x as Record<string | number, unknown>)[path[i]!];
  }
  // Only plain objects and arrays are changed (an earlier change may have put a typed array,
  // a frozen object or a Map where the example had an object).
  if (typeof x !== 'object' || x === null || Object.isFrozen(x) || ArrayBuffer.isView(x) || !(Array.isArray(x) || Object.getPrototypeOf(x) === Object.prototype)) return root;
  const last = path[path.length - 1]!;
  // An earlier change may have put an array where the example had an object whose key is not
  // an index (a TSL text type's `specs.length`): setting `length` on it throws RangeError.
  if (Array.isArray(x) && typeof last !== 'number') return root;
  if (value === DROP) delete (x as Record<string | number, unknown>)[last];
  else (x as Record<string | number, unknown>)[last] = value;
  return root;
}

/**
 * JSON text a reader must refuse with its typed error or read without harm: nesting 30 000
 * deep (60 KB), integers of 20 and more digits, `__proto__` keys in both spellings, duplicate
 * keys, lone surrogates, and cut or flipped documents.
 */
export function hostileJsonText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(30_000, 600, 513, 512, 65).chain((n) => fc.constantFrom(deepJsonText(n), `${'{"a":'.repeat(n - 1)}{}${'}'.repeat(n - 1)}`, '['.repeat(n))),
    fc.constantFrom(
      '12345678901234567890', '-12345678901234567890', '{"id":"1","n":123456789012345678901}', '{"__proto__":{"x":1}}', '{"\\u005f_proto__":1}',
      '{"a":1,"a":2}', '"\\ud800"', '1e400', '-0', 'null', '[]', '{}', '', ' ', '{"id":1e21}', '{"version":"1.0","params":{},"method":123n}',
      '{"id":"1","version":"1.0","params":12345678901234567890,"method":"thing.event.property.post"}',
    ),
    fc.json(),
    fc.string({ maxLength: 32 }),
  );
}
