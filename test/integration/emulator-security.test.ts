// Attacks on the emulator with independent clients (MQTT.js, raw TCP, fetch, UDP), signed as
// device A. Each test is a regression test of a defect found in issue 14. Limits are the
// device guide's (aliyun-iot-platform-device-guide.txt §3.1, §2.3, §9.2).
import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { WebSocket } from 'ws';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { mqttCredentials } from '@linkwire/sign';
import { mqttJsDevice, sleep, until } from '../support/mqttjs-device.ts';

const A = { productKey: 'a1SecPk0001', deviceName: 'device-a', deviceSecret: 'secret-a' };
const B = { productKey: 'a1SecPk0002', deviceName: 'device-b', deviceSecret: 'secret-b' };
const product = { productKey: A.productKey, productSecret: 'product-secret-a' };
let platform: Emulator;
let clock = Date.now();
const events: EmulatorEvent[] = [];

beforeAll(async () => {
  platform = await startEmulator({
    devices: [A, B], products: [product], http: true, coap: 'dtls', websocket: true, now: () => clock, onEvent: (e) => events.push(e),
  });
});
afterAll(() => platform.close());

type Device = typeof A;
function creds(d: Device, o: { clientId?: string; timestamp?: number | null; secureMode?: 2 | 3 } = {}) {
  return mqttCredentials({
    ...d, signMethod: 'hmacsha256', secureMode: o.secureMode ?? 3, ...(o.clientId === undefined ? {} : { clientId: o.clientId }),
    ...(o.timestamp === null ? {} : { timestamp: o.timestamp ?? clock }),
  });
}

/** Credentials signed by hand, for values the linkwire builder itself refuses. */
function signed(d: Device, clientId: string) {
  const password = createHmac('sha256', d.deviceSecret).update(`clientId${clientId}deviceName${d.deviceName}productKey${d.productKey}timestamp${clock}`).digest('hex');
  return { clientId: `${clientId}|securemode=3,signmethod=hmacsha256,timestamp=${clock}|`, username: `${d.deviceName}&${d.productKey}`, password };
}

/** MQTT.js, an independent client, signed as the given device. */
const client = (c: { clientId: string; username: string; password: string }, extra: IClientOptions = {}) => mqttJsDevice(`mqtt://${platform.host}:${platform.port}`, c, extra);
const end = (m: MqttClient) => m.endAsync(true);

describe('topic ACL: fixed positions and direction', () => {
  it("A cannot reach B's subscriptions by naming itself at other levels, over MQTT or HTTP", async () => {
    const b = await client(creds(B));
    await b.m.subscribeAsync([`/sys/${B.productKey}/${B.deviceName}/#`, `/${B.productKey}/${B.deviceName}/user/#`]);
    for (const topic of [
      `/sys/${B.productKey}/${B.deviceName}/${A.productKey}/${A.deviceName}`,
      `/${B.productKey}/${B.deviceName}/user/${A.productKey}/${A.deviceName}`,
      `/sys/${B.productKey}/${B.deviceName}/thing/service/property/set`,
    ]) {
      const a = await client(creds(A));
      a.m.publish(topic, 'owned', { qos: 1 });
      await until(a.isClosed);
      expect(a.isClosed(), topic).toBe(true);
      expect(events.some((e) => e.type === 'denied' && e.topic === topic)).toBe(true);
    }
    // The same topics over HTTPS /topic with A's token.
    const token = await httpToken(A);
    for (const topic of [`/sys/${B.productKey}/${B.deviceName}/${A.productKey}/${A.deviceName}`, `/${B.productKey}/${B.deviceName}/user/${A.productKey}/${A.deviceName}`]) {
      const res = await fetch(`http://${platform.host}:${platform.httpPort}/topic${topic}`, { method: 'POST', headers: { password: token }, body: 'owned' });
      expect(await res.json()).toMatchObject({ code: 10001 });
    }
    await sleep(100);
    expect(b.messages).toEqual([]);
    await end(b.m);
  });

  it("A cannot publish on its own downstream topics", async () => {
    for (const topic of [
      `/sys/${A.productKey}/${A.deviceName}/thing/service/property/set`,
      `/sys/${A.productKey}/${A.deviceName}/thing/service/Reboot`,
      `/sys/${A.productKey}/${A.deviceName}/rrpc/request/123`,
      `/sys/${A.productKey}/${A.deviceName}/thing/event/property/post_reply`,
      `/shadow/get/${A.productKey}/${A.deviceName}`,
      `/ota/device/upgrade/${A.productKey}/${A.deviceName}`,
    ]) {
      const a = await client(creds(A));
      a.m.publish(topic, '{}', { qos: 1 });
      await until(a.isClosed);
      expect(a.isClosed(), topic).toBe(true);
    }
  });

  it("A's subscriptions are refused outside its own downstream topics", async () => {
    const a = await client(creds(A));
    // MQTT.js rejects when any filter is refused; the SUBACK it carries has every code.
    const suback = await a.m.subscribeAsync(Object.fromEntries([
      '#', `/sys/${B.productKey}/${B.deviceName}/#`, `/sys/+/${A.deviceName}/#`, `/sys/${A.productKey}/+/thing/service/+`,
      `/${B.productKey}/${B.deviceName}/user/${A.productKey}/${A.deviceName}`, `/sys/${A.productKey}/${A.deviceName}/thing/event/property/post`,
      `/sys/${A.productKey}/${A.deviceName}/thing/service/+`, `/shadow/get/${A.productKey}/${A.deviceName}`,
    ].map((topic) => [topic, { qos: 1 as const }]))).then(() => undefined, (e: { packet?: { granted?: number[] } }) => e.packet);
    expect(suback?.granted).toEqual([128, 128, 128, 128, 128, 128, 1, 1]);
    await end(a.m);
  });
});

