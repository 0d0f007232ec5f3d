/** Every public function of @linkwire/device under hostile data and hostile options (see test/support/fuzz). */
import { LinkwireError, manualClock, seededRandom, utf8Encode } from '@linkwire/base';
import { hostileJsonText, hostileValue } from '@linkwire/base/testing';
import * as coap from '@linkwire/coap';
import * as device from '@linkwire/device';
import fc from 'fast-check';
import { data, entry, Fresh, freshen, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { loopbackBroker, settle } from '../../../test/support/fuzz/loopback-broker.ts';

const PK = 'a1DevFuzz01';
const DN = 'dev-1';
const identity = { productKey: PK, deviceName: DN };
/** Only typed errors may come out of a promise a case awaits. */
const typedOnly = (e: unknown): void => {
  if (!(e instanceof LinkwireError)) throw e;
};
const advance = (o: unknown, ms: number): void => {
  const clock = (o as { clock?: { advance?: unknown } } | null | undefined)?.clock;
  if (typeof clock?.advance === 'function') (clock.advance as (n: number) => void)(ms);
};

// --- the MQTT device client: options, then the downlink of a connected client -------------

const clientOptions = (): Record<string, unknown> => ({
  ...identity, deviceSecret: 'secret-1', clock: new Fresh(() => manualClock(0)), random: new Fresh(() => seededRandom(1)), dial: new Fresh(() => loopbackBroker().dial), endpoint: 'broker', transport: 'tcp',
  signMethod: 'hmacsha256', clientId: 'c1', clientIdExtra: { a: 'b' }, keepalive: 60, requestTimeoutMs: 5000, maxPendingRequests: 8, maxMessageBytes: 65_536,
  mqtt: { backoff: { minMs: 100, maxMs: 1000 }, connectTimeoutMs: 1000 }, ota: { version: '1.0.0' }, shadow: {}, gateway: {}, onEvent: () => undefined,
});

async function clientLifecycle(example: unknown, props: unknown): Promise<void> {
  const o = freshen(example);
  const c = device.createDeviceClient(o as device.DeviceClientOptions<unknown>);
  const up = c.connect().catch(typedOnly);
  await settle();
  advance(o, 2000);
  await settle();
  const post = c.postProperties(props as never).catch(typedOnly);
  advance(o, 10_000);
  await settle();
  // Ended before anything is awaited: a connect through a dialer that never opens is retried
  // for ever (fuzz seed 1398852810: `dial: () => undefined`), a hostile requestTimeoutMs
  // (65 536, 2³¹−1) outlasts any advance (seed 1396165100), and a case awaiting what never
  // comes empties the worker's event loop (exit 13). Ending settles what is pending.
  await c.end();
  await up;
  await post;
}

const TOPICS = [
  `/sys/${PK}/${DN}/thing/service/property/set`, `/sys/${PK}/${DN}/thing/service/property/get`, `/sys/${PK}/${DN}/thing/service/svc`,
  `/sys/${PK}/${DN}/thing/event/property/post_reply`, `/sys/${PK}/${DN}/rrpc/request/123`, `/ext/rrpc/1/${PK}/${DN}/user/get`, `/shadow/get/${PK}/${DN}`,
  `/ota/device/upgrade/${PK}/${DN}`, `/sys/${PK}/${DN}/thing/config/push`, `/ext/ntp/${PK}/${DN}/response`, `/sys/${PK}/${DN}/thing/topo/add_reply`,
  `/ext/error/${PK}/${DN}`, `/sys/${PK}/${DN}/thing/disable`, `/sys/${PK}/${DN}/thing/model/down_raw`, `/sys/${PK}/${DN}/thing/sub/register_reply`,
  `/${PK}/${DN}/user/get`, `/sys/${PK}/${DN}/thing/deviceinfo/update_reply`, `/sys/${PK}/${DN}/thing/config/get_reply`, `/sys/${PK}/${DN}/thing/event/alarm/post_reply`,
];

interface Connected {
  readonly client: device.DeviceClient;
  readonly push: (topic: string, payload: Uint8Array) => void;
  readonly clock: ReturnType<typeof manualClock>;
  readonly errors: unknown[];
}
let connected: Promise<Connected> | undefined;
function connectedClient(): Promise<Connected> {
  connected ??= (async () => {
    const clock = manualClock(0);
    const broker = loopbackBroker();
    const errors: unknown[] = [];
    const client = device.createDeviceClient({
      ...identity, deviceSecret: 'secret-1', clock, random: seededRandom(1), dial: broker.dial, endpoint: 'broker', transport: 'tcp', requestTimeoutMs: 5000,
      fetch: async () => { throw new device.DeviceError('offline', 'no downloads in the fuzz run'); },
      ota: { version: '1.0.0' }, shadow: {}, gateway: {},
      onEvent: (e) => {
        if (e.type === 'error') errors.push(e.error);
      },
    });
    client.onPropertySet((p) => p);
    client.onPropertyGet(() => ({}));
    client.onService('svc', (p) => p as never);
    client.onRawDown((bytes) => bytes);
    const up = client.connect();
    await settle();
    await up;
    await client.onRrpc(`/${PK}/${DN}/user/get`, (payload) => payload);
    return { client, push: broker.push, clock, errors };
  })();
  return connected;
}

const downPayload = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  hostileJsonText().map((t) => utf8Encode(t)),
  fc.record({ id: fc.oneof(fc.stringMatching(/^[0-9]{1,6}$/), fc.jsonValue()), version: fc.constant('1.0'), method: fc.constantFrom('thing.service.property.set', 'thing.service.svc', 'x'), params: fc.jsonValue(), code: fc.jsonValue(), data: fc.jsonValue(), deviceSendTime: fc.jsonValue(), serverRecvTime: fc.jsonValue(), serverSendTime: fc.jsonValue() }, { requiredKeys: [] })
    .map((r) => utf8Encode(JSON.stringify(r))),
);

