/**
 * fast-check arbitraries for Alink topics and messages, valid and malformed, so other SDKs can
 * property-test their own implementations against linkwire. fast-check is an optional peer
 * dependency of this subpath only.
 * @module
 */
import fc from 'fast-check';
import { TOPICS, type TopicName } from './catalogue.ts';
import type { AlinkReply, AlinkRequest } from './envelope.ts';
import type { AlinkJson } from './json.ts';
import { segmentProblem } from './topics.ts';

const SAFE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:@';

/** Identifiers that are valid topic segments: mostly device-name-like, sometimes any well-formed Unicode. */
export function topicSegment(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...SAFE), minLength: 1, maxLength: 32 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => segmentProblem(s) === undefined) },
  );
}

/** Strings that must never become a topic segment: empty, or holding `/`, `+`, `#`, NUL or another control character. */
export function forbiddenSegment(): fc.Arbitrary<string> {
  const bad = fc.constantFrom('/', '+', '#', '\u0000', '\n', '\u001f', '\u007f', '\ud800');
  return fc.oneof(
    fc.constant(''),
    fc.tuple(fc.string({ maxLength: 8 }), bad, fc.string({ maxLength: 8 })).map(([a, b, c]) => a + b + c),
  );
}

const paramNames = (name: TopicName): string[] => [...TOPICS[name].template.matchAll(/\{(\w+)\*?\}/g)].map((m) => m[1]!);

/** Valid identifiers for a catalogue topic (an `eventId` is never "property", a `serviceId` never ends in `_reply`). */
export function topicIds(name: TopicName): fc.Arbitrary<Record<string, string>> {
  const names = paramNames(name);
  const rest = /\{(\w+)\*\}/.exec(TOPICS[name].template)?.[1];
  const entries = names.map((n) => {
    if (n === rest) return fc.array(topicSegment(), { minLength: 1, maxLength: 4 }).map((a) => a.join('/'));
    if (n === 'eventId') return topicSegment().filter((s) => s !== 'property');
    if (n === 'serviceId') return topicSegment().filter((s) => !s.endsWith('_reply'));
    return topicSegment();
  });
  return fc.tuple(...entries).map((vals) => Object.fromEntries(names.map((n, i) => [n, vals[i]!])));
}

/** A catalogue topic name with valid identifiers. */
export function catalogueTopic(): fc.Arbitrary<{ name: TopicName; ids: Record<string, string> }> {
  const names = Object.keys(TOPICS) as TopicName[];
  return fc.constantFrom(...names).chain((name) => topicIds(name).map((ids) => ({ name, ids })));
}

const level = fc.constantFrom('', 'a', 'b', 'sys', '$SYS', '$x', 'thing', 'a b', 'é');

/** MQTT topic names over a small alphabet (empty levels and `$` topics included) so that filters match often. */
export function mqttTopicName(): fc.Arbitrary<string> {
  return fc.array(level, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/')).filter((t) => t.length > 0);
}

/** Valid MQTT topic filters over the same alphabet: `+` anywhere as a whole level, `#` only last. */
export function mqttTopicFilter(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 0, maxLength: 5 }), fc.boolean())
    .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
    .filter((f) => f.length > 0);
}

/**
 * Makes a JSON value decode to itself: integers beyond 2^53 (which decode to bigint) become
 * fractions, `__proto__` keys (which decoders refuse) are renamed, -0 becomes 0.
 */
function canonical(v: unknown): AlinkJson {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : Number.isInteger(v) && !Number.isSafeInteger(v) ? (v % 1e6) + 0.5 : v;
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: { [key: string]: AlinkJson } = {};
    for (const [k, x] of Object.entries(v)) out[k === '__proto__' ? '_proto_' : k] = canonical(x);
    return out;
  }
  return v as AlinkJson;
}

