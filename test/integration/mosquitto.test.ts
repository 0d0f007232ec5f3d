import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import type { PublishPacket } from '@linkwire/mqtt';
import { connectMqtt } from '@linkwire/node';
import { startMosquitto, type TestBroker } from '../support/brokers.ts';

let broker: TestBroker;
let port = 0;

beforeAll(async () => {
  broker = await startMosquitto();
  port = broker.port;
}, 20_000);

afterAll(() => broker.close());

describe('MQTT session against mosquitto (a second, independent broker)', () => {
  it('connects, subscribes with wildcards, and round-trips QoS 0 and QoS 1 publishes', async () => {
    const got: PublishPacket[] = [];
    const c = await connectMqtt({ host: '127.0.0.1', port, clientId: 'linkwire-interop', keepalive: 30, onMessage: (m) => got.push(m) });
    try {
      expect(c.connack.returnCode).toBe(0);
      expect(await c.session.subscribe([{ topic: '/sys/+/+/thing/#', qos: 1 }, { topic: 'plain/+', qos: 0 }])).toEqual([1, 0]);
      await c.session.publish('/sys/pk/dn/thing/event/property/post', '{"id":"1"}', { qos: 1 });
      await c.session.publish('plain/x', 'zero');
      const big = 'x'.repeat(300_000);
      await c.session.publish('/sys/pk/dn/thing/model/up_raw', big, { qos: 1 });
      for (let i = 0; i < 200 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(got.map((m) => [m.topic, m.qos, m.payload.length])).toEqual([
        ['/sys/pk/dn/thing/event/property/post', 1, 10],
        ['plain/x', 0, 4],
        ['/sys/pk/dn/thing/model/up_raw', 1, 300_000],
      ]);
      expect(utf8Decode(got[0]!.payload)).toBe('{"id":"1"}');
      await c.session.unsubscribe(['plain/+']);
    } finally {
      c.close();
    }
  });

  it('receives a retained message and a message published by another client', async () => {
    const a = await connectMqtt({ host: '127.0.0.1', port, clientId: 'linkwire-a' });
    await a.session.publish('retained/t', 'kept', { qos: 1, retain: true });
    const got: PublishPacket[] = [];
    const b = await connectMqtt({ host: '127.0.0.1', port, clientId: 'linkwire-b', onMessage: (m) => got.push(m) });
    try {
      await b.session.subscribe('retained/#');
      await a.session.publish('retained/live', 'now', { qos: 1 });
      for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(got.map((m) => [m.topic, utf8Decode(m.payload), m.retain])).toEqual([['retained/t', 'kept', true], ['retained/live', 'now', false]]);
    } finally {
      a.close();
      b.close();
    }
  });
});
