/**
 * The edge gateway as a gateway device of the cloud: an aedes broker plays the platform and
 * checks what the gateway sends with the platform-side verifiers of @linkwire/sign (CONNECT,
 * topo/add entries, combine/login), and a driver's property post reaches the cloud on the
 * sub-device's own topic (aliyun-iot-platform-device-guide.txt §9.3, §9.4; edge guide §1).
 * Also: the Watch stream through a TCP proxy that cuts the connection mid-stream.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aedes, type AuthenticateError } from 'aedes';
import { decodeRequest } from '@linkwire/alink';
import { RESULT_SUCCESS, connectDriver, createEdgeHttpClient, type DriverRuntime, type EdgeFetch, type WatchItem } from '@linkwire/edge';
import { startEdgeGateway, type EdgeGateway } from '@linkwire/emulator';
import { nodeClock, nodeDialer, nodeRandom } from '@linkwire/node';
import { webDialer } from '@linkwire/web';
import WebSocket from 'ws';
import mqtt from 'mqtt';
import { mqttCredentials } from '@linkwire/sign';
import { verifyCombineLogin, verifyMqttCredentials, verifyTopoAddEntry } from '@linkwire/sign';
import { LIGHT_PK, driverConfig, lightTsl } from '../../packages/edge/test/fixtures.ts';
import { until } from '../support/until.ts';

const GATEWAY = { productKey: 'a1EdgeGw002', deviceName: 'edge-gateway-2', deviceSecret: 'gateway-secret-2' };
const SUB_SECRETS: Record<string, string> = { LightDev1: 'sub-secret-1', LightDev2: 'sub-secret-2' };
const secretOf = (pk: string, dn: string): string | undefined => (pk === GATEWAY.productKey && dn === GATEWAY.deviceName ? GATEWAY.deviceSecret : pk === LIGHT_PK ? SUB_SECRETS[dn] : undefined);

let cloud: Aedes;
let cloudServer: net.Server;
let gw: EdgeGateway;
let driver: DriverRuntime;
const received: { topic: string; params: unknown }[] = [];

beforeAll(async () => {
  cloud = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const v = verifyMqttCredentials(client.id, username ?? '', password?.toString() ?? '', secretOf);
      if (!v.ok) return done(Object.assign(new Error(v.reason), { returnCode: 4 }) as AuthenticateError, null);
      done(null, true);
    },
  });
  cloud.on('publish', (packet, client) => {
    if (client === null || client === undefined) return;
    try {
      received.push({ topic: packet.topic, params: decodeRequest(new Uint8Array(packet.payload as Buffer)).params });
    } catch {
      received.push({ topic: packet.topic, params: undefined });
    }
  });
  cloudServer = net.createServer((s) => cloud.handle(s));
  await new Promise<void>((r) => cloudServer.listen(0, '127.0.0.1', () => r()));
  gw = await startEdgeGateway({
    gateway: GATEWAY,
    drivers: [{ driverId: 'light-driver', driverSecret: 'driver-secret-1', config: driverConfig(['LightDev1', 'LightDev2']) }],
    tsl: { [LIGHT_PK]: lightTsl },
    heartbeatMs: 100,
    upstream: { host: '127.0.0.1', port: (cloudServer.address() as net.AddressInfo).port, deviceSecret: secretOf },
    routes: [{ topicFilter: `/${GATEWAY.productKey}/${GATEWAY.deviceName}/user/#`, target: 'cloud' }],
  });
  driver = await connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'light-driver', driverSecret: 'driver-secret-1', gateway: GATEWAY });
});

afterAll(async () => {
  await driver?.destroy();
  await gw?.close();
  cloudServer?.close();
  await new Promise<void>((r) => cloud?.close(() => r()));
});

describe('the gateway forwards its drivers\' devices to the cloud', () => {
  it('registers, logs in (signed with each sub-device\'s secret) and forwards the property post', async () => {
    const callbacks = { setProperties: () => ({ code: RESULT_SUCCESS }), getProperties: () => ({ code: RESULT_SUCCESS }), callService: () => ({ code: RESULT_SUCCESS }) };
    const client = driver.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'LightDev1' }, callbacks);
    await client.registerAndOnline();
    await client.reportProperties({ temperature: 41 });
    const postTopic = `/sys/${LIGHT_PK}/LightDev1/thing/event/property/post`;
    await until(() => received.some((r) => r.topic === postTopic));
    const topics = received.map((r) => r.topic);
    expect(topics).toEqual([`/sys/${GATEWAY.productKey}/${GATEWAY.deviceName}/thing/topo/add`, `/ext/session/${GATEWAY.productKey}/${GATEWAY.deviceName}/combine/login`, postTopic]);
    const topo = (received[0]!.params as unknown[])[0];
    expect(verifyTopoAddEntry(topo, secretOf).ok).toBe(true);
    expect(verifyCombineLogin(received[1]!.params, secretOf).ok).toBe(true);
    expect(received[2]!.params).toEqual({ temperature: 41 });
    await client.offline();
    await until(() => received.some((r) => r.topic.endsWith('/combine/logout')));
  });

  it('a message published on the gateway and routed to the cloud goes upstream', async () => {
    const topic = `/${GATEWAY.productKey}/${GATEWAY.deviceName}/user/update`;
    await gw.publish(topic, new TextEncoder().encode('{"id":"9","params":{}}'));
    await gw.publish('/not/routed', new TextEncoder().encode('{}'));
    await until(() => received.some((r) => r.topic === topic));
    expect(received.some((r) => r.topic === '/not/routed')).toBe(false);
  });
});

/** A TCP proxy on 127.0.0.1 that can cut every connection through it. */
async function cuttingProxy(target: number): Promise<{ port: number; cut(): void; close(): void }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [inbound, outbound];
    pairs.add(pair);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = (): void => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const cut = (): void => {
    for (const [a, b] of pairs) {
      a.resetAndDestroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut,
    close() {
      cut();
      server.close();
    },
  };
}

