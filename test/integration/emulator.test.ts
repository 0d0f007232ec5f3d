import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import { utf8Encode } from '@linkwire/base';
import { startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { MqttConnectError, type PublishPacket } from '@linkwire/mqtt';
import { connectMqtt, type NodeMqttConnection } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';
import { runDemo } from '@linkwire/cli';

const device = { productKey: 'a1TestPk001', deviceName: 'sensor-01', deviceSecret: 'test-secret-1' };
const other = { productKey: 'a1TestPk001', deviceName: 'sensor-02', deviceSecret: 'test-secret-2' };

let platform: Emulator;
const events: EmulatorEvent[] = [];

beforeAll(async () => {
  platform = await startEmulator({ devices: [device, other], onEvent: (e) => events.push(e) });
});
afterAll(() => platform.close());

async function connectDevice(secret = device.deviceSecret, method = 'hmacsha256') {
  const messages: PublishPacket[] = [];
  const credentials = mqttCredentials({ ...device, deviceSecret: secret, signMethod: method, secureMode: 3, timestamp: Date.now() });
  const connection = await connectMqtt({ host: platform.host, port: platform.port, keepalive: 60, ackTimeoutMs: 5000, ...credentials, onMessage: (m) => messages.push(m) });
  const reply = async (): Promise<PublishPacket> => {
    for (let i = 0; i < 200 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const m = messages.shift();
    if (m === undefined) throw new Error('no reply within 2 s');
    return m;
  };
  return { connection, reply };
}

describe('emulator over a real TCP socket', () => {
  for (const method of ['hmacmd5', 'hmacsha1', 'hmacsha256']) {
    it(`accepts a correctly signed CONNECT (${method}) and answers a property post with 200`, async () => {
      const { connection, reply } = await connectDevice(device.deviceSecret, method);
      try {
        const replyTopic = propertyPostReplyTopic(device.productKey, device.deviceName);
        expect(await connection.session.subscribe(replyTopic)).toEqual([1]);
        await connection.session.publish(propertyPostTopic(device.productKey, device.deviceName), encodePropertyPost({ id: '42', params: { Temperature: 21.5 } }), { qos: 1 });
        const m = await reply();
        expect(m.topic).toBe(replyTopic);
        expect(decodeReply(m.payload)).toEqual({ id: '42', code: 200, data: {} });
      } finally {
        connection.close();
      }
    });
  }

  it('refuses a wrong secret with CONNACK 4 "bad username or password"', async () => {
    const err = await connectDevice('not-the-secret').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MqttConnectError);
    expect((err as MqttConnectError).returnCode).toBe(4);
    expect((err as Error).message).toMatch(/bad username or password/);
    expect(events.some((e) => e.type === 'refused' && e.reason === 'signature mismatch')).toBe(true);
  });

  it('refuses an unknown device', async () => {
    const creds = mqttCredentials({ productKey: 'a1TestPk001', deviceName: 'nobody', deviceSecret: 'x', secureMode: 3 });
    await expect(connectMqtt({ host: platform.host, port: platform.port, ...creds })).rejects.toThrowError(/bad username or password/);
  });

  it('answers malformed requests with 460 and oversize posts with 6106', async () => {
    const { connection, reply } = await connectDevice();
    try {
      const topic = propertyPostTopic(device.productKey, device.deviceName);
      await connection.session.subscribe(propertyPostReplyTopic(device.productKey, device.deviceName));
      await connection.session.publish(topic, '{"id":"1","params":', { qos: 1 });
      expect(decodeReply((await reply()).payload)).toMatchObject({ id: '1', code: 460, message: 'request parameter error' });
      await connection.session.publish(topic, '{"id":"2","version":"1.0","method":"thing.event.property.get","params":{}}', { qos: 1 });
      expect(decodeReply((await reply()).payload)).toMatchObject({ id: '2', code: 460 });
      const params = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`p${i}`, i]));
      await connection.session.publish(topic, encodePropertyPost({ id: '3', params }), { qos: 1 });
      expect(decodeReply((await reply()).payload)).toMatchObject({ id: '3', code: 6106 });
    } finally {
      connection.close();
    }
  });

  it("keeps a device out of another device's topics", async () => {
    const { connection } = await connectDevice();
    let closed: Error | undefined;
    try {
      expect(await connection.session.subscribe(`/sys/${other.productKey}/${other.deviceName}/thing/event/property/post_reply`)).toEqual([0x80]);
      expect(await connection.session.subscribe('#')).toEqual([0x80]);
    } finally {
      connection.close();
    }
    // Publishing elsewhere is refused by the broker closing the connection.
    const second = await connectMqtt({
      host: platform.host, port: platform.port,
      ...mqttCredentials({ ...device, secureMode: 3 }),
      onClose: (e) => { closed = e; },
    });
    await second.session.publish(`/sys/${other.productKey}/${other.deviceName}/thing/event/property/post`, '{}').catch(() => undefined);
    for (let i = 0; i < 100 && second.session.state !== 'closed'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(second.session.state).toBe('closed');
    expect(closed).toBeDefined();
    expect(events.some((e) => e.type === 'denied' && e.action === 'publish')).toBe(true);
  });

  it('interoperates with a third-party client (MQTT.js) using linkwire credentials', async () => {
    const creds = mqttCredentials({ ...device, signMethod: 'hmacsha1', secureMode: 3, timestamp: Date.now() });
    const client = await mqtt.connectAsync(`mqtt://${platform.host}:${platform.port}`, { clientId: creds.clientId, username: creds.username, password: creds.password, reconnectPeriod: 0, connectTimeout: 5000 });
    try {
      const replyTopic = propertyPostReplyTopic(device.productKey, device.deviceName);
      await client.subscribeAsync(replyTopic);
      const got = new Promise<Buffer>((resolve) => client.once('message', (_t, payload) => resolve(payload)));
      await client.publishAsync(propertyPostTopic(device.productKey, device.deviceName), Buffer.from(encodePropertyPost({ id: '9', params: { a: 1 } })), { qos: 1 });
      expect(decodeReply(new Uint8Array(await got))).toEqual({ id: '9', code: 200, data: {} });
    } finally {
      await client.endAsync();
    }
  });
});

