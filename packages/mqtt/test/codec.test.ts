import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttDecodeError, MqttError, createPacketParser, decodePacket, encodePacket, topicMatches, type MqttPacket } from '@linkwire/mqtt';
import { malformedBytes, mqttPacket as packetArb, topicFilter, topicName } from '@linkwire/mqtt/testing';
import { numRuns } from '../../../test/support/fast-check.ts';

/** Our packet value in mqtt-packet's shape, so mqtt-packet can serve as the oracle. */
function toOracle(p: MqttPacket): Record<string, unknown> {
  switch (p.type) {
    case 'connect':
      return {
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: p.cleanSession, clientId: p.clientId, keepalive: p.keepalive,
        ...(p.username !== undefined ? { username: p.username } : {}),
        ...(p.password !== undefined ? { password: Buffer.from(p.password) } : {}),
        ...(p.will !== undefined ? { will: { ...p.will, payload: Buffer.from(p.will.payload) } } : {}),
      };
    case 'publish':
      return { cmd: 'publish', topic: p.topic, payload: Buffer.from(p.payload), qos: p.qos, retain: p.retain, dup: p.dup, ...(p.messageId !== undefined ? { messageId: p.messageId } : {}) };
    case 'subscribe':
      return { cmd: 'subscribe', messageId: p.messageId, subscriptions: p.subscriptions.map((s) => ({ ...s })) };
    case 'unsubscribe':
      return { cmd: 'unsubscribe', messageId: p.messageId, unsubscriptions: [...p.topics] };
    case 'suback':
      return { cmd: 'suback', messageId: p.messageId, granted: [...p.granted] };
    case 'connack':
      return { cmd: 'connack', sessionPresent: p.sessionPresent, returnCode: p.returnCode };
    case 'pingreq':
    case 'pingresp':
    case 'disconnect':
      return { cmd: p.type };
    default:
      return { cmd: p.type, messageId: p.messageId };
  }
}

function oracleParse(bytes: Uint8Array): Record<string, unknown>[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: Record<string, unknown>[] = [];
  let error: Error | undefined;
  parser.on('packet', (p: unknown) => out.push(p as Record<string, unknown>));
  parser.on('error', (e: Error) => { error = e; });
  parser.parse(Buffer.from(bytes));
  if (error) throw error;
  return out;
}

describe('codec against mqtt-packet (the oracle)', () => {
  it('encodes byte-identically for every valid packet', () => {
    fc.assert(fc.property(packetArb(), (p) => {
      const ours = encodePacket(p);
      const theirs = mqttPacket.generate(toOracle(p) as never);
      expect(Buffer.from(ours).toString('hex')).toBe(theirs.toString('hex'));
    }), { numRuns: numRuns(1000) });
  });

  it('decodes what mqtt-packet generates and round-trips', () => {
    fc.assert(fc.property(packetArb(), (p) => {
      const bytes = new Uint8Array(mqttPacket.generate(toOracle(p) as never));
      const decoded = decodePacket(bytes);
      expect(decoded).toEqual(p);
      expect(encodePacket(decoded)).toEqual(bytes);
      const [theirs] = oracleParse(bytes);
      expect(theirs?.['cmd']).toBe(p.type);
    }), { numRuns: numRuns(1000) });
  });

  it('streams: any chunking of a packet sequence yields the same packets', () => {
    fc.assert(fc.property(fc.array(packetArb(), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (packets, cuts) => {
      const all = Buffer.concat(packets.map((p) => encodePacket(p)));
      const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
      const parser = createPacketParser();
      const got: MqttPacket[] = [];
      let prev = 0;
      for (const c of [...points, all.length]) {
        got.push(...parser.push(new Uint8Array(all.subarray(prev, c))));
        prev = c;
      }
      expect(got).toEqual(packets);
      expect(parser.buffered).toBe(0);
    }), { numRuns: numRuns(300) });
  });
});

describe('reused buffers', () => {
  it('a topic decoded again from a rewritten buffer is the new topic (the decoder keeps a copy of the last topic, not a view)', () => {
    const buf = encodePacket({ type: 'publish', topic: 'a/b/c', payload: new Uint8Array([1]), qos: 0, retain: false, dup: false });
    expect((decodePacket(buf) as { topic: string }).topic).toBe('a/b/c');
    expect((decodePacket(buf) as { topic: string }).topic).toBe('a/b/c');
    buf.set(new TextEncoder().encode('x/y/z'), 4);
    expect((decodePacket(buf) as { topic: string }).topic).toBe('x/y/z');
    fc.assert(fc.property(fc.array(topicName(), { minLength: 1, maxLength: 6 }), (topics) => {
      for (const topic of [...topics, ...topics]) {
        expect((decodePacket(encodePacket({ type: 'publish', topic, payload: new Uint8Array(0), qos: 0, retain: false, dup: false })) as { topic: string }).topic).toBe(topic);
      }
    }), { numRuns: numRuns(100) });
  });

  it('encodePacket hands out bytes with a buffer of their own (the client\'s pooled blocks stay inside the client)', () => {
    for (const size of [0, 100, 1000, 5000]) {
      const bytes = encodePacket({ type: 'publish', topic: 't', payload: new Uint8Array(size), qos: 0, retain: false, dup: false });
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.length);
    }
  });
});

