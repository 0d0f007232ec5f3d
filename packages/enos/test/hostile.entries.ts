/** Every public entry point of @linkwire/enos under hostile data and hostile options (see test/support/fuzz). */
import { manualClock, seededRandom } from '@linkwire/base';
import { hostileValue } from '@linkwire/base/testing';
import * as enos from '@linkwire/enos';
import fc from 'fast-check';
import { data, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { scriptedBroker } from './support/scripted.ts';
import { decoderEntries } from './decoder.entries.ts';

const pk = 'pkFuzz01';
const dk = 'devFuzz01';
const secret = 'fuzz-secret';

/** A fetch that answers with whatever the case drew: a status and a body of any shape. */
const fetchOf = (status: unknown, body: unknown): enos.FetchLike =>
  (async () => ({
    status: typeof status === 'number' ? status : 200,
    ok: status === 200,
    text: async () => (typeof body === 'string' ? body : JSON.stringify(body) ?? ''),
    json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
  })) as unknown as enos.FetchLike;

/**
 * Moves a manual clock 20 s in 5 s steps with the broker's answers in between: past every
 * deadline the options can set (reply and command timeouts, close's flush) and short of the
 * first keepalive ping (30 s or more). Cheap per case: the runner starts many cases at once.
 */
async function moveClock(clock: { advance(ms: number): void }): Promise<void> {
  for (let s = 0; s < 4; s++) {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    clock.advance(5000);
  }
}

/** Only the package's own errors may come out of a client. */
function typedOnly(e: unknown): void {
  if (!(e instanceof enos.EnosError)) throw e;
}

/** Closes a client while its clock moves: close() flushes for up to 2 s of that clock. */
async function closeMoving(client: { close(): Promise<void> }, clock: { advance(ms: number): void }): Promise<void> {
  const closing = client.close().catch(() => undefined);
  await moveClock(clock);
  await closing;
}

const replyBody = fc.oneof(
  fc.constant({ status: 0, data: { accessToken: 'tok', expire: 7200 }, code: 0, msg: 'Success', requestId: 'r' }),
  fc.record({ code: fc.oneof(fc.constant(0), fc.constantFrom(11900, 11902, 11904, 11915, 11810, 11888), fc.integer()), msg: fc.string(), data: fc.anything() }),
  fc.string(),
  fc.anything(),
);

const commandPayload = fc.oneof(
  fc.record({ id: fc.oneof(fc.string(), fc.integer()), version: fc.constant('1.0'), method: fc.constantFrom('thing.service.s', 'thing.service.measurepoint.set', 'x'), params: fc.anything() }).map((o) => JSON.stringify(o)),
  fc.string(),
  fc.uint8Array({ maxLength: 64 }),
);

export const entries: FuzzEntry[] = [
  entry('enos.parseBrokerUrl', (url: unknown, tls: unknown) => enos.parseBrokerUrl(url as string, tls as enos.TlsMaterial), [
    data(fc.constantFrom('tcp://broker:11883', 'ssl://broker', 'ws://127.0.0.1:18885/mqtt', 'wss://[::1]:18885/', 'mqtt://h:0', 'tcp://h:70000')),
    options({ ca: 'ca', key: 'key', cert: 'cert', passphrase: 'p' }),
  ]),

  entry('enos.memorySecretStore', (p: unknown, d: unknown, s: unknown) => {
    const store = enos.memorySecretStore();
    store.save(p as string, d as string, s as string);
    return store.load(p as string, d as string);
  }, [hostileValue(), hostileValue(), hostileValue()]),

  entry('enos.createEnosRestClient', async (o: unknown, params: unknown, status: unknown, body: unknown) => {
    const client = enos.createEnosRestClient({ ...(o as object), clock: manualClock(1_700_000_000_000), fetch: fetchOf(status, body) } as unknown as enos.EnosRestClientOptions);
    try {
      await client.invokeService(params as enos.InvokeServiceParams);
    } catch (e) {
      if (!(e instanceof enos.EnosRestError)) throw e;
    }
  }, [
    variant({ apiGateway: 'https://apim.example', appKey: 'k', appSecret: 's', orgId: 'o' }),
    variant({ productKey: pk, deviceKey: dk, serviceId: 's', inputData: { a: 1 }, pendingTtl: 0, timeout: 30 }, { assetId: 'a1', serviceId: 's', inputData: {}, pendingTtl: 172_800 }),
    fc.constantFrom(200, 401, 500, 'x'),
    replyBody,
  ]),

  entry('enos.SubDeviceInfo', (info: unknown) => {
    const d = new enos.SubDeviceInfo(info as enos.SubDeviceCredential);
    return new enos.DeviceInfo(d as never);
  }, [variant({ productKey: pk, deviceKey: 'sub01', deviceSecret: 's', clientId: 'c', timestamp: 1, cleanSession: true }, { productKey: pk, deviceKey: 'sub02', productSecret: 'ps' })]),

  entry('enos.GatewayClient', async (method: unknown, params: unknown, push: unknown) => {
    const clock = manualClock(1_700_000_000_000);
    const broker = scriptedBroker((p, d) => (p === pk && d === dk ? secret : undefined));
    const gw = new enos.GatewayClient({ brokerUrl: 'tcp://broker.invalid', productKey: pk, deviceKey: dk, deviceSecret: secret, replyTimeout: 2 }, { clock, random: seededRandom(3), dial: broker.dial });
    gw.on('error', () => undefined);
    try {
      const connecting = gw.connect();
      await moveClock(clock);
      await connecting;
      // A platform push of any shape on the gateway's session topics.
      broker.push(`/ext/session/${pk}/${dk}/combine/disable`, push as string);
      const call = (gw.subDeviceManagement as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method as string]!;
      const pending = Promise.resolve().then(() => call.call(gw.subDeviceManagement, params));
      pending.catch(() => undefined);
      await moveClock(clock);
      await pending;
    } catch (e) {
      typedOnly(e);
    } finally {
      await closeMoving(gw, clock);
    }
  }, [
    fc.constantFrom('registerDevice', 'getTopo', 'addTopo', 'deleteTopo', 'loginSubDevice', 'logoutSubDevice', 'batchLoginSubDevice'),
    variant(
      { subDevice: { productKey: pk, deviceKey: 'sub01', deviceSecret: 's' } },
      { subDevices: [{ productKey: pk, deviceKey: 'sub01', deviceSecret: 's' }, { productKey: pk, deviceKey: 'sub02', productSecret: 'ps' }] },
      { subDevices: [{ productKey: pk, deviceKey: 'sub03', deviceName: { defaultValue: 'n' }, timezone: '+08:00' }] },
    ),
    fc.oneof(fc.constant(JSON.stringify({ id: '1', version: '1.0', method: 'combine.disable', params: [{ productKey: pk, deviceKey: 'sub01' }] })), fc.string()),
  ]),

  entry('enos.DeviceClient', async (o: unknown, topic: unknown, payload: unknown, params: unknown) => {
    const clock = manualClock(1_700_000_000_000);
    const broker = scriptedBroker((p, d) => (p === pk && d === dk ? secret : undefined));
    const client = new enos.DeviceClient({ brokerUrl: 'tcp://broker.invalid', productKey: pk, deviceKey: dk, deviceSecret: secret, ...(o as object) } as enos.ClientOptions, { clock, random: seededRandom(7), dial: broker.dial });
    client.on('error', () => undefined);
    const settle = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, typedOnly);
    try {
      await client.deviceCommand.onInvokeService('s', (_req, res) => res.send(200, {}));
      const connecting = client.connect();
      await moveClock(clock);
      await settle(connecting);
      // A command of any shape on a command topic (or any topic): answered or an error event.
      broker.push(topic as string, payload as string | Uint8Array);
      let posted: Promise<unknown> = Promise.resolve();
      try {
        posted = client.deviceData.postMeasurepoint(params as never);
      } catch (e) {
        typedOnly(e);
      }
      posted.catch(() => undefined);
      await moveClock(clock);
      await closeMoving(client, clock);
      // Settled by now: answered, timed out, or rejected by close().
      await settle(posted);
    } catch (e) {
      typedOnly(e);
    } finally {
      await closeMoving(client, clock);
    }
  }, [
    options({ secureMode: 2, replyTimeout: 1, commandTimeout: 1, maxPendingReplies: 2, mqttOptions: { reconnectPeriod: 0, keepAlive: 60, connectionTimeout: 5 } }),
    fc.constantFrom(`/sys/${pk}/${dk}/thing/service/s`, `/sys/${pk}/${dk}/thing/service/measurepoint/set`, `/sys/${pk}/${dk}/thing/measurepoint/post_reply`, '/sys/other/dev/thing/service/s'),
    commandPayload,
    variant({ point: { measurepoints: { temp: 21.5 }, time: 1 } }, { point: { measurepoints: { s: { value: 1, quality: 0 } } }, qos: 1, needReply: false }),
  ]),
  // The long run's EnOS decoder family (downlink payloads into a connected client).
  ...decoderEntries,
];
