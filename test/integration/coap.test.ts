import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import { createAliyunCoapClient, type AliyunPublishOutcome } from '@linkwire/coap';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { PublishPacket } from '@linkwire/mqtt';
import { connectMqtt, openCoapSocket, type NodeCoapSocket } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';

const device = { productKey: 'a1CoapPk001', deviceName: 'coap-device-1', deviceSecret: 'coap-secret-1' };

for (const mode of ['aes', 'dtls'] as const) {
  describe(`Alibaba CoAP (${mode} mode) over real UDP on 127.0.0.1, into the emulator's broker`, () => {
    let platform: Emulator;
    let socket: NodeCoapSocket;
    beforeAll(async () => {
      platform = await startEmulator({ devices: [device], coap: mode });
      socket = await openCoapSocket();
    });
    afterAll(async () => {
      await socket.close();
      await platform.close();
    });

    const publish = (client: ReturnType<typeof createAliyunCoapClient>, topic: string, payload: string) =>
      new Promise<AliyunPublishOutcome>((resolve) => client.publish(topic, payload, resolve));

    it('authenticates, publishes, and an MQTT subscriber receives the (decrypted) payload', async () => {
      const messages: PublishPacket[] = [];
      const sub = await connectMqtt({ host: platform.host, port: platform.port, ...mqttCredentials({ ...device, secureMode: 3 }), onMessage: (m) => messages.push(m) });
      try {
        const topic = `/${device.productKey}/${device.deviceName}/user/update`;
        await sub.session.subscribe(topic);
        const client = createAliyunCoapClient({
          endpoint: socket.endpoint, peer: socket.peer('127.0.0.1', platform.coapPort!), mode,
          auth: { ...device, ...(mode === 'aes' ? { seq: 100 } : {}) },
        });
        const first = await publish(client, topic, '{"temperature":21.5}');
        expect(first).toMatchObject({ ok: true, messageId: '1' });
        expect(client.token).toBeDefined();
        const second = await publish(client, topic, 'second');
        expect(second).toMatchObject({ ok: true, messageId: '2' });
        for (let i = 0; i < 200 && messages.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        expect(messages.map((m) => utf8Decode(m.payload))).toEqual(['{"temperature":21.5}', 'second']);
      } finally {
        sub.close();
      }
    });

    it('refuses a wrong secret (4.01) and a topic of another device (4.03)', async () => {
      const wrong = createAliyunCoapClient({
        endpoint: socket.endpoint, peer: socket.peer('127.0.0.1', platform.coapPort!), mode,
        auth: { ...device, deviceSecret: 'nope', ...(mode === 'aes' ? { seq: 5 } : {}) },
      });
      expect(await publish(wrong, `/${device.productKey}/${device.deviceName}/user/update`, 'x')).toMatchObject({ ok: false, error: 'auth_refused', code: 0x81 });
      const right = createAliyunCoapClient({
        endpoint: socket.endpoint, peer: socket.peer('127.0.0.1', platform.coapPort!), mode,
        auth: { ...device, ...(mode === 'aes' ? { seq: 7 } : {}) },
      });
      expect(await publish(right, '/a1Other/someone/user/update', 'x')).toMatchObject({ ok: false, code: 0x83 });
      // The device's own names at other levels, and its own downstream topics (issue 14): 4.03.
      const { productKey: pk, deviceName: dn } = device;
      for (const topic of [`/sys/a1Other/someone/${pk}/${dn}`, `/a1Other/someone/user/${pk}/${dn}`, `/sys/${pk}/${dn}/thing/service/property/set`, `/shadow/get/${pk}/${dn}`]) {
        expect(await publish(right, topic, 'x'), topic).toMatchObject({ ok: false, code: 0x83 });
      }
    });
  });
}