/** One downlink message while a request may wait; every error the client reports must be typed. */
async function downlink(topic: unknown, payload: unknown, request: unknown): Promise<void> {
  const c = await connectedClient();
  const waiting = request === 0 ? c.client.postProperties({ a: 1 }).catch(typedOnly) : request === 1 ? c.client.ntp().catch(typedOnly) : request === 2 ? c.client.shadow.get().catch(typedOnly) : undefined;
  await settle();
  c.push(topic as string, payload as Uint8Array);
  await settle();
  c.clock.advance(6000);
  await settle();
  await waiting;
  for (const e of c.errors.splice(0)) typedOnly(e);
}

// --- the HTTPS and CoAP upstream devices and provisioning: a fetch with hostile answers ----

const answer = data(fc.oneof(hostileJsonText(), fc.constantFrom(
  '{"code":0,"info":{"token":"tok"}}', '{"code":0,"info":{"messageId":12}}', '{"code":20001,"message":"expired"}', '{"code":6,"message":"x"}',
  '{"code":200,"data":{"deviceSecret":"s1","productKey":"pk","deviceName":"dn"}}', '{"code":200,"data":{"iotId":"i","iotToken":"t","resources":{"mqtt":{"host":"h","port":1883}}}}',
)));
/** A fetch whose every answer is `text` (a hostile value as the response itself half the time). */
const fetchAnswering = (text: unknown, raw: unknown): device.FetchLike => async () => (raw !== undefined ? raw as never : { status: 200, text: async () => text as string, arrayBuffer: async () => new ArrayBuffer(0) });
const rawResponse = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileValue() });
const upstreamOptions = (): Record<string, unknown> => ({ ...identity, deviceSecret: 'secret-1', clock: new Fresh(() => manualClock(0)), random: new Fresh(() => seededRandom(1)), baseUrl: 'https://iot.example', signMethod: 'hmacsha1', clientId: 'c1' });
const props = data(fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), fc.jsonValue(), { maxKeys: 3 }));

