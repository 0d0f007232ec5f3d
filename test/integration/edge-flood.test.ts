/**
 * The edge gateway's driver listener under a flood (issue 17's missing test, issue 20's rule that
 * a flooding client is throttled or cut, never the platform): beside a well-behaved driver, one
 * driver floods QoS 1 publishes and never reads what the gateway answers, another posts
 * properties as fast as it can through the real driver SDK. The good driver keeps being served
 * (its reports answered, the HTTP API reaching its device, its posts reaching the cloud), the
 * non-reading flooder is cut, and the fast poster's surplus is dropped upstream, not queued.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_SUCCESS, connectDriver, createEdgeHttpClient, type DriverRuntime, type EdgeFetch, type ThingAccessClient } from '@linkwire/edge';
import { startEdgeGateway, startEmulator, type EdgeGateway, type Emulator } from '@linkwire/emulator';
import { encodePacket } from '@linkwire/mqtt';
import { nodeClock, nodeDialer, nodeRandom } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';
import { LIGHT_PK, lightTsl } from '../../packages/edge/test/fixtures.ts';
import { until } from '../support/until.ts';

const GATEWAY = { productKey: 'a1EdgeGwFld', deviceName: 'edge-gateway-flood', deviceSecret: 'gateway-flood-secret' };
const secrets: Record<string, string> = { GoodLight: 'good-secret', FastLight: 'fast-secret', FloodLight: 'flood-secret' };
const config = (deviceName: string) => ({ deviceList: [{ productKey: LIGHT_PK, deviceName }] });
const ok = () => ({ code: RESULT_SUCCESS });

let cloud: Emulator;
let gw: EdgeGateway;
let good: DriverRuntime;
let fast: DriverRuntime;
let goodLight: ThingAccessClient;
const upstreamErrors: string[] = [];

beforeAll(async () => {
  cloud = await startEmulator({
    devices: [GATEWAY, ...Object.entries(secrets).map(([deviceName, deviceSecret]) => ({ productKey: LIGHT_PK, deviceName, deviceSecret }))],
    products: [{ productKey: LIGHT_PK, tsl: lightTsl }],
  });
  gw = await startEdgeGateway({
    gateway: GATEWAY,
    drivers: [
      { driverId: 'good-driver', driverSecret: 'good-driver-secret', config: config('GoodLight') },
      { driverId: 'fast-driver', driverSecret: 'fast-driver-secret', config: config('FastLight') },
      { driverId: 'flood-driver', driverSecret: 'flood-driver-secret', config: config('FloodLight') },
    ],
    tsl: { [LIGHT_PK]: lightTsl },
    driverStallMs: 1500,
    upstream: { host: cloud.host, port: cloud.port, deviceSecret: (pk, dn) => (pk === GATEWAY.productKey && dn === GATEWAY.deviceName ? GATEWAY.deviceSecret : pk === LIGHT_PK ? secrets[dn] : undefined) },
    onEvent: (e) => void (e.type === 'upstream' && e.error !== undefined && upstreamErrors.push(e.error)),
  });
  const dial = (driverId: string, driverSecret: string) => connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId, driverSecret, gateway: GATEWAY });
  good = await dial('good-driver', 'good-driver-secret');
  fast = await dial('fast-driver', 'fast-driver-secret');
  goodLight = good.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'GoodLight' }, { setProperties: ok, getProperties: (keys) => ({ code: RESULT_SUCCESS, params: Object.fromEntries(keys.map((k) => [k, k === 'temperature' ? 21 : 0])) }), callService: ok });
  await goodLight.registerAndOnline();
  await until(() => cloud.device(LIGHT_PK, 'GoodLight')?.online === true, 5000);
}, 30_000);

afterAll(async () => {
  await good?.destroy();
  await fast?.destroy();
  await gw?.close();
  await cloud?.close();
});

/** A driver that signs in and then floods QoS 1 publishes without ever reading a byte of what comes back. */
function nonReadingFlooder(): Promise<{ sent: number; closedByGateway: boolean }> {
  return new Promise((resolve) => {
    const c = mqttCredentials({ productKey: GATEWAY.productKey, deviceName: 'flood-driver', deviceSecret: 'flood-driver-secret', clientId: 'flood-driver', secureMode: 3, timestamp: Date.now() });
    const socket = net.connect(gw.driverPort, gw.host);
    socket.pause(); // never read: PUBACKs and replies pile up on the gateway's side
    let sent = 0;
    let seq = 0;
    let closedByGateway = false;
    const publish = (n: number) => encodePacket({
      type: 'publish', topic: `/sys/${LIGHT_PK}/FloodLight/thing/event/property/post`, qos: 1, messageId: (n % 65535) + 1, retain: false, dup: false,
      payload: new TextEncoder().encode(JSON.stringify({ id: String(n), version: '1.0', params: { temperature: n % 100, padding: 'x'.repeat(200) }, method: 'thing.event.property.post' })),
    });
    const LIMIT = 64 * 1024 * 1024;
    const pump = () => {
      while (!socket.destroyed && sent < LIMIT) {
        const chunk = Buffer.concat(Array.from({ length: 64 }, () => publish(seq++)));
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (sent >= LIMIT) socket.destroy();
    };
    socket.on('connect', () => {
      socket.write(encodePacket({ type: 'connect', cleanSession: true, keepalive: 60, clientId: c.clientId, username: c.username, password: new TextEncoder().encode(c.password) }));
      // Subscribed to its replies (each post is answered 6401: the device is not online), which it never reads.
      socket.write(encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: '/sys/#', qos: 0 }] }));
      pump();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedByGateway = sent < LIMIT;
      resolve({ sent, closedByGateway });
    });
  });
}

