/**
 * Every public function of @linkwire/emulator under hostile data and hostile options (see
 * test/support/fuzz). The pure parts (topic access, identities, replies) take hostile data; the
 * factories take hostile options, which must be refused before any socket opens, and when they
 * start they are closed again at once (few cases: each binds real loopback sockets).
 */
import { encodePacket } from '@linkwire/mqtt';
import { hostileValue } from '@linkwire/base/testing';
import * as emulator from '@linkwire/emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { data, entry, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';

const PK = 'a1FuzzPk001';
const DN = 'fuzz-1';
const topic = data(fc.oneof(
  fc.constantFrom(`/sys/${PK}/${DN}/thing/event/property/post`, `/${PK}/${DN}/user/get`, `/shadow/update/${PK}/${DN}`, `/ota/device/inform/${PK}/${DN}`, '/ext/ntp/pk/dn/request', '#', '/sys/+/+/thing/#', ''),
  fc.string({ maxLength: 40 }),
));
const principal = fc.oneof(fc.constant({ key: `${PK}&${DN}`, actsFor: () => false, manages: () => true }), variant({ key: `${PK}&${DN}`, actsFor: () => true, manages: () => false }));
const hooks = {
  authenticate: () => ({ ok: true, key: `${PK}&${DN}`, productKey: PK, deviceName: DN, clientId: 'c' }), principal: (key: string) => ({ key, actsFor: () => false, manages: () => false }),
  authorizePublish: () => 'allow', onMessage: () => undefined, onEvent: () => undefined, now: () => 0,
};
const packets = data(fc.constantFrom(
  encodePacket({ type: 'connect', clientId: 'c', keepalive: 60, cleanSession: true, username: 'u', password: new Uint8Array(1) }),
  encodePacket({ type: 'publish', topic: `/sys/${PK}/${DN}/thing/event/property/post`, payload: new Uint8Array(3), qos: 1, messageId: 1, retain: false, dup: false }),
  encodePacket({ type: 'subscribe', messageId: 2, subscriptions: [{ topic: `/sys/${PK}/${DN}/#`, qos: 1 }] }),
  new Uint8Array([0x10, 0xff, 0xff, 0xff, 0xff]), new Uint8Array([0xe0, 0]),
));
const device = { productKey: PK, deviceName: DN, deviceSecret: 'secret-1' };

/** Starts whatever the options allow and closes it again; a refusal must be typed. */
const startAndClose = (start: (o: never) => Promise<{ close(): Promise<void> | void }>) => async (o: unknown): Promise<void> => {
  const started = await start(o as never);
  await started.close();
};

/** One record's life in a store: put, get, list, delete, with hostile collection, key and value. */
async function storeRoundTrip(store: emulator.PlatformStore, collection: unknown, key: unknown, value: unknown): Promise<void> {
  try {
    await store.put(collection as string, key as string, value as never);
    await store.get(collection as string, key as string);
    await store.list(collection as string);
    await store.delete(collection as string, key as string);
  } finally {
    await store.close();
  }
}
const storeArgs = [
  data(fc.oneof(fc.constantFrom('devices', 'shadows', 'ota-jobs', 'Devices', '', '../x'), fc.string({ maxLength: 40 }))),
  data(fc.oneof(fc.constantFrom(`${PK}&${DN}`, '', '.', '..', 'a/b', 'x'.repeat(200), '\u0000'), fc.string({ maxLength: 40 }))),
  fc.oneof(data(fc.jsonValue({ maxDepth: 3 })), hostileValue()),
] as const;

