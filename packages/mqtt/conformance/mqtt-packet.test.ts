// mqtt-packet's own test table (test.js of the version in mqtt-packet-cases.json), replayed
// against @linkwire/mqtt: every MQTT 3.1 / 3.1.1 case fed whole, one byte at a time and at
// random split points, with the same result each way. Cases that do not apply say why, with
// the clause. Refresh the data with `node packages/mqtt/conformance/extract.mjs`.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { utf8Encode, utf8Decode } from '@linkwire/base';
import { MqttDecodeError, MqttError, createPacketParser, decodePacket, encodePacket, type MqttPacket } from '@linkwire/mqtt';
import { seededRandom } from '@linkwire/base';

type Data = null | boolean | number | string | Data[] | { [k: string]: Data };
interface PeerCase {
  readonly kind: 'parseGenerate' | 'generateOnly' | 'parseOnly' | 'parseError' | 'generateError' | 'parseGenerateDefaults' | 'parseAndGenerate' | 'writeToStreamError' | 'tape';
  readonly line: number;
  readonly name: string;
  readonly object?: Data;
  readonly generated?: Data;
  readonly buffer?: Data;
  readonly opts?: { readonly protocolVersion?: number };
}
const data = JSON.parse(readFileSync(new URL('./mqtt-packet-cases.json', import.meta.url), 'utf8')) as {
  source: { package: string; version: string; license: string; sha256: string };
  cases: PeerCase[];
};

/** Buffers were recorded as {"$hex"} (and a long uniform tail as {"$fill", "length"}). */
function revive(v: Data | undefined): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === 'object') {
    if (typeof v['$hex'] === 'string') {
      const head = Buffer.from(v['$hex'], 'hex');
      if (typeof v['$fill'] !== 'number') return new Uint8Array(head);
      const out = new Uint8Array(v['length'] as number).fill(v['$fill']);
      out.set(head);
      return out;
    }
    if (typeof v['$number'] === 'string') return Number(v['$number']);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

/** Why a peer case does not apply, or undefined when it does. */
export function notApplicable(c: PeerCase): string | undefined {
  const o = revive(c.object) as Record<string, unknown> | undefined;
  const text = JSON.stringify(c.object ?? null) + JSON.stringify(c.generated ?? null);
  if (c.opts?.protocolVersion === 5 || /"protocolVersion":5\b/.test(text) || /"properties"/.test(text) || o?.['cmd'] === 'auth') {
    return 'MQTT 5.0: linkwire speaks MQTT 3.1.1 (OASIS 2014) and 3.1 only (packages/mqtt/README.md)';
  }
  if (o?.['bridgeMode'] === true || (c.buffer && /^10.{2,8}(4d5149736470|4d515454)(83|84)/.test((c.buffer as { $hex: string }).$hex))) {
    return 'bridge-mode protocol levels 0x83/0x84 are a broker extension, not MQTT 3.1.1 §3.1.2.2 (level 4) or 3.1 (level 3): refused as unsupported_protocol';
  }
  if (c.kind === 'writeToStreamError') return 'mqtt-packet writeToStream API (a Node stream writer); linkwire encodes to bytes, the same inputs are refused by encodePacket';
  if (c.kind === 'tape') return TAPE_REASONS[c.name] ?? 'a code-level test of mqtt-packet internals';
  return undefined;
}

const TAPE_REASONS: Record<string, string> = {
  'cacheNumbers get/set/unset': 'mqtt-packet generator internals (number cache)',
  'disabled numbers cache': 'mqtt-packet generator internals (number cache)',
  'publish all strings generate': 'mqtt-packet API shape (topic and payload given as strings); the bytes are the "maximal publish" vector, covered',
  'splitted publish parse': 'mqtt-packet stream API; splits are covered by feeding every case byte by byte and at random splits',
  'split publish longer': 'mqtt-packet stream API; splits are covered by feeding every case byte by byte and at random splits',
  'split length parse': 'mqtt-packet stream API; splits are covered by feeding every case byte by byte and at random splits',
  'support cork': 'mqtt-packet writeToStream cork API',
  'Cannot parse property code type': 'MQTT 5.0 properties',
  'userProperties null prototype': 'MQTT 5.0 user properties',
  'undefined properties': 'MQTT 5.0 properties',
  'stops parsing after first error': 'mqtt-packet resumes parsing after an error; [MQTT-4.8.0-1] closes the connection instead. The packets before the error are delivered: test/stream.test.ts',
};

const bytes = (v: unknown): unknown => (typeof v === 'string' ? utf8Encode(v) : v);
const text = (v: unknown): unknown => (v instanceof Uint8Array ? utf8Decode(v) : v);

/**
 * mqtt-packet's object shape → linkwire's packet value. A thin rename that keeps invalid
 * fields as they are (so the encoder sees them); strings where linkwire takes bytes (payloads,
 * passwords) become UTF-8 and bytes where it takes strings become text, as mqtt-packet does.
 */
export function fromPeer(o: Record<string, unknown>): unknown {
  switch (o['cmd']) {
    case 'connect': {
      const id = o['protocolId'];
      const v = o['protocolVersion'];
      // linkwire derives the protocol name from the level: a mismatched pair is an invalid level.
      const level = id === undefined && v === undefined ? undefined : (id ?? 'MQTT') === 'MQTT' && (v ?? 4) === 4 ? 4 : id === 'MQIsdp' && v === 3 ? 3 : `${String(id)}/${String(v)}`;
      const w = o['will'];
      const will = w === undefined ? undefined : w !== null && typeof w === 'object'
        ? { topic: text((w as Record<string, unknown>)['topic']), payload: bytes((w as Record<string, unknown>)['payload']), qos: (w as Record<string, unknown>)['qos'] ?? 0, retain: (w as Record<string, unknown>)['retain'] ?? false }
        : w;
      return {
        // mqtt-packet's object defaults (writeToStream.js): clean true, keepalive 0.
        type: 'connect', protocolLevel: level, clientId: text(o['clientId']), cleanSession: o['clean'] ?? true, keepalive: o['keepalive'] ?? 0,
        username: text(o['username']), password: bytes(o['password']), will,
      };
    }
    case 'connack':
      return { type: 'connack', sessionPresent: o['sessionPresent'] ?? false, returnCode: o['returnCode'] };
    case 'publish':
      return { type: 'publish', topic: text(o['topic']), payload: bytes(o['payload'] ?? new Uint8Array()), qos: o['qos'] ?? 0, retain: o['retain'] ?? false, dup: o['dup'] ?? false, messageId: o['messageId'] };
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': case 'unsuback':
      return { type: o['cmd'], messageId: o['messageId'] };
    case 'subscribe': {
      const s = o['subscriptions'];
      return { type: 'subscribe', messageId: o['messageId'], subscriptions: Array.isArray(s) ? s.map((x: Record<string, unknown>) => ({ topic: x['topic'], qos: x['qos'] })) : s };
    }
    case 'suback':
      return { type: 'suback', messageId: o['messageId'], granted: o['granted'] };
    case 'unsubscribe':
      return { type: 'unsubscribe', messageId: o['messageId'], topics: o['unsubscriptions'] };
    default:
      return { type: o['cmd'] };
  }
}

/**
 * Structural equality where a missing field equals an undefined one, and bytes compare with
 * memcmp (the largest case carries a 256 MiB payload).
 */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
  }
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}
/** A readable form for failure messages, bytes as hex (long ones shortened). */
const show = (v: unknown): string => JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? (x.length <= 64 ? Buffer.from(x).toString('hex') : `${x.length} bytes`) : x));
function expectSame(got: unknown, want: unknown): void {
  if (!same(got, want)) expect(show(got)).toBe(show(want));
}