describe('Watch over a real connection cut mid-stream', () => {
  it('reconnects through the cut, reports the gap, and keeps delivering in order', async () => {
    const callbacks = { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0 }), callService: () => ({ code: 0 }) };
    const client = driver.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'LightDev2' }, callbacks);
    await client.registerAndOnline();
    const proxy = await cuttingProxy(gw.apiPort);
    try {
      const api = createEdgeHttpClient({ baseUrl: `http://127.0.0.1:${proxy.port}`, fetch: fetch as unknown as EdgeFetch, username: 'admin', password: 'admin1234' });
      const sub = api.watch([{ productKey: LIGHT_PK, deviceName: 'LightDev2', watches: 'properties' }], { clock: nodeClock, minDelayMs: 5, maxDelayMs: 20, idleTimeoutMs: 2000 });
      const items: WatchItem[] = [];
      let beats = 0;
      const done = (async () => {
        for await (const item of sub) {
          if (item.kind === 'heartbeat') beats++;
          else items.push(item);
          if (items.filter((i) => i.kind === 'event').length === 2) break;
        }
      })();
      // A heartbeat (every 100 ms) shows the stream is open: report, cut, and report again once
      // the next heartbeat shows the watcher is back (a report during the gap may be lost; the gap says so).
      await until(() => beats > 0, 5000);
      await client.reportProperties({ temperature: 30 });
      await until(() => items.length === 1, 5000);
      proxy.cut();
      await until(() => items.some((i) => i.kind === 'gap'), 5000);
      const seen = beats;
      await until(() => beats > seen, 5000);
      await client.reportProperties({ temperature: 31 });
      await done;
      expect(items.map((i) => (i.kind === 'event' ? ((i.args!['temperature'] as { value: number }).value) : i.kind))).toEqual([30, 'gap', 31]);
    } finally {
      proxy.close();
    }
  });
});