/** Any JSON value within the decoders' default limits that decodes to itself. */
export function jsonValue(): fc.Arbitrary<AlinkJson> {
  return fc.jsonValue({ maxDepth: 4 }).map(canonical);
}

/** Property params in both forms: plain values and `{value, time}`. */
export function propertyParams(): fc.Arbitrary<Record<string, AlinkJson>> {
  const id = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/).filter((s) => s !== '__proto__');
  const plain = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map(canonical), fc.string(), fc.boolean(), fc.dictionary(id, fc.integer(), { maxKeys: 3 }));
  const timed = fc.record({ value: plain, time: fc.integer({ min: 0, max: 2 ** 45 }) });
  return fc.dictionary(id, fc.oneof(plain, timed), { maxKeys: 20 }) as fc.Arbitrary<Record<string, AlinkJson>>;
}

/** Message ids as peers send them: decimal strings, sometimes numbers. */
export function messageId(): fc.Arbitrary<{ id: string; numericId?: boolean }> {
  return fc.oneof(
    fc.integer({ min: 0, max: 4294967295 }).map((n) => ({ id: String(n) })),
    fc.integer({ min: 0, max: 2 ** 53 - 1 }).map((n) => ({ id: String(n), numericId: true })),
    fc.string({ minLength: 1, maxLength: 64 }).map((id) => ({ id })),
  );
}

/** Request envelopes with any params. */
export function alinkRequest(): fc.Arbitrary<AlinkRequest> {
  return fc
    .record({ mid: messageId(), version: fc.option(fc.constantFrom('1.0', '1.1', '1.0.0'), { nil: undefined }), method: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), params: fc.option(jsonValue(), { nil: undefined }) })
    .map(({ mid, version, method, params }) => {
      const r: { -readonly [K in keyof AlinkRequest]: AlinkRequest[K] } = { ...mid };
      if (version !== undefined) r.version = version;
      if (method !== undefined) r.method = method;
      if (params !== undefined) r.params = params;
      return r;
    });
}

/** Reply envelopes. */
export function alinkReply(): fc.Arbitrary<AlinkReply<AlinkJson>> {
  return fc.record({ mid: messageId(), code: fc.oneof(fc.constantFrom(200, 400, 460, 429, 6100, 1260), fc.integer({ min: 100000, max: 110000 })), data: jsonValue(), message: fc.option(fc.string(), { nil: undefined }) })
    .map(({ mid, code, data, message }) => (message === undefined ? { ...mid, code, data } : { ...mid, code, data, message }));
}

/**
 * Payloads a decoder must refuse (or survive) without throwing anything but its typed error:
 * random bytes, cut JSON, deep nesting, prototype-pollution attempts, duplicate keys, big numbers,
 * invalid UTF-8 and oversized documents.
 */
export function hostilePayload(): fc.Arbitrary<Uint8Array> {
  const enc = (s: string): Uint8Array => {
    const out: number[] = [];
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return Uint8Array.from(out);
  };
  const valid = '{"id":"1","version":"1.0","params":{"a":1,"b":{"value":2,"time":3}},"method":"thing.event.property.post"}';
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.nat({ max: valid.length }).map((n) => enc(valid.slice(0, n))),
    fc.nat({ max: 400 }).map((n) => enc(`${'['.repeat(n)}${']'.repeat(n)}`)),
    fc.constantFrom(
      '{"id":"1","params":{"__proto__":{"polluted":true}}}',
      '{"id":"1","params":{"\\u005f_proto__":{"polluted":true}}}',
      '{"id":"1","params":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"id":"1","id":"2","params":{}}',
      '{"id":12345678901234567890,"params":{"n":-9007199254740993}}',
      '\ufeff{"id":"1"}',
      '{"id":"1","params":"\ud800"}',
    ).map(enc),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Uint8Array.from([...enc('{"id":"'), ...b.map((x) => x | 0x80), ...enc('"}')])),
    fc.jsonValue().map((v) => enc(JSON.stringify(v))),
  );
}