async function httpsDevice(example: unknown, text: unknown, raw: unknown, p: unknown): Promise<void> {
  const o = freshen(example);
  const opts = typeof o === 'object' && o !== null && !Array.isArray(o) ? { ...o, fetch: fetchAnswering(text, raw) } : o;
  const d = device.createHttpsDevice(opts as device.HttpsDeviceOptions);
  await d.postProperties(p as never).catch(typedOnly);
  await d.publish(`/${PK}/${DN}/user/update`, 'x').catch(typedOnly);
  void d.token;
}

async function coapDevice(example: unknown, reply: unknown, p: unknown): Promise<void> {
  const o = freshen(example);
  const clock = manualClock(0);
  let endpoint: coap.CoapEndpoint | undefined;
  const opts = typeof o === 'object' && o !== null && !Array.isArray(o) ? {
    ...o,
    endpoint: (endpoint = coap.createCoapEndpoint({
      clock, random: seededRandom(2), onError: () => undefined,
      // The server answers every request at once with the drawn datagram (its message id and token made to match when it decodes).
      send: (bytes: Uint8Array, peer: string) => {
        queueMicrotask(() => {
          let m: coap.CoapMessage;
          try {
            m = coap.decodeCoap(bytes);
          } catch {
            return;
          }
          const r = reply instanceof Uint8Array ? reply : coap.encodeCoap({ type: 'ACK', code: coap.CoapCode.Content, messageId: m.messageId, token: m.token, payload: typeof reply === 'string' ? reply : '{}' });
          const fixed = r.length >= 4 ? Uint8Array.from(r) : r;
          if (fixed.length >= 4) { fixed[2] = m.messageId >> 8; fixed[3] = m.messageId & 0xff; }
          endpoint?.receive(fixed, peer);
        });
      },
    })),
  } : o;
  const d = device.createCoapDevice(opts as device.CoapDeviceOptions);
  const sent = d.postProperties(p as never).catch(typedOnly);
  await settle();
  clock.advance(300_000);
  await settle();
  await sent;
  endpoint?.close();
}

const registration = { ...identity, productSecret: 'ps-1', random: new Fresh(() => seededRandom(3)), baseUrl: 'https://iot.example', regionId: 'cn-shanghai', signMethod: 'hmacsha256' };

async function registerOverMqtt(example: unknown, topic: unknown, payload: unknown): Promise<void> {
  const o = freshen(example);
  const clock = manualClock(0);
  const broker = loopbackBroker({ onPublish: () => undefined });
  const opts = typeof o === 'object' && o !== null && !Array.isArray(o) ? { clock, dial: broker.dial, ...o } : o;
  const reply = device.registerDeviceOverMqtt(opts as device.MqttRegistrationOptions<unknown>).then(() => undefined, typedOnly);
  await settle();
  if (typeof topic === 'string' && payload instanceof Uint8Array) broker.push(topic, payload);
  await settle();
  // Up to the largest timeoutMs the options allow (2³¹−1), in doubling steps with the broker's
  // answers in between: a hostile timeout must still end the case (fuzz seed 1396165100).
  let done = false;
  void reply.finally(() => (done = true));
  for (let step = 20_000; !done && step < 2 ** 33; step *= 2) {
    clock.advance(step);
    await settle();
  }
  await reply;
}