describe('a driver survives a gateway restart', () => {
  it('dials again, registers and brings its devices back online on the new gateway', async () => {
    const options = { gateway: { productKey: 'a1EdgeGw003', deviceName: 'edge-gateway-3' }, drivers: [{ driverId: 'light-driver', driverSecret: 'driver-secret-1', config: driverConfig(['LightDev1']) }] };
    let first = await startEdgeGateway(options);
    const port = first.driverPort;
    let back = 0;
    const d = await connectDriver({ dial: nodeDialer, endpoint: { host: first.host, port: port }, clock: nodeClock, random: nodeRandom, driverId: 'light-driver', driverSecret: 'driver-secret-1', gateway: options.gateway, reconnect: { minDelayMs: 20, maxDelayMs: 100 }, onReconnect: () => back++ });
    try {
      await d.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'LightDev1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0, params: { temperature: 5 } }), callService: () => ({ code: 0 }) }).registerAndOnline();
      await first.close();
      first = await startEdgeGateway({ ...options, driverPort: port });
      await until(() => back === 1, 5000);
      expect(first.hub.backend.listThings()[0]).toMatchObject({ DeviceName: 'LightDev1', Status: 'Online' });
      expect(await first.hub.backend.getProperties(LIGHT_PK, 'LightDev1', ['temperature'])).toEqual({ temperature: 5 });
    } finally {
      await d.destroy();
      await first.close();
    }
  });
});

describe('a driver over WebSocket (the web adapter\'s dialer)', () => {
  it('signs in, registers its device and answers the HTTP API', async () => {
    const options = { gateway: { productKey: 'a1EdgeGw004', deviceName: 'edge-gateway-4' }, websocket: true, drivers: [{ driverId: 'web-driver', driverSecret: 'driver-secret-4', config: driverConfig(['LightDev1']) }] };
    const g = await startEdgeGateway(options);
    const endpoint = { url: `ws://${g.host}:${g.driverWsPort}`, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket };
    const d = await connectDriver({ dial: webDialer, endpoint, clock: nodeClock, random: nodeRandom, driverId: 'web-driver', driverSecret: 'driver-secret-4', gateway: options.gateway, reconnect: false });
    try {
      await d.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'LightDev1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0, params: { temperature: 9 } }), callService: () => ({ code: 0 }) }).registerAndOnline();
      const api = createEdgeHttpClient({ baseUrl: g.url, fetch: fetch as unknown as EdgeFetch, username: 'admin', password: 'admin1234' });
      expect((await api.getThingProperties(LIGHT_PK, 'LightDev1', ['temperature'])).Properties).toEqual({ temperature: 9 });
    } finally {
      await d.destroy();
      await g.close();
    }
  });
});