describe('the edge driver listener under a flood', () => {
  it('a driver that floods and never reads is cut; the good driver is served all along', async () => {
    const flood = nonReadingFlooder();
    // While the flood runs, the good driver's reports are answered and the HTTP API reaches its device.
    const api = createEdgeHttpClient({ baseUrl: gw.url, fetch: fetch as unknown as EdgeFetch, username: 'admin', password: 'admin1234' });
    let served = 0;
    let finished = false;
    void flood.then(() => (finished = true));
    while (!finished || served < 5) {
      await goodLight.reportProperties({ temperature: 20 + (served % 10) });
      const props = await api.getThingProperties(LIGHT_PK, 'GoodLight', ['temperature']);
      expect(props.Properties).toMatchObject({ temperature: 21 });
      served++;
    }
    const r = await flood;
    expect(r.closedByGateway).toBe(true);
    expect(served).toBeGreaterThanOrEqual(5);
    // The good driver's connection is still up and its device online in the cloud.
    await goodLight.reportProperties({ temperature: 25 });
    expect(cloud.device(LIGHT_PK, 'GoodLight')?.online).toBe(true);
  }, 120_000);

  it('a driver posting as fast as it can has its surplus dropped upstream; the good driver\'s posts still reach the cloud', async () => {
    const fastLight = fast.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'FastLight' }, { setProperties: ok, getProperties: ok, callService: ok });
    await fastLight.registerAndOnline();
    // 10 rounds of 900 posts in flight at once through the real driver SDK (it holds at most 1000 waiting for replies).
    const burst = (async () => {
      for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 900 }, (_, i) => fastLight.reportProperties({ temperature: i % 100 })));
    })();
    await until(() => upstreamErrors.length > 0, 20_000);
    await goodLight.reportProperties({ temperature: 33 });
    // The good light's post overtakes the fast light's queue: it is in the cloud before that queue drains.
    await until(() => (cloud.device(LIGHT_PK, 'GoodLight')?.properties['temperature']?.value as number | undefined) === 33, 20_000);
    await burst;
    expect(upstreamErrors[0]).toMatch(/^upstream queue full: more than 100 messages of a1ZJTVsqj2y\/FastLight waiting, thing\.event\.property\.post dropped$/);
    expect(upstreamErrors.every((e) => e.includes('FastLight'))).toBe(true);
  }, 120_000);
});