export const entries: FuzzEntry[] = [
  entry('emulator.checkStoreKey', emulator.checkStoreKey, [storeArgs[0], storeArgs[1]]),
  entry('emulator.memoryStore', (c: unknown, k: unknown, v: unknown) => storeRoundTrip(emulator.memoryStore(), c, k, v), [...storeArgs]),
  entry('emulator.directoryStore', async (c: unknown, k: unknown, v: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-fuzz-store-'));
    try {
      await storeRoundTrip(emulator.directoryStore(dir), c, k, v);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, [...storeArgs], true),
  entry('emulator.ownerOf', emulator.ownerOf, [topic]),
  entry('emulator.topicAccess', emulator.topicAccess, [topic]),
  entry('emulator.canPublish', emulator.canPublish, [principal, topic]),
  entry('emulator.subscriptionOwner', emulator.subscriptionOwner, [principal, topic]),
  entry('emulator.identityProblem', emulator.identityProblem, [data(fc.constantFrom(PK, 'a b', '')), data(fc.constantFrom(DN, '#', ''))]),
  entry('emulator.createDeviceRegistry', (devices: unknown, pk: unknown, dn: unknown) => {
    const r = emulator.createDeviceRegistry(devices as never);
    r.get(pk as string, dn as string);
  }, [fc.oneof(data(fc.constant([device])), fc.array(variant(device), { maxLength: 3 })), data(fc.constant(PK)), data(fc.constant(DN))]),
  entry('emulator.propertyPostReply', emulator.propertyPostReply, [data(fc.oneof(fc.constantFrom('{"id":"1","version":"1.0","params":{"a":1},"method":"thing.event.property.post"}', '{}', '[').map((t) => new TextEncoder().encode(t)), fc.uint8Array({ maxLength: 40 })))]),
  entry('emulator.createBroker', (h: unknown, limits: unknown, a: unknown, b: unknown) => {
    const broker = emulator.createBroker(h as emulator.BrokerHooks, limits as emulator.BrokerLimits);
    try {
      const conn = broker.accept({ transport: 'tcp', write: () => undefined, close: () => undefined });
      conn.receive(a as Uint8Array);
      conn.receive(b as Uint8Array);
      conn.ended();
      broker.deliver(`/sys/${PK}/${DN}/thing/service/property/set`, new Uint8Array(2), 1);
    } finally {
      broker.close();
    }
  }, [fc.oneof(fc.constant(hooks), variant(hooks)), fc.oneof(fc.constant(undefined), variant({ maxPacketSize: 4096, connectTimeoutSeconds: 10, maxQueuedPerDevice: 10, maxSubscriptionsPerDevice: 10, maxPendingConnections: 10 })), packets, packets]),
  entry('emulator.createFaults', (spec: unknown, request: unknown) => {
    const t = emulator.createFaults();
    const f = t.add(spec as emulator.FaultSpec);
    t.match(request as emulator.FaultRequest);
    t.list();
    f.remove();
    t.clear();
  }, [
    fc.oneof(hostileValue(), variant({ productKey: PK, deviceName: DN, method: 'thing.event.property.post', topic: '/sys/+/+/thing/#', reply: { code: 429, message: 'm', data: { a: 1 }, topic: `/sys/${PK}/${DN}/thing/event/property/post_reply`, delayMs: 10 }, times: 2 }), variant({ productKey: PK, reply: 'silent' })),
    fc.oneof(hostileValue(), variant({ productKey: PK, deviceName: DN, topic: `/sys/${PK}/${DN}/thing/event/property/post`, method: 'thing.event.property.post' })),
  ]),
  entry('emulator.createHttpAuthHandler', (deps: unknown) => emulator.createHttpAuthHandler(deps as emulator.HttpAuthDeps), [hostileValue()]),
  entry('emulator.generateCertificates', emulator.generateCertificates, [fc.oneof(hostileValue(), variant({ hosts: ['127.0.0.1', 'localhost'], days: 2 }))], true),
  entry('emulator.startEmulator', startAndClose(emulator.startEmulator), [variant({ devices: [device], products: [{ productKey: PK, productSecret: 'ps', registerUnknownDevices: true, tsl: { properties: [{ identifier: 'Power', accessMode: 'rw', dataType: { type: 'int' } }] } }], host: '127.0.0.1', port: 0, websocket: true, http: true, coap: 'aes', timestampWindowMs: 60_000, requireTimestamp: false, limits: { maxPacketSize: 4096 }, onEvent: () => undefined, now: () => 1_700_000_000_000 })], true),
  entry('emulator.startEnosPlatform', startAndClose(emulator.startEnosPlatform), [variant({ devices: [{ productKey: 'pk', deviceKey: 'dk', deviceSecret: 's' }], host: '127.0.0.1', port: 0, websocket: false, http: true, tokenTtlSeconds: 60, now: () => 1_700_000_000_000 })], true),
  entry('emulator.startEdgeGateway', startAndClose(emulator.startEdgeGateway), [variant({ host: '127.0.0.1', apiPort: 0, driverPort: 0, gateway: { productKey: PK, deviceName: 'gw', deviceSecret: 's' }, drivers: [], replyTimeoutMs: 1000, heartbeatMs: 5000 })], true),
];
