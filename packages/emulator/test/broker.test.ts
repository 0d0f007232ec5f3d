// The broker without sockets: bytes in through a Link, bytes out. Hostile byte streams never
// throw, and a stream split anywhere gives the same answers as the stream whole.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePacket, type MqttPacket } from '@linkwire/mqtt';
import { createBroker, type Broker, type BrokerHooks, type Link } from '@linkwire/emulator';
import { numRuns } from '../../../test/support/fast-check.ts';

const KEY = 'a1FuzzPk001&fuzz-1';
const TOPIC = '/sys/a1FuzzPk001/fuzz-1/thing/event/property/post';

function harness(): { broker: Broker; open(): { receive(b: Uint8Array): void; out: number[][]; closed: () => boolean } } {
  const hooks: BrokerHooks = {
    authenticate: (p) => (p.username === 'ok' ? { ok: true, key: KEY, productKey: 'a1FuzzPk001', deviceName: 'fuzz-1', clientId: p.clientId } : { ok: false, returnCode: 4, reason: 'no' }),
    principal: (key) => ({ key, actsFor: () => false, manages: () => false }),
    authorizePublish: (_k, topic) => (topic === TOPIC ? 'allow' : 'deny'),
    // A responder: every post is answered on its _reply topic.
    onMessage: (_k, topic, payload) => void broker.deliver(`${topic}_reply`, payload.slice(), 1),
    onEvent: () => undefined,
    now: () => 0,
  };
  const broker = createBroker(hooks);
  return {
    broker,
    open() {
      const out: number[][] = [];
      let closed = false;
      const link: Link = { transport: 'tcp', write: (b) => void out.push([...b]), close: () => void (closed = true) };
      const h = broker.accept(link);
      return { receive: (b) => h.receive(b), out, closed: () => closed };
    },
  };
}

const bytes = (...packets: MqttPacket[]): Uint8Array => {
  const parts = packets.map((p) => encodePacket(p));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
};

const session = bytes(
  { type: 'connect', clientId: 'c1', username: 'ok', password: new Uint8Array([1]), keepalive: 60, cleanSession: true },
  { type: 'subscribe', messageId: 1, subscriptions: [{ topic: `${TOPIC}_reply`, qos: 1 }] },
  { type: 'publish', topic: TOPIC, payload: new TextEncoder().encode('{"id":"1"}'), qos: 1, retain: false, dup: false, messageId: 7 },
  { type: 'publish', topic: TOPIC, payload: new TextEncoder().encode('{"id":"2"}'), qos: 0, retain: false, dup: false },
  { type: 'pingreq' },
);

let brokers: Broker[] = [];
afterEach(() => {
  for (const b of brokers) b.close();
  brokers = [];
});

describe('the broker on bytes alone', () => {
  it('answers a whole session: CONNACK, SUBACK, the reply at QoS 1, PUBACK after it, PINGRESP', () => {
    const h = harness();
    brokers.push(h.broker);
    const c = h.open();
    c.receive(session);
    const types = c.out.map((b) => b[0]! >> 4);
    // connack, suback, reply publish, puback (after the reply: the responder ran first), reply publish, pingresp
    expect(types).toEqual([2, 9, 3, 4, 3, 13]);
    expect(c.closed()).toBe(false);
  });

  it('gives the same answers however the stream is split, one byte at a time included', () => {
    const whole = (() => {
      const h = harness();
      brokers.push(h.broker);
      const c = h.open();
      c.receive(session);
      return c.out.flat();
    })();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: session.length - 1 }), { maxLength: 12 }), (cuts) => {
        const h = harness();
        brokers.push(h.broker);
        const c = h.open();
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, session.length]) {
          c.receive(session.subarray(from, p));
          from = p;
        }
        expect(c.out.flat()).toEqual(whole);
      }),
      { numRuns: numRuns(200) },
    );
    const h = harness();
    brokers.push(h.broker);
    const c = h.open();
    for (let i = 0; i < session.length; i++) c.receive(session.subarray(i, i + 1));
    expect(c.out.flat()).toEqual(whole);
  });

  it('never throws on hostile bytes after CONNECT, and ends the connection or keeps it consistently', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const h = harness();
        brokers.push(h.broker);
        const c = h.open();
        c.receive(session.subarray(0, encodePacket({ type: 'connect', clientId: 'c1', username: 'ok', password: new Uint8Array([1]), keepalive: 60, cleanSession: true }).length));
        for (const chunk of chunks) expect(() => c.receive(chunk)).not.toThrow();
        const before = c.out.length;
        if (c.closed()) {
          c.receive(session);
          expect(c.out.length).toBe(before);
        }
        h.broker.close();
      }),
      { numRuns: numRuns(300) },
    );
  });
});
