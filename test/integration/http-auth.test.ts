import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReply, encodePropertyPost, propertyPostReplyTopic, propertyPostTopic } from '@linkwire/alink';
import { utf8Decode } from '@linkwire/base';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { PublishPacket } from '@linkwire/mqtt';
import { connectMqtt } from '@linkwire/node';
import {
  deviceNameAuthRequest, httpAuthRequest, mqttCredentials, mqttTokenCredentials, parseDeviceNameAuthReply, parseHttpAuthReply,
  parseRegisterDeviceReply, registerDeviceRequest, type HttpRequest,
} from '@linkwire/sign';

const product = { productKey: 'a1HttpPk001', productSecret: 'product-secret-1' };
const device = { productKey: product.productKey, deviceName: 'http-device-1', deviceSecret: 'http-secret-1' };
let platform: Emulator;

beforeAll(async () => {
  // new-device-7 is pre-registered without a secret: dynamic registration issues its secret once.
  platform = await startEmulator({ devices: [device, { productKey: product.productKey, deviceName: 'new-device-7' }], products: [product], http: true });
});
afterAll(() => platform.close());

/** Sends a request built by @linkwire/sign to the emulator instead of the cloud host. */
async function send(r: HttpRequest, extraHeaders: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`http://${platform.host}:${platform.httpPort}${r.path}`, { method: r.method, headers: { ...r.headers, ...extraHeaders }, body: r.body });
  return res.text();
}

async function waitFor<T>(list: T[], n: number): Promise<void> {
  for (let i = 0; i < 200 && list.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('the emulator\'s HTTPS endpoints (served over HTTP on loopback)', () => {
  it('dynamic registration (seed §3.2): a signed request gets a device secret that then connects over MQTT', async () => {
    const reply = parseRegisterDeviceReply(await send(registerDeviceRequest({ ...product, deviceName: 'new-device-7', random: '8Ygb7ULYh53B6OA' })));
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.deviceSecret).toMatch(/^[0-9a-f]{32}$/);
    const c = await connectMqtt({ host: platform.host, port: platform.port, ...mqttCredentials({ productKey: product.productKey, deviceName: 'new-device-7', deviceSecret: reply.deviceSecret, secureMode: 3 }) });
    c.close();
    // Never again: the device is activated, a second registration does not re-issue its secret.
    const again = parseRegisterDeviceReply(await send(registerDeviceRequest({ ...product, deviceName: 'new-device-7', random: 'other-random' })));
    expect(again.ok).toBe(false);
    // Not pre-registered, and the product does not allow registration without pre-registration.
    const unknown = parseRegisterDeviceReply(await send(registerDeviceRequest({ ...product, deviceName: 'never-seen-1', random: 'r1' })));
    expect(unknown.ok).toBe(false);
    const bad = parseRegisterDeviceReply(await send(registerDeviceRequest({ ...product, productSecret: 'wrong', deviceName: 'new-device-8', random: 'abc' })));
    expect(bad.ok).toBe(false);
  });

  it('MQTT over HTTPS auth: /auth/devicename returns iotId/iotToken and the MQTT endpoint; the token connects', async () => {
    const reply = parseDeviceNameAuthReply(await send(deviceNameAuthRequest({ ...device, timestamp: Date.now(), resources: ['mqtt'] })));
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.mqtt).toEqual({ host: platform.host, port: platform.port });
    const messages: PublishPacket[] = [];
    const c = await connectMqtt({ host: platform.host, port: platform.port, ...mqttTokenCredentials({ clientId: 'http-device-1-token', iotId: reply.iotId, iotToken: reply.iotToken }), onMessage: (m) => messages.push(m) });
    try {
      await c.session.subscribe(propertyPostReplyTopic(device.productKey, device.deviceName));
      await c.session.publish(propertyPostTopic(device.productKey, device.deviceName), encodePropertyPost({ id: '5', params: { a: 1 } }), { qos: 1 });
      await waitFor(messages, 1);
      expect(decodeReply(messages[0]!.payload)).toEqual({ id: '5', code: 200, data: {} });
    } finally {
      c.close();
    }
    const wrong = parseDeviceNameAuthReply(await send(deviceNameAuthRequest({ ...device, deviceSecret: 'nope' })));
    expect(wrong).toMatchObject({ ok: false, code: 401 });
    await expect(connectMqtt({ host: platform.host, port: platform.port, clientId: 'x', username: reply.iotId, password: 'forged' })).rejects.toThrowError(/bad username or password/);
  });

  it('HTTP transport (seed §3.4): /auth token, then POST /topic/… reaches an MQTT subscriber', async () => {
    const auth = parseHttpAuthReply(await send(httpAuthRequest({ ...device, timestamp: Date.now() })));
    expect(auth.ok).toBe(true);
    if (!auth.ok) return;
    const messages: PublishPacket[] = [];
    const c = await connectMqtt({ host: platform.host, port: platform.port, ...mqttCredentials({ ...device, secureMode: 3 }), onMessage: (m) => messages.push(m) });
    try {
      const topic = `/${device.productKey}/${device.deviceName}/user/update`;
      await c.session.subscribe(topic);
      const res = JSON.parse(await send({ method: 'POST', host: '', path: `/topic${topic}`, headers: { 'content-type': 'application/octet-stream' }, body: 'hello over https' }, { password: auth.token }));
      expect(res).toMatchObject({ code: 0, message: 'success', info: { messageId: expect.any(Number) } });
      await waitFor(messages, 1);
      expect(utf8Decode(messages[0]!.payload)).toBe('hello over https');
      const noToken = JSON.parse(await send({ method: 'POST', host: '', path: `/topic${topic}`, headers: {}, body: 'x' }));
      expect(noToken).toEqual({ code: 20002, message: 'token is null' });
      const badToken = JSON.parse(await send({ method: 'POST', host: '', path: `/topic${topic}`, headers: {}, body: 'x' }, { password: 'forged' }));
      expect(badToken).toEqual({ code: 20003, message: 'check token error' });
      const otherTopic = JSON.parse(await send({ method: 'POST', host: '', path: '/topic/a1Other/dev/user/update', headers: {}, body: 'x' }, { password: auth.token }));
      expect(otherTopic).toMatchObject({ code: 10001 });
    } finally {
      c.close();
    }
    const refused = parseHttpAuthReply(await send(httpAuthRequest({ ...device, deviceSecret: 'nope' })));
    expect(refused).toMatchObject({ ok: false, code: 20000 });
  });
});
