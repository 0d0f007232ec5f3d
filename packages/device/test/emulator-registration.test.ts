// Dynamic registration over MQTT (seed §2.3: `register` for a pre-registered device, `regnwl`
// without pre-registration) against the emulator, over TCP and TLS; the registered device then
// connects with what it was given. transports.test.ts runs the same flows on an aedes stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connwlCredentials, registerDeviceOverMqtt } from '@linkwire/device';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { createNodeDeviceClient, nodeClock, nodeDialer, nodeRandom, registerNodeHash } from '@linkwire/node';

registerNodeHash();
const product = { productKey: 'a1RegEmu001', productSecret: 'emu-product-secret', registerUnknownDevices: true };

describe.each(['tcp', 'tls'] as const)('registration over MQTT against the emulator (%s)', (transport) => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [{ productKey: product.productKey, deviceName: 'pre-1' }], products: [product], ...(transport === 'tls' ? { tls: true } : {}) });
  });
  afterAll(() => platform.close());
  const endpoint = () => (transport === 'tcp' ? { host: '127.0.0.1', port: platform.port } : { host: '127.0.0.1', port: platform.tlsPort!, tls: { ca: platform.ca! } });
  const common = () => ({ productKey: product.productKey, clock: nodeClock, random: nodeRandom, dial: nodeDialer, endpoint: endpoint(), transport });

  it('register: a pre-registered device gets its secret, then connects with it', async () => {
    const reply = await registerDeviceOverMqtt({ ...common(), deviceName: 'pre-1', productSecret: product.productSecret, mode: 'register' });
    expect(reply.mode).toBe('register');
    const secret = (reply as { deviceSecret: string }).deviceSecret;
    expect(secret.length).toBeGreaterThan(0);
    const d = createNodeDeviceClient({ productKey: product.productKey, deviceName: 'pre-1', deviceSecret: secret, endpoint: endpoint() });
    try {
      await d.connect();
      expect((await d.postProperties({ Temperature: 1 })).code).toBe(200);
    } finally {
      await d.end();
    }
  });

  it('regnwl: a device the platform did not know gets a clientId and a token, then connects with connwl', async () => {
    const reply = await registerDeviceOverMqtt({ ...common(), deviceName: `new-${transport}`, productSecret: product.productSecret, mode: 'regnwl' });
    expect(reply).toMatchObject({ mode: 'regnwl', productKey: product.productKey, deviceName: `new-${transport}` });
    if (reply.mode !== 'regnwl') throw new Error('expected a regnwl reply');
    expect(reply.deviceToken.length).toBeGreaterThan(0);
    const d = createNodeDeviceClient({ productKey: product.productKey, deviceName: `new-${transport}`, credentials: connwlCredentials(reply), endpoint: endpoint() });
    try {
      await d.connect();
      expect((await d.postProperties({ Temperature: 2 })).code).toBe(200);
    } finally {
      await d.end();
    }
  });

  it('a wrong product secret is refused (CONNACK 4), not retried', async () => {
    await expect(registerDeviceOverMqtt({ ...common(), deviceName: 'pre-1', productSecret: 'wrong', mode: 'register' })).rejects.toMatchObject({ returnCode: 4 });
  });
});
