/** Every public function of @linkwire/mqtt under hostile data and hostile options (see test/support/fuzz). */
import { manualClock, seededRandom } from '@linkwire/base';
import { hostileValue } from '@linkwire/base/testing';
import * as mqtt from '@linkwire/mqtt';
import { malformedBytes, mqttPacket, topicFilter, topicName } from '@linkwire/mqtt/testing';
import fc from 'fast-check';
import { data, decoder, entry, Fresh, freshen, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';

const bytes = data(fc.oneof(mqttPacket().map((p) => mqtt.encodePacket(p)), malformedBytes(mqtt.encodePacket), fc.uint8Array({ maxLength: 64 })));
const sessionOptions = (): Record<string, unknown> => ({
  clock: manualClock(0), send: () => undefined, close: () => undefined, clientId: 'c1', username: 'u', password: 'p', keepalive: 60, cleanSession: true,
  will: { topic: 't', payload: new Uint8Array(1), qos: 1, retain: false }, connectTimeoutMs: 1000, ackTimeoutMs: 1000, pingTimeoutMs: 1000,
  maxPacketSize: 4096, maxInflight: 4, onMessage: () => undefined, onConnect: () => undefined,
});

const publishOf = (n: number): Uint8Array => mqtt.encodePacket({ type: 'publish', topic: '/sys/pk/dn/thing/event/property/post', payload: new Uint8Array(n), qos: 1, messageId: 7, retain: false, dup: false });
// Many small packets of about `n` bytes in all, cut in two at an odd place.
const streamOf = (n: number): readonly unknown[] => {
  const one = publishOf(40);
  const all = new Uint8Array(Math.ceil(n / one.length) * one.length);
  for (let i = 0; i < all.length; i += one.length) all.set(one, i);
  const cut = Math.floor(all.length / 2) + 3;
  return [{ maxPacketSize: 4096 }, all.subarray(0, cut), all.subarray(cut)];
};

export const entries: FuzzEntry[] = [
  decoder('MQTT', entry('mqtt.decodePacket', mqtt.decodePacket, [bytes]), (n) => [publishOf(n)]),
  entry('mqtt.encodePacket', mqtt.encodePacket, [fc.oneof(data(mqttPacket()), variant({ type: 'publish', topic: 'a/b', payload: new Uint8Array(2), qos: 1, messageId: 1, retain: false, dup: false }, { type: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/#', qos: 1 }] }, { type: 'connect', clientId: 'c', keepalive: 60, clean: true, protocolVersion: 4 }))]),
  decoder('MQTT', entry('mqtt.createPacketParser', (o: unknown, a: unknown, b: unknown) => {
    const p = mqtt.createPacketParser(o as mqtt.PacketParserOptions);
    p.push(a as Uint8Array);
    p.push(b as Uint8Array);
  }, [options({ maxPacketSize: 4096 }), bytes, bytes]), streamOf),
  entry('mqtt.checkTopicName', mqtt.checkTopicName, [data(topicName()), data(fc.string())]),
  entry('mqtt.checkTopicFilter', mqtt.checkTopicFilter, [data(topicFilter()), data(fc.string())]),
  entry('mqtt.isValidTopicFilter', mqtt.isValidTopicFilter, [data(topicFilter())]),
  entry('mqtt.topicMatches', mqtt.topicMatches, [data(topicFilter()), data(topicName())]),
  entry('mqtt.createMqttSession', (o: unknown, incoming: unknown, topic: unknown) => {
    const s = mqtt.createMqttSession(o as mqtt.MqttSessionOptions);
    void s.connect().catch(() => undefined);
    s.receive(mqtt.encodePacket({ type: 'connack', sessionPresent: false, returnCode: 0 }));
    s.receive(incoming as Uint8Array);
    void s.publish(topic as string, 'x', { qos: 1 }).catch(() => undefined);
    void s.subscribe([{ topic: topic as string, qos: 1 }]).catch(() => undefined);
    const clock = (o as { clock?: { advance?: unknown } } | undefined)?.clock;
    if (typeof clock?.advance === 'function') (clock.advance as (ms: number) => void)(120_000);
    s.disconnect();
    s.transportClosed();
  }, [variant(sessionOptions()), bytes, data(topicName())]),
  // A transport that opens, then delivers the hostile bytes: a typed refusal or a session, never a throw.
  entry('mqtt.openMqttSession', async (example: unknown, incoming: unknown) => {
    // A clock of its own per case: a shared one carried the last case's timers into this one.
    const o = freshen(example);
    const dial = (_e: string, events: { onOpen?(): void; onData(b: Uint8Array): void; onClose(e?: Error): void }) => {
      queueMicrotask(() => {
        events.onOpen?.();
        queueMicrotask(() => events.onData(incoming as Uint8Array));
      });
      return { send: () => undefined, close: () => undefined };
    };
    // Settled into a value at once, so a refusal is not an unhandled rejection while the clock moves.
    const opening = mqtt.openMqttSession(dial, 'broker', o as mqtt.OpenMqttSessionOptions).then((c) => ({ c }), (e: unknown) => ({ e }));
    const clock = (o as { clock?: { advance?: unknown; now?: unknown } } | undefined)?.clock;
    await new Promise((r) => setTimeout(r, 0));
    // A clock that cannot be moved never reaches the connect timeout: nothing to wait for then.
    if (typeof clock?.advance !== 'function' || typeof clock.now !== 'function') return;
    const before = (clock.now as () => unknown)();
    (clock.advance as (ms: number) => void)(120_000);
    // A hostile variant may keep `advance` but make it do nothing (seed 1386048959): same case.
    if ((clock.now as () => unknown)() === before) return;
    // Or keep time moving but drop `setTimer` (no connect timeout is ever scheduled): a session
    // still opening after a second of real time waits on that clock, not on a bug here.
    const r = await Promise.race([opening, new Promise<undefined>((done) => setTimeout(() => done(undefined), 1000))]);
    if (r === undefined) return;
    if ('e' in r) throw r.e;
    r.c.close();
  }, [variant({ clock: new Fresh(() => manualClock(0)), clientId: 'c1', keepalive: 60, connectTimeoutMs: 1000, onClose: () => undefined }), bytes]),
  entry('mqtt.isTransientRefusal', mqtt.isTransientRefusal, [data(fc.integer({ min: 0, max: 6 }))]),
  entry('mqtt.backoffDelay', mqtt.backoffDelay, [data(fc.nat(40)), options({ minMs: 1000, maxMs: 120_000, factor: 2 }), data(fc.constant(seededRandom(1)))]),
  entry('mqtt.memoryStore', async (m: unknown, seq: unknown) => {
    const store = mqtt.memoryStore();
    await store.put(m as mqtt.StoredPublish);
    await store.load();
    await store.delete(seq as number);
    await store.close?.();
  }, [variant({ seq: 1, topic: 'a/b', payload: new Uint8Array(1), qos: 1, retain: false }), data(fc.nat())]),
  // A client whose dial closes the transport at once: it must keep to typed errors while it
  // backs off, and end cleanly.
  entry('mqtt.createMqttClient', async (o: unknown, topic: unknown) => {
    const client = mqtt.createMqttClient(o as mqtt.MqttClientOptions<string>);
    const p = client.publish(topic as string, 'x', { qos: 1 }).catch((e: unknown) => { if (!(e instanceof mqtt.MqttError)) throw e; });
    const clock = (o as { clock?: { advance?: unknown } } | undefined)?.clock;
    if (typeof clock?.advance === 'function') (clock.advance as (ms: number) => void)(10_000);
    await client.end();
    await p;
  }, [variant({
    clock: manualClock(0), random: seededRandom(1), endpoint: 'broker', credentials: { clientId: 'c1' }, keepalive: 60, cleanSession: true,
    dial: (_e: string, events: { onClose(e?: Error): void }) => ({ send: () => undefined, close: () => events.onClose() }),
    connectTimeoutMs: 1000, pingTimeoutMs: 1000, maxPacketSize: 4096, maxInflight: 4, backoff: { minMs: 100, maxMs: 1000 }, onEvent: () => undefined,
  }), fc.oneof(data(topicName()), hostileValue())]),
];