describe('the driver listener against an independent MQTT client (MQTT.js)', () => {
  it('signs in, gets PUBACK and Alink replies only for its own devices; a wrong secret gets CONNACK 4', async () => {
    const options = { gateway: { productKey: 'a1EdgeGw005', deviceName: 'edge-gateway-5' }, drivers: [
      { driverId: 'driver-a', driverSecret: 'secret-a', config: driverConfig(['LightDev1']) },
      { driverId: 'driver-b', driverSecret: 'secret-b', config: JSON.stringify({ deviceList: [{ productKey: LIGHT_PK, deviceName: 'OtherDev' }] }) },
    ] };
    const g = await startEdgeGateway(options);
    const creds = (secret: string) => mqttCredentials({ productKey: options.gateway.productKey, deviceName: 'driver-a', deviceSecret: secret, clientId: 'driver-a', secureMode: 3, timestamp: Date.now() });
    try {
      const bad = mqtt.connect({ host: g.host, port: g.driverPort, protocolVersion: 4, reconnectPeriod: 0, ...creds('wrong') });
      const refusal = await new Promise<Error>((resolve) => bad.once('error', resolve));
      expect(refusal.message).toMatch(/Bad username or password/i);
      bad.end(true);

      const c = mqtt.connect({ host: g.host, port: g.driverPort, protocolVersion: 4, reconnectPeriod: 0, ...creds('secret-a') });
      await new Promise<void>((resolve, reject) => c.once('connect', () => resolve()).once('error', reject));
      await c.subscribeAsync('/ext/session/#');
      const replies: Record<string, unknown>[] = [];
      c.on('message', (_t, payload) => replies.push(JSON.parse(payload.toString()) as Record<string, unknown>));
      const session = `/ext/session/${options.gateway.productKey}/${options.gateway.deviceName}`;
      await c.publishAsync(`/sys/${options.gateway.productKey}/${options.gateway.deviceName}/thing/topo/add`, JSON.stringify({ id: '1', version: '1.0', params: [{ productKey: LIGHT_PK, deviceName: 'LightDev1' }], method: 'thing.topo.add' }), { qos: 1 });
      await c.publishAsync(`${session}/combine/login`, JSON.stringify({ id: '2', version: '1.0', params: { productKey: LIGHT_PK, deviceName: 'LightDev1' }, method: 'combine.login' }), { qos: 1 });
      await c.publishAsync(`${session}/combine/login`, JSON.stringify({ id: '3', version: '1.0', params: { productKey: LIGHT_PK, deviceName: 'OtherDev' }, method: 'combine.login' }), { qos: 1 });
      await until(() => replies.length === 2);
      expect(replies).toEqual([
        { id: '2', code: 200, data: { productKey: LIGHT_PK, deviceName: 'LightDev1' } },
        { id: '3', code: 6402, data: {}, message: "a device named is not one of this driver's devices" },
      ]);
      expect(g.hub.backend.listThings().map((t) => [t.DeviceName, t.Status])).toEqual([['LightDev1', 'Online'], ['OtherDev', 'Inactivated']]);
      c.end(true);
    } finally {
      await g.close();
    }
  });
});

describe('the gateway upstream to the emulated cloud (startEmulator)', () => {
  it('topology, sub-device login and a driver\'s property post reach the platform; logout takes the device offline', async () => {
    const { startEmulator } = await import('@linkwire/emulator');
    const gwId = { productKey: 'a1EdgeGw007', deviceName: 'edge-gateway-7', deviceSecret: 'gateway-secret-7' };
    const subs = { LightDev1: 'sub-secret-71', LightDev2: 'sub-secret-72' };
    const cloudSide = await startEmulator({
      devices: [gwId, ...Object.entries(subs).map(([deviceName, deviceSecret]) => ({ productKey: LIGHT_PK, deviceName, deviceSecret }))],
    });
    const secret = (pk: string, dn: string): string | undefined => (pk === gwId.productKey && dn === gwId.deviceName ? gwId.deviceSecret : pk === LIGHT_PK ? subs[dn as keyof typeof subs] : undefined);
    const g = await startEdgeGateway({
      gateway: gwId,
      drivers: [{ driverId: 'light-driver', driverSecret: 'driver-secret-7', config: driverConfig(['LightDev1', 'LightDev2']) }],
      tsl: { [LIGHT_PK]: lightTsl },
      upstream: { host: cloudSide.host, port: cloudSide.port, deviceSecret: secret },
    });
    const d = await connectDriver({ dial: nodeDialer, endpoint: { host: g.host, port: g.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'light-driver', driverSecret: 'driver-secret-7', gateway: gwId });
    try {
      const client = d.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'LightDev2' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0 }), callService: () => ({ code: 0 }) });
      await client.registerAndOnline();
      await client.reportProperties({ temperature: 41 });
      await until(() => cloudSide.device(LIGHT_PK, 'LightDev2')?.properties['temperature']?.value === 41, 5000);
      const status = cloudSide.device(LIGHT_PK, 'LightDev2')!;
      expect(status.online).toBe(true);
      expect(status.gateway).toEqual({ productKey: gwId.productKey, deviceName: gwId.deviceName });
      expect(cloudSide.device(gwId.productKey, gwId.deviceName)!.subDevices).toEqual([{ productKey: LIGHT_PK, deviceName: 'LightDev2' }]);
      await client.offline();
      await until(() => cloudSide.device(LIGHT_PK, 'LightDev2')?.online === false, 5000);
    } finally {
      await d.destroy();
      await g.close();
      await cloudSide.close();
    }
  });
});
