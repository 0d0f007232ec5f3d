/**
 * fast-check arbitraries for MQTT 3.1.1 packets: valid packets of every type and malformed
 * byte strings, to property-test other MQTT implementations against linkwire's codec.
 * @module
 */
import fc from 'fast-check';
import type { MqttPacket, QoS } from './packets.ts';

export { scriptedNetwork, settle, type FakeConnection } from './scripted-network.ts';

const text = (maxLength = 20): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme', maxLength }).filter((s) => !s.includes('\u0000'));
const level = (): fc.Arbitrary<string> => text(6).map((s) => s.replace(/[/+#]/g, ''));

/** A topic name: one to five levels, no wildcards, may start with `$` or be `/`-separated empties. */
export const topicName = (): fc.Arbitrary<string> =>
  fc.array(level(), { minLength: 1, maxLength: 5 }).map((l) => l.join('/')).filter((t) => t.length > 0);

/** A valid topic filter with `+` levels and an optional trailing `#`. */
export const topicFilter = (): fc.Arbitrary<string> =>
  fc
    .tuple(fc.array(fc.oneof(level(), fc.constant('+')), { minLength: 0, maxLength: 5 }), fc.boolean())
    .map(([l, hash]) => [...l, ...(hash ? ['#'] : [])].join('/'))
    .filter((t) => t.length > 0);

const qos = (): fc.Arbitrary<QoS> => fc.constantFrom(0, 1, 2);
const messageId = (): fc.Arbitrary<number> => fc.integer({ min: 1, max: 65535 });

/** Any valid MQTT 3.1.1 packet value. */
export const mqttPacket = (): fc.Arbitrary<MqttPacket> =>
  fc.oneof(
    fc.record({
      type: fc.constant('connect' as const),
      protocolLevel: fc.constant(4 as const),
      clientId: text(23).filter((s) => s.length > 0),
      cleanSession: fc.boolean(),
      keepalive: fc.integer({ min: 0, max: 65535 }),
    }).chain((c) =>
      fc.record({
        username: fc.option(text(), { nil: undefined }),
        password: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        will: fc.option(fc.record({ topic: topicName(), payload: fc.uint8Array({ maxLength: 30 }), qos: qos(), retain: fc.boolean() }), { nil: undefined }),
      }).map(({ username, password, will }) => ({
        ...c,
        ...(username !== undefined ? { username } : {}),
        ...(username !== undefined && password !== undefined ? { password } : {}),
        ...(will !== undefined ? { will } : {}),
      })),
    ),
    fc.record({ type: fc.constant('connack' as const), sessionPresent: fc.boolean(), returnCode: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ topic: topicName(), payload: fc.uint8Array({ maxLength: 64 }), qos: qos(), retain: fc.boolean(), dup: fc.boolean(), messageId: messageId() })
      .map((p) => (p.qos === 0 ? { type: 'publish' as const, topic: p.topic, payload: p.payload, qos: 0 as const, retain: p.retain, dup: false } : { type: 'publish' as const, ...p })),
    fc.record({ type: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const, 'unsuback' as const), messageId: messageId() }),
    fc.record({ type: fc.constant('subscribe' as const), messageId: messageId(), subscriptions: fc.array(fc.record({ topic: topicFilter(), qos: qos() }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constant('suback' as const), messageId: messageId(), granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constant('unsubscribe' as const), messageId: messageId(), topics: fc.array(topicFilter(), { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constantFrom('pingreq' as const, 'pingresp' as const, 'disconnect' as const) }),
  );

/** Byte strings that are mostly not valid packets: random bytes and mutated valid packets. */
export const malformedBytes = (encode: (p: MqttPacket) => Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(mqttPacket(), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([p, at, b]) => {
      const bytes = encode(p).slice();
      bytes[at % bytes.length] = b;
      return bytes;
    }),
    fc.tuple(mqttPacket(), fc.nat()).map(([p, cut]) => {
      const bytes = encode(p);
      return bytes.subarray(0, cut % bytes.length);
    }),
  );

/** One step of a client's life for storm properties: publish, acknowledge, cut, wait, reconnect. */
export type ClientOperation =
  | { readonly kind: 'publish'; readonly qos: 0 | 1 }
  | { readonly kind: 'ack'; readonly which: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'reconnect'; readonly sessionPresent: boolean };

/** Random client operations, to drive a `createMqttClient` over a {@link scriptedNetwork}. */
export const clientOperation = (): fc.Arbitrary<ClientOperation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('publish' as const), qos: fc.constantFrom(0 as const, 1 as const) }),
    fc.record({ kind: fc.constant('ack' as const), which: fc.nat(20) }),
    fc.record({ kind: fc.constant('drop' as const) }),
    fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
    fc.record({ kind: fc.constant('reconnect' as const), sessionPresent: fc.boolean() }),
  );