interface Outcome { packets: unknown[]; error?: string }
function feed(buf: Uint8Array, cuts: readonly number[]): Outcome {
  const parser = createPacketParser({ maxPacketSize: 1 << 29 });
  const packets: MqttPacket[] = [];
  let prev = 0;
  try {
    for (const c of [...cuts, buf.length]) {
      packets.push(...parser.push(buf.subarray(prev, c)));
      prev = c;
    }
  } catch (e) {
    expect(e).toBeInstanceOf(MqttDecodeError);
    packets.push(...(e as MqttDecodeError).packets);
    return { packets, error: (e as MqttDecodeError).code };
  }
  return { packets, ...(parser.buffered > 0 ? { error: `incomplete: ${parser.buffered} bytes held` } : {}) };
}

/** The same bytes whole, one byte at a time (up to 64 KiB) and at seeded random splits (three; one above 1 MiB). */
function everySplit(buf: Uint8Array, seed: number): Outcome {
  const whole = feed(buf, []);
  if (buf.length <= 1 << 16) expectSame(feed(buf, Array.from({ length: buf.length }, (_, i) => i)), whole);
  const random = seededRandom(seed);
  const r32 = (): number => {
    const b = random(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  };
  for (let r = 0; r < (buf.length > 1 << 20 ? 1 : 3); r++) {
    const cuts = [...new Set(Array.from({ length: 1 + (r32() % 8) }, () => r32() % (buf.length + 1)))].sort((a, b) => a - b);
    expectSame(feed(buf, cuts), whole);
  }
  return whole;
}

const inScope = data.cases.filter((c) => notApplicable(c) === undefined);

describe(`mqtt-packet ${data.source.version} test.js (${data.source.license}): ${data.cases.length} cases, ${inScope.length} in scope`, () => {
  for (const c of data.cases) {
    const why = notApplicable(c);
    const title = `${c.kind} line ${c.line}: ${c.name}`;
    if (why !== undefined) {
      it(`${title} — not applicable: ${why}`, () => expect(why.length).toBeGreaterThan(0));
      continue;
    }
    it(title, () => {
      const object = revive(c.object) as Record<string, unknown>;
      const buf = revive(c.buffer) as Uint8Array | undefined;
      switch (c.kind) {
        case 'parseGenerate':
        case 'parseAndGenerate':
        case 'parseOnly':
        case 'parseGenerateDefaults': {
          const expected = fromPeer((c.kind === 'parseGenerateDefaults' ? revive(c.generated) : object) as Record<string, unknown>);
          expectSame(everySplit(buf!, c.line), { packets: [expected] });
          expectSame(decodePacket(buf!), expected);
          if (c.kind !== 'parseOnly') {
            const generated = encodePacket(fromPeer(object) as MqttPacket);
            expectSame(generated, buf);
            // The mirror test: what we generate parses back to the same value.
            expectSame(decodePacket(generated), expected);
          }
          break;
        }
        case 'generateOnly':
          expect(Buffer.from(encodePacket(fromPeer(object) as MqttPacket)).toString('hex')).toBe(Buffer.from(buf!).toString('hex'));
          break;
        case 'parseError': {
          const got = everySplit(buf!, c.line);
          expect(got.error).toBeDefined();
          expect(got.error).not.toMatch(/^incomplete/);
          break;
        }
        case 'generateError':
          expect(() => encodePacket(fromPeer(object) as MqttPacket)).toThrowError(MqttError);
          break;
        default:
          throw new Error(`unhandled kind ${c.kind}`);
      }
    });
  }
});