export const entries: FuzzEntry[] = [
  entry('device.createReplyWaiter', async (o: unknown, topic: unknown, id: unknown, reply: unknown) => {
    const w = device.createReplyWaiter<unknown>(o as device.ReplyWaiterOptions);
    const waiting = w.expect(topic as string, id as string).catch((e: unknown) => {
      if (!(e instanceof device.DeviceError)) throw e;
    });
    w.settle(topic as string, id as string, reply);
    void w.pending;
    advance(o, 20_000);
    w.cancelAll(hostileValue as never);
    await waiting;
  }, [variant({ clock: manualClock(0), timeoutMs: 5000, maxPending: 4 }), data(fc.constantFrom('/sys/pk/dn/thing/event/property/post_reply', '')), data(fc.constantFrom('1', '')), hostileValue()]),
  // The default CONNECT signer: the hash package's typed errors, through a promise.
  entry('device.hashPackageHmac', async (algorithm: unknown, secret: unknown, content: unknown) => {
    await device.hashPackageHmac(algorithm as 'sha256', secret as string, content as string);
  }, [data(fc.constantFrom('md5', 'sha1', 'sha256', 'sha512', '')), data(fc.string({ maxLength: 20 })), hostileValue()]),
  entry('device.createDeviceClient', clientLifecycle, [variant(clientOptions()), props]),
  entry('device.createDeviceClient downlink', downlink, [fc.constantFrom(...TOPICS), downPayload, fc.nat(4)]),
  entry('device.thingFilters', device.thingFilters, [data(fc.constantFrom(PK, 'a/b', '+', '')), data(fc.constantFrom(DN, '#', ''))]),
  entry('device.createHttpsDevice', httpsDevice, [variant(upstreamOptions()), answer, rawResponse, props]),
  entry('device.createCoapDevice', coapDevice, [variant({ ...upstreamOptions(), peer: '127.0.0.1:5682', mode: 'aes', signMethod: 'hmacsha256' }), data(fc.oneof(fc.uint8Array({ maxLength: 40 }), answer)), props]),
  entry('device.registerDevice', (example: unknown, text: unknown, raw: unknown) => device.registerDevice(((o) => typeof o === 'object' && o !== null && !Array.isArray(o) ? { ...o, fetch: fetchAnswering(text, raw) } : o)(freshen(example)) as device.HttpsRegistrationOptions).catch(typedOnly), [variant(registration), answer, rawResponse]),
  entry('device.storedSecret', (load: unknown, saved: unknown, registered: unknown) => device.storedSecret(
    { load: () => load as string, save: (s) => void (saved as (x: string) => void)?.(s) } as device.SecretStore,
    typeof registered === 'function' ? registered as () => Promise<string> : async () => registered as string,
  ).catch(typedOnly), [data(fc.constantFrom(undefined, '', 'known')), fc.constantFrom(undefined, () => undefined), data(fc.constantFrom('fresh', ''))]),
  entry('device.storedSecret store', (store: unknown, register: unknown) => device.storedSecret(store as device.SecretStore, register as () => Promise<string>).catch(typedOnly), [hostileValue(), hostileValue()]),
  entry('device.registerDeviceOverMqtt', registerOverMqtt, [variant({ ...identity, productSecret: 'ps-1', random: new Fresh(() => seededRandom(4)), endpoint: 'broker', transport: 'tcp', mode: 'register', signMethod: 'hmacsha256', instanceId: 'iot-1', timeoutMs: 10_000 }),
    data(fc.constantFrom('/ext/register', '/ext/regnwl', '/x')), data(fc.oneof(hostileJsonText(), fc.constantFrom('{"productKey":"pk","deviceName":"dn","deviceSecret":"s"}', '{"productKey":"pk","deviceName":"dn","clientId":"c","deviceToken":"t"}')).map((t) => utf8Encode(t)))]),
  entry('device.connwlCredentials', (r: unknown) => device.connwlCredentials(r as never)(), [variant({ mode: 'regnwl', productKey: PK, deviceName: DN, clientId: 'c1', deviceToken: 'tok' })]),
  entry('device.tokenCredentials', (example: unknown, text: unknown, raw: unknown, attempt: unknown) => {
    const o = freshen(example);
    const opts = typeof o === 'object' && o !== null && !Array.isArray(o) ? { ...o, fetch: fetchAnswering(text, raw) } : o;
    return device.tokenCredentials(opts as device.TokenCredentialsOptions)(attempt as number).catch(typedOnly);
  }, [variant(upstreamOptions()), answer, rawResponse, data(fc.nat(3))]),
];