describe('the demo (npm start)', () => {
  it('runs the whole flow and exits 0', async () => {
    const lines: string[] = [];
    expect(await runDemo([], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/connected \(CONNACK 0\)[\s\S]*"code":200[\s\S]*"code":200/);
  });

  it('with a wrong secret prints a clear refusal and exits non-zero', async () => {
    const lines: string[] = [];
    expect(await runDemo(['--device-secret', 'wrong'], (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toMatch(/REFUSED by the platform: connection refused: bad username or password \(CONNACK 4\)/);
  });

  it('npm start itself works from a shell', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['scripts/start.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/done/);
    const bad = spawnSync(process.execPath, ['scripts/start.mjs', '--device-secret', 'nope'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/REFUSED/);
  }, 90_000);
});

void utf8Encode;

describe('device shadow through the emulator (seed §7.2 flow)', () => {
  it('report, application change with control push, device report and clear, get', async () => {
    const { parseShadowMessage, shadowGetTopic, shadowUpdateTopic, encodeShadow } = await import('@linkwire/shadow');
    const { connection, reply } = await connectDevice();
    const update = shadowUpdateTopic(device.productKey, device.deviceName);
    try {
      expect(await connection.session.subscribe(shadowGetTopic(device.productKey, device.deviceName))).toEqual([1]);
      const send = (req: Parameters<typeof encodeShadow>[0]) => connection.session.publish(update, encodeShadow(req), { qos: 1 });

      await send({ method: 'update', state: { reported: { color: 'red' } }, version: 1 });
      expect(parseShadowMessage((await reply()).payload)).toMatchObject({ method: 'reply', payload: { status: 'success', version: 1 } });

      await platform.updateShadow(device.productKey, device.deviceName, { method: 'update', state: { desired: { color: 'green' } }, version: 2 });
      expect(parseShadowMessage((await reply()).payload)).toMatchObject({ method: 'reply', payload: { status: 'success', version: 2 } });
      const control = parseShadowMessage((await reply()).payload);
      expect(control).toMatchObject({ method: 'control', payload: { state: { desired: { color: 'green' }, reported: { color: 'red' } }, version: 2 } });

      await send({ method: 'update', state: { reported: { color: 'green' }, desired: 'null' }, version: 3 });
      expect(parseShadowMessage((await reply()).payload)).toMatchObject({ payload: { status: 'success', version: 3 } });

      await send({ method: 'update', state: { reported: { color: 'blue' } }, version: 3 });
      expect(parseShadowMessage((await reply()).payload)).toMatchObject({ payload: { status: 'error', content: { errorcode: '409' } } });

      await send({ method: 'get' });
      const got = parseShadowMessage((await reply()).payload);
      expect(got).toMatchObject({ method: 'reply', payload: { status: 'success', state: { reported: { color: 'green' } }, version: 3 } });
      expect(platform.shadow(device.productKey, device.deviceName).state).toEqual({ reported: { color: 'green' } });
    } finally {
      connection.close();
    }
  });
});