describe('malformed input', () => {
  it('never throws anything but MqttDecodeError, and whatever it accepts re-encodes to the same bytes', () => {
    fc.assert(fc.property(malformedBytes(encodePacket), (bytes) => {
      let ours: MqttPacket | undefined;
      try {
        ours = decodePacket(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(MqttDecodeError);
        expect(typeof (e as MqttDecodeError).offset).toBe('number');
      }
      if (ours !== undefined) {
        // Whatever we accept re-encodes to the same bytes: nothing is silently dropped.
        expect(encodePacket(ours)).toEqual(bytes);
      }
    }), { numRuns: numRuns(2000) });
  });

  const bad: [string, number[], string][] = [
    ['reserved type 0', [0x00, 0x00], 'invalid_packet_type'],
    ['reserved type 15', [0xf0, 0x00], 'invalid_packet_type'],
    ['5-byte remaining length', [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], 'invalid_remaining_length'],
    ['publish qos 3', [0x36, 0x03, 0x00, 0x01, 0x61], 'invalid_qos'],
    ['qos 0 with dup', [0x38, 0x03, 0x00, 0x01, 0x61], 'invalid_flags'],
    ['publish topic with wildcard', [0x30, 0x03, 0x00, 0x01, 0x23], 'invalid_topic'],
    ['publish message id 0', [0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], 'invalid_message_id'],
    ['puback with flags', [0x41, 0x02, 0x00, 0x01], 'invalid_flags'],
    ['puback too long', [0x40, 0x03, 0x00, 0x01, 0x00], 'trailing_bytes'],
    ['puback too short', [0x40, 0x01, 0x00], 'truncated'],
    ['subscribe without filters', [0x82, 0x02, 0x00, 0x01], 'empty_subscribe'],
    ['subscribe wrong flags', [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], 'invalid_flags'],
    ['subscribe qos 3', [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03], 'invalid_qos'],
    ['subscribe bad filter', [0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 0x61, 0x23, 0x00], 'invalid_topic_filter'],
    ['suback bad code', [0x90, 0x03, 0x00, 0x01, 0x03], 'invalid_return_code'],
    ['connack reserved flags', [0x20, 0x02, 0x02, 0x00], 'invalid_flags'],
    ['string with NUL', [0x30, 0x03, 0x00, 0x01, 0x00], 'invalid_utf8'],
    ['string with bad UTF-8', [0x30, 0x03, 0x00, 0x01, 0xff], 'invalid_utf8'],
    ['string longer than packet', [0x30, 0x03, 0x00, 0x09, 0x61], 'truncated'],
    ['connect bad protocol', [0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00], 'unsupported_protocol'],
    ['connect reserved bit', [0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x3c, 0x00, 0x00], 'invalid_flags'],
    ['connect password without username', [0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x42, 0x00, 0x3c, 0x00, 0x00], 'invalid_flags'],
    ['pingreq with body', [0xc0, 0x01, 0x00], 'trailing_bytes'],
  ];
  for (const [name, bytes, code] of bad) {
    it(`rejects ${name} (${code})`, () => {
      expect(() => decodePacket(Uint8Array.from(bytes))).toThrowError(expect.objectContaining({ code }));
    });
  }

  it('the stream parser refuses oversize packets from the header alone and stays failed', () => {
    const parser = createPacketParser({ maxPacketSize: 100 });
    expect(() => parser.push(Uint8Array.of(0x30, 0xff, 0x7f))).toThrowError(expect.objectContaining({ code: 'packet_too_large' }));
    expect(() => parser.push(Uint8Array.of(0xc0, 0x00))).toThrowError(MqttDecodeError);
  });
  // Cost under every split: test/stream.test.ts.
});

describe('encoder refuses invalid values with MqttError', () => {
  const cases: [string, MqttPacket][] = [
    ['wildcard topic', { type: 'publish', topic: 'a/+', payload: new Uint8Array(), qos: 0, retain: false, dup: false }],
    ['qos 1 without id', { type: 'publish', topic: 'a', payload: new Uint8Array(), qos: 1, retain: false, dup: false }],
    ['qos 0 with id', { type: 'publish', topic: 'a', payload: new Uint8Array(), qos: 0, retain: false, dup: false, messageId: 3 }],
    ['password without username', { type: 'connect', clientId: 'c', cleanSession: true, keepalive: 60, password: new Uint8Array(1) }],
    ['empty subscribe', { type: 'subscribe', messageId: 1, subscriptions: [] }],
    ['bad filter', { type: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#/b', qos: 0 }] }],
    ['id 0', { type: 'puback', messageId: 0 }],
    ['NUL in client id', { type: 'connect', clientId: 'a\u0000', cleanSession: true, keepalive: 60 }],
    // Issue 25: malformed input objects get a typed refusal, never a TypeError or RangeError.
    ['will payload neither bytes nor string', { type: 'connect', clientId: 'c', cleanSession: true, keepalive: 60, will: { topic: 't', payload: 42 as unknown as Uint8Array, qos: 0, retain: false } }],
    ['will not an object', { type: 'connect', clientId: 'c', cleanSession: true, keepalive: 60, will: 42 as unknown as undefined }],
    ['password neither bytes nor string', { type: 'connect', clientId: 'c', cleanSession: true, keepalive: 60, username: 'u', password: 42 as unknown as Uint8Array }],
    ['unsubscribe topics not a list', { type: 'unsubscribe', messageId: 1, topics: 5 as unknown as string[] }],
    ['unsubscribe topics not strings', { type: 'unsubscribe', messageId: 1, topics: [1, 2] as unknown as string[] }],
    ['subscribe without its list', { type: 'subscribe', messageId: 1 } as unknown as MqttPacket],
    ['suback without its list', { type: 'suback', messageId: 1 } as unknown as MqttPacket],
    ['unsubscribe without its list', { type: 'unsubscribe', messageId: 1 } as unknown as MqttPacket],
    ['publish payload not bytes', { type: 'publish', topic: 'a', payload: 'x' as unknown as Uint8Array, qos: 0, retain: false, dup: false }],
    ['not an object', null as unknown as MqttPacket],
    ['unknown type', { type: 'toString' } as unknown as MqttPacket],
    ['MQTT 3.1 with an empty client id', { type: 'connect', protocolLevel: 3, clientId: '', cleanSession: true, keepalive: 60 }],
    ['MQTT 3.1 with a 24-character client id', { type: 'connect', protocolLevel: 3, clientId: 'x'.repeat(24), cleanSession: true, keepalive: 60 }],
  ];
  for (const [name, p] of cases) it(name, () => expect(() => encodePacket(p)).toThrowError(MqttError));

  it('MQTT 3.1 client ids have 1 to 23 characters, in both directions', () => {
    const ok = encodePacket({ type: 'connect', protocolLevel: 3, clientId: 'x'.repeat(23), cleanSession: true, keepalive: 60 });
    expect(decodePacket(ok)).toMatchObject({ protocolLevel: 3, clientId: 'x'.repeat(23) });
    // The same CONNECT with an empty id, built by hand: 3.1 has no empty client id ([MQTT-3.1.3-7] is 3.1.1's).
    const empty = Uint8Array.of(0x10, 0x0e, 0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x3c, 0x00, 0x00);
    expect(() => decodePacket(empty)).toThrowError(expect.objectContaining({ code: 'invalid_client_id' }));
    // 3.1.1 allows it with a clean session.
    expect(decodePacket(encodePacket({ type: 'connect', clientId: '', cleanSession: true, keepalive: 60 }))).toMatchObject({ clientId: '' });
  });
});

describe('topic matching (MQTT 3.1.1 §4.7)', () => {
  const table: [string, string, boolean][] = [
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'a/b', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/x', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['/sys/+/+/thing/event/property/post', '/sys/pk/dn/thing/event/property/post', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
  ];
  for (const [f, t, want] of table) it(`${f} vs ${t} → ${want}`, () => expect(topicMatches(f, t)).toBe(want));

  it('agrees with a level-by-level reference on random filters and topics', () => {
    const reference = (filter: string, topic: string): boolean => {
      if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
      const f = filter.split('/');
      const t = topic.split('/');
      for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true;
        if (i >= t.length) return false;
        if (f[i] !== '+' && f[i] !== t[i]) return false;
      }
      return f.length === t.length;
    };
    fc.assert(fc.property(topicFilter(), topicName(), (f, t) => { expect(topicMatches(f, t)).toBe(reference(f, t)); }), { numRuns: numRuns(2000) });
  });
});

import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';

describe('conformance vectors', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});