describe('identity: the session belongs to the device that signed', () => {
  it("A presenting B's clientId neither displaces B nor receives B's queued QoS 1 message", async () => {
    const shared = 'shared-client-id';
    const topic = `/${B.productKey}/${B.deviceName}/user/get`;
    const b = await client(creds(B, { clientId: shared }), { clean: false });
    await b.m.subscribeAsync(topic, { qos: 1 });
    const a = await client(creds(A, { clientId: shared }));
    expect(a.error).toBeUndefined();
    await sleep(100);
    expect(b.isClosed()).toBe(false);
    await end(b.m);
    expect(platform.publish(topic, 'for B only')).toBe(1); // queued in B's session
    const a2 = await client(creds(A, { clientId: shared }), { clean: false });
    await sleep(200);
    expect(a2.messages).toEqual([]);
    const b2 = await client(creds(B, { clientId: shared }), { clean: false });
    await until(() => b2.messages.length > 0);
    expect(b2.messages).toEqual([{ topic, payload: 'for B only', qos: 1 }]);
    await Promise.all([end(a.m), end(a2.m), end(b2.m)]);
  });

  it('a second connection of the same device closes the older one (seed §3.1)', async () => {
    const first = await client(creds(A, { clientId: 'one' }));
    const second = await client(creds(A, { clientId: 'two' }));
    await until(first.isClosed);
    expect(first.isClosed()).toBe(true);
    expect(second.isClosed()).toBe(false);
    await end(second.m);
  });
});

describe('CONNECT refusals, as the platform refuses', () => {
  const refused = async (c: { clientId: string; username: string; password: string }, extra: IClientOptions = {}) => {
    const r = await client(c, extra);
    await end(r.m);
    return (r.error as { code?: number } | undefined)?.code;
  };

  it('keepalive outside 30-1200 s, clientId over 64 characters: CONNACK 2', async () => {
    expect(await refused(creds(A), { keepalive: 29 })).toBe(2);
    expect(await refused(creds(A), { keepalive: 1201 })).toBe(2);
    expect(await refused(creds(A), { keepalive: 0 })).toBe(2);
    expect(await refused(creds(A), { keepalive: 30 })).toBeUndefined();
    expect(await refused(signed(A, 'c'.repeat(65)))).toBe(2);
    expect(await refused(creds(A, { clientId: 'c'.repeat(64) }))).toBeUndefined();
  });

  it('securemode=2 over plain TCP: CONNACK 5', async () => {
    expect(await refused(creds(A, { secureMode: 2 }))).toBe(5);
  });

  it('a timestamp outside the 15-minute window, so a captured CONNECT cannot be replayed: CONNACK 4', async () => {
    const captured = creds(A, { timestamp: clock });
    expect(await refused(captured)).toBeUndefined();
    clock += 16 * 60 * 1000;
    try {
      expect(await refused(captured)).toBe(4);
      expect(await refused(creds(A, { timestamp: clock - 20 * 60 * 1000 }))).toBe(4);
      expect(await refused(creds(A, { timestamp: clock + 20 * 60 * 1000 }))).toBe(4);
    } finally {
      clock = Date.now();
    }
  });
});

