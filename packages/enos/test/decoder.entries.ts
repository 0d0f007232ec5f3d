/**
 * The EnOS device client's downlink decoding under hostile data (see test/support/fuzz): one
 * client, connected to the scripted broker, receives hostile payloads on its command, reply
 * and OTA topics while requests wait for replies. Every error it reports must be typed. This
 * is the long run's "EnOS" family in `npm run fuzz`, part of hostile.entries.ts (which covers
 * every other entry point of @linkwire/enos).
 */
import { LinkwireError, manualClock, seededRandom, utf8Encode } from '@linkwire/base';
import { hostileJsonText } from '@linkwire/base/testing';
import { DeviceClient, parseBrokerUrl } from '@linkwire/enos';
import fc from 'fast-check';
import { data, decoder, entry, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { scriptedBroker, settle } from './support/scripted.ts';

const BASE = '/sys/654321/test';
const TOPICS = [
  `${BASE}/thing/service/svc`, `${BASE}/thing/service/measurepoint/set`, `${BASE}/thing/service/measurepoint/get`, `${BASE}/thing/measurepoint/post_reply`,
  `${BASE}/thing/event/alarm/post_reply`, `${BASE}/ota/device/upgrade`, `${BASE}/thing/model/up_raw_reply`, `${BASE}/thing/service/unknown`, '/sys/654321/other/thing/service/svc',
];

interface Fixture {
  readonly client: DeviceClient;
  readonly push: (topic: string, payload: Uint8Array) => void;
  readonly clock: ReturnType<typeof manualClock>;
  readonly errors: unknown[];
}
let fixture: Promise<Fixture> | undefined;

function connected(): Promise<Fixture> {
  fixture ??= (async () => {
    const clock = manualClock(0);
    const broker = scriptedBroker((pk, dk) => (pk === '654321' && dk === 'test' ? 'abcdefg' : undefined));
    const client = new DeviceClient({ brokerUrl: 'tcp://broker.invalid', productKey: '654321', deviceKey: 'test', deviceSecret: 'abcdefg', replyTimeout: 10, mqttOptions: { reconnectPeriod: 0 } }, { clock, random: seededRandom(1), dial: broker.dial });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    const handlers = [
      client.deviceCommand.onInvokeService('svc', (req, res) => res.send(200, req.params)),
      client.deviceCommand.onSetMeasurepoint((_req, res) => res.send(200)),
      client.deviceCommand.onGetMeasurepoint((req, res) => res.send(200, req.params)),
      client.ota.onUpgrade(() => undefined),
    ];
    const up = client.connect();
    await settle();
    await up;
    await Promise.all(handlers);
    return { client, push: (t, p) => broker.push(t, p), clock, errors };
  })();
  return fixture;
}

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  hostileJsonText().map((t) => utf8Encode(t)),
  fc.record({ id: fc.oneof(fc.stringMatching(/^[0-9]{1,6}$/), fc.jsonValue()), method: fc.constantFrom('thing.service.svc', 'thing.service.measurepoint.set', 'ota.device.upgrade', 'x'), params: fc.jsonValue(), code: fc.jsonValue(), data: fc.jsonValue() }, { requiredKeys: [] })
    .map((r) => utf8Encode(JSON.stringify({ version: '1.0', ...r }))),
);

/** Receives one message (after a request that waits for its reply) and checks what the client reported. */
async function receive(topic: unknown, bytes: unknown, request: unknown): Promise<void> {
  const f = await connected();
  const before = f.errors.length;
  const waiting = request === true ? f.client.deviceData.postMeasurepoint({ point: { measurepoints: { a: 1 } } }).catch((e: unknown) => f.errors.push(e)) : undefined;
  await settle();
  f.push(topic as string, bytes instanceof Uint8Array ? bytes : new Uint8Array(0));
  await settle();
  f.clock.advance(11_000);
  await settle();
  await waiting;
  for (const e of f.errors.slice(before)) if (!(e instanceof LinkwireError)) throw e;
  f.errors.length = 0;
}

export const decoderEntries: FuzzEntry[] = [
  // No cost slope: a case's fixed cost (the client's microtask hops and a reply timeout) hides
  // the decoding, which the Alink JSON and MQTT slopes measure.
  decoder('EnOS', entry('enos.DeviceClient', receive, [fc.constantFrom(...TOPICS), payload, fc.boolean()])),
  decoder('EnOS', entry('enos.parseBrokerUrl', parseBrokerUrl, [data(fc.oneof(fc.webUrl(), fc.constantFrom('tcp://broker:11883', 'ssl://b:18883', 'ws://x', 'tcp://[::1]:1', 'tcp://h:99999', '')))])),
];
