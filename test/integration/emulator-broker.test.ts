// The emulator's MQTT broker as the platform runs it (aliyun-iot-platform-device-guide.txt §3.1:
// keepalive, takeover; MQTT 3.1.1 for the rest), driven by MQTT.js and raw bytes.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPacketParser, encodePacket, type MqttPacket, type PublishPacket } from '@linkwire/mqtt';
import { startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { mqttCredentials } from '@linkwire/sign';
import { mqttJsDevice, sleep, until } from '../support/mqttjs-device.ts';

const D = { productKey: 'a1BrkPk0001', deviceName: 'broker-dev-1', deviceSecret: 'broker-secret' };
const E = { productKey: 'a1BrkPk0001', deviceName: 'broker-dev-2', deviceSecret: 'broker-secret-2' };
let platform: Emulator;
let offset = 0;
const events: EmulatorEvent[] = [];

beforeAll(async () => {
  platform = await startEmulator({ devices: [D, E], now: () => Date.now() + offset, limits: { maxQueuedPerDevice: 5 }, onEvent: (e) => events.push(e) });
});
afterAll(() => platform.close());

const url = () => `mqtt://${platform.host}:${platform.port}`;
const creds = (d = D, clientId?: string) => mqttCredentials({ ...d, secureMode: 3, ...(clientId === undefined ? {} : { clientId }) });
const userTopic = `/${D.productKey}/${D.deviceName}/user/get`;

describe('the broker', () => {
  it('ends a connection silent for 1.5 keepalive periods (seed §3.1)', async () => {
    const d = await mqttJsDevice(url(), creds(), { keepalive: 30 });
    // MQTT.js would ping after 30 s; the platform's clock jumps instead.
    offset = 46_000;
    try {
      await until(d.isClosed, 3000);
      expect(d.isClosed()).toBe(true);
      expect(events.some((e) => e.type === 'disconnected' && e.reason === 'keepalive timeout')).toBe(true);
    } finally {
      offset = 0;
      await d.end();
    }
  });

  it('resumes a persistent session with the queued QoS 1 messages in order; the queue is bounded', async () => {
    const first = await mqttJsDevice(url(), creds(), { clean: false });
    await first.m.subscribeAsync(userTopic, { qos: 1 });
    await first.end();
    for (let i = 0; i < 7; i++) platform.publish(userTopic, `m${i}`);
    // Five are held (limits.maxQueuedPerDevice), the rest reported as dropped.
    expect(events.filter((e) => e.type === 'dropped').length).toBe(2);
    const again = await mqttJsDevice(url(), creds(), { clean: false });
    await until(() => again.messages.length >= 5);
    expect(again.messages.map((m) => m.payload)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await again.end();
    // clean session true forgets the session: nothing is queued for it any more.
    const clean = await mqttJsDevice(url(), creds(), { clean: true });
    await clean.end();
    expect(platform.publish(userTopic, 'nobody')).toBe(0);
  });

  it('sends an unacknowledged QoS 1 message again, with DUP, when the session resumes', async () => {
    const raw = async () => {
      const c = creds(E);
      const s = net.connect(platform.port, platform.host);
      const parser = createPacketParser();
      const packets: MqttPacket[] = [];
      s.on('data', (b) => packets.push(...parser.push(new Uint8Array(b))));
      await new Promise((r) => s.once('connect', r));
      s.write(encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: new TextEncoder().encode(c.password), keepalive: 60, cleanSession: false }));
      await until(() => packets.length > 0);
      return { s, packets };
    };
    const topic = `/${E.productKey}/${E.deviceName}/user/get`;
    const one = await raw();
    one.s.write(encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] }));
    await until(() => one.packets.some((p) => p.type === 'suback'));
    platform.publish(topic, 'unacked');
    await until(() => one.packets.some((p) => p.type === 'publish'));
    const firstTry = one.packets.find((p) => p.type === 'publish') as PublishPacket;
    expect(firstTry).toMatchObject({ qos: 1, dup: false });
    one.s.destroy();
    await sleep(50);
    const two = await raw();
    expect(two.packets[0]).toMatchObject({ type: 'connack', sessionPresent: true, returnCode: 0 });
    await until(() => two.packets.some((p) => p.type === 'publish'));
    const again = two.packets.find((p) => p.type === 'publish') as PublishPacket;
    expect(again).toMatchObject({ topic, qos: 1, dup: true });
    expect(new TextDecoder().decode(again.payload)).toBe('unacked');
    two.s.write(encodePacket({ type: 'puback', messageId: again.messageId! }));
    two.s.write(encodePacket({ type: 'disconnect' }));
    two.s.destroy();
  });

  it('refuses QoS 2 publishes and a second CONNECT by closing the connection', async () => {
    const d = await mqttJsDevice(url(), creds());
    d.m.publish(`/${D.productKey}/${D.deviceName}/user/update`, 'x', { qos: 2 });
    await until(d.isClosed);
    expect(d.isClosed()).toBe(true);
    await d.end();

    const c = creds(E);
    const connect = encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: new TextEncoder().encode(c.password), keepalive: 60, cleanSession: true });
    const s = net.connect(platform.port, platform.host);
    const got: Buffer[] = [];
    s.on('data', (b) => got.push(b));
    await new Promise((r) => s.once('connect', r));
    s.write(connect);
    await until(() => got.length > 0);
    expect([...got[0]!]).toEqual([0x20, 0x02, 0x00, 0x00]);
    s.write(connect);
    await new Promise((r) => s.once('close', r));
  });

  it('a device flooding QoS 1 posts leaves the others served', async () => {
    const flooder = await mqttJsDevice(url(), creds());
    const other = await mqttJsDevice(url(), creds(E));
    const post = (d: typeof D, id: string) => JSON.stringify({ id, version: '1.0', params: { t: 1 }, method: 'thing.event.property.post' });
    const t = (d: typeof D) => `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
    await other.m.subscribeAsync(`${t(E)}_reply`, { qos: 1 });
    let stop = false;
    const flood = (async () => {
      for (let i = 0; !stop && i < 200_000; i++) {
        flooder.m.publish(t(D), post(D, String(i)), { qos: 1 });
        if (i % 200 === 0) await sleep(0);
      }
    })();
    await sleep(200);
    const started = Date.now();
    other.m.publish(t(E), post(E, 'served'), { qos: 1 });
    await until(() => other.messages.length > 0, 5000);
    const waited = Date.now() - started;
    stop = true;
    await flood;
    expect(JSON.parse(other.messages[0]!.payload)).toMatchObject({ id: 'served', code: 200 });
    expect(waited).toBeLessThan(5000);
    await Promise.all([flooder.end(), other.end()]);
  });

  it('bounds the connections waiting to authenticate; authenticated ones do not count', async () => {
    const small = await startEmulator({ devices: [D, E], limits: { maxPendingConnections: 3 } });
    const sockets: net.Socket[] = [];
    const open = async () => {
      const s = net.connect(small.port, small.host);
      s.on('error', () => undefined);
      let closed = false;
      s.on('close', () => {
        closed = true;
      });
      await new Promise((r) => s.once('connect', r));
      sockets.push(s);
      return () => closed;
    };
    try {
      const device = await mqttJsDevice(`mqtt://${small.host}:${small.port}`, creds());
      expect(device.error).toBeUndefined();
      const waiting = [await open(), await open(), await open()];
      const fourth = await open();
      await until(fourth);
      expect(fourth()).toBe(true);
      expect(waiting.map((w) => w())).toEqual([false, false, false]);
      // One waiting socket goes away: a new connection is taken again.
      sockets[0]!.destroy();
      await sleep(50);
      const again = await mqttJsDevice(`mqtt://${small.host}:${small.port}`, creds(E));
      expect(again.error).toBeUndefined();
      await Promise.all([device.end(), again.end()]);
    } finally {
      for (const s of sockets) s.destroy();
      await small.close();
    }
  });
});