describe('dynamic registration never re-issues a secret', () => {
  const register = async (deviceName: string, productSecret = product.productSecret) => {
    const random = 'r4nd0m';
    const sign = createHmac('md5', productSecret).update(`deviceName${deviceName}productKey${product.productKey}random${random}`).digest('hex');
    const body = new URLSearchParams({ productKey: product.productKey, deviceName, random, sign, signMethod: 'hmacmd5' }).toString();
    const res = await fetch(`http://${platform.host}:${platform.httpPort}/auth/register/device`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return (await res.json()) as { code: number; data?: { deviceSecret?: string } };
  };

  it('an existing (connected) device is not taken over; names outside the seed rules are refused', async () => {
    const a = await client(creds(A));
    const r = await register(A.deviceName);
    expect(r.code).not.toBe(200);
    expect(r.data?.deviceSecret).toBeUndefined();
    await sleep(100);
    expect(a.isClosed()).toBe(false);
    for (const name of ['#', 'ab', 'a/b/c/d', 'x'.repeat(33), 'has space']) expect((await register(name)).code, name).not.toBe(200);
    await end(a.m);
  });
});

describe('correctness', () => {
  it('a property post with an SDK-style id is answered 200 with the id echoed', async () => {
    const a = await client(creds(A));
    const t = `/sys/${A.productKey}/${A.deviceName}/thing/event/property/post`;
    await a.m.subscribeAsync(`${t}_reply`, { qos: 1 });
    const id = `1|exp-topic|${t}`;
    a.m.publish(t, JSON.stringify({ id, version: '1.0', params: { t: 1 }, method: 'thing.event.property.post' }), { qos: 1 });
    await until(() => a.messages.length > 0);
    expect(JSON.parse(a.messages[0]!.payload)).toEqual({ id, code: 200, data: {} });
    a.m.publish(t, JSON.stringify({ id: 'x'.repeat(257), params: {}, method: 'thing.event.property.post' }), { qos: 1 });
    await until(() => a.messages.length > 1);
    expect(JSON.parse(a.messages[1]!.payload)).toMatchObject({ code: 460 });
    await end(a.m);
  });

  it('a PUBLISH right behind a SUBSCRIBE (clean session false) is answered, at the subscription QoS', async () => {
    // Both packets in one TCP write: the subscription must exist before the post is answered.
    const c = creds(A);
    const t = `/sys/${A.productKey}/${A.deviceName}/thing/event/property/post`;
    const a = await client(c, { clean: false });
    a.m.subscribe(`${t}_reply`, { qos: 1 });
    a.m.publish(t, JSON.stringify({ id: '7', version: '1.0', params: { t: 1 }, method: 'thing.event.property.post' }), { qos: 0 });
    await until(() => a.messages.length > 0);
    expect(a.messages).toEqual([{ topic: `${t}_reply`, payload: '{"id":"7","code":200,"data":{}}', qos: 1 }]);
    await end(a.m);
  });
});

describe('bad input on every listener leaves the others served', () => {
  it('junk MQTT bytes, an oversized packet, junk HTTP, an oversized body and junk CoAP datagrams', async () => {
    const a = await client(creds(A));
    const t = `/sys/${A.productKey}/${A.deviceName}/thing/event/property/post`;
    await a.m.subscribeAsync(`${t}_reply`, { qos: 1 });
    // Raw TCP: junk, then a header announcing a 200 MB packet.
    for (const bytes of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), Buffer.from([0xf0, 0x00])]) {
      const s = net.connect(platform.port, platform.host);
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      s.write(bytes);
      await new Promise((r) => s.once('close', r));
    }
    // HTTP: junk body, oversized body, unknown path.
    const base = `http://${platform.host}:${platform.httpPort}`;
    expect((await fetch(`${base}/auth`, { method: 'POST', body: '\u0000\u0001{{{' })).status).toBe(200);
    expect((await fetch(`${base}/auth`, { method: 'POST', body: 'x'.repeat(200_000) })).status).toBe(413);
    expect((await fetch(`${base}/nope`, { method: 'POST', body: '' })).status).toBe(404);
    // CoAP: junk datagrams.
    const udp = dgram.createSocket('udp4');
    for (const d of [Buffer.from([0xff]), Buffer.from([0x40, 0x01, 0x00]), Buffer.alloc(1500, 0xaa)]) udp.send(d, platform.coapPort!, '127.0.0.1');
    await sleep(100);
    udp.close();
    // WebSocket: a text frame, binary junk, and a handshake without the mqtt subprotocol.
    for (const send of [(w: WebSocket) => w.send('CONNECT please'), (w: WebSocket) => w.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]))]) {
      const w = new WebSocket(`ws://${platform.host}:${platform.wsPort}/mqtt`, 'mqtt');
      await new Promise((r) => w.once('open', r));
      send(w);
      await new Promise((r) => w.once('close', r));
    }
    const noProtocol = new WebSocket(`ws://${platform.host}:${platform.wsPort}/mqtt`, 'chat');
    expect(await new Promise((r) => { noProtocol.once('open', () => r('open')); noProtocol.once('error', () => r('refused')); })).toBe('refused');
    // Still served.
    a.m.publish(t, JSON.stringify({ id: '99', version: '1.0', params: { t: 1 }, method: 'thing.event.property.post' }), { qos: 1 });
    await until(() => a.messages.length > 0);
    expect(JSON.parse(a.messages[0]!.payload)).toMatchObject({ id: '99', code: 200 });
    await end(a.m);
  });
});

async function httpToken(d: Device): Promise<string> {
  const ts = String(clock);
  const sign = createHmac('sha1', d.deviceSecret).update(`clientId${d.deviceName}deviceName${d.deviceName}productKey${d.productKey}timestamp${ts}`).digest('hex');
  const res = await fetch(`http://${platform.host}:${platform.httpPort}/auth`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ productKey: d.productKey, deviceName: d.deviceName, clientId: d.deviceName, timestamp: ts, signmethod: 'hmacsha1', sign, version: 'default' }),
  });
  const r = (await res.json()) as { code: number; info?: { token: string } };
  if (r.code !== 0) throw new Error(`auth failed: ${JSON.stringify(r)}`);
  return r.info!.token;
}
