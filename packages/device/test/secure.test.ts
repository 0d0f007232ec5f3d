// securemode follows the socket: 2 over TLS and wss, 3 over TCP and ws, against the emulator's
// own listeners (its TLS listener serves a certificate from its own CA, which the device
// verifies; the emulator refuses a securemode that does not match the transport).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceClient } from '@linkwire/device';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { createNodeDeviceClient, nodeClock, nodeDialer, nodeRandom, nodeTransport, registerNodeHash } from '@linkwire/node';

registerNodeHash();
const device = { productKey: 'a1SecurePk1', deviceName: 'secure-dev-1', deviceSecret: 'secure-secret' };

describe('TLS by default, securemode from the socket', () => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device], websocket: true, tls: true });
  });
  afterAll(() => platform.close());

  it('securemode follows the kind of socket', () => {
    expect(nodeTransport({ host: 'x', port: 1883, tls: true })).toBe('tls');
    expect(nodeTransport({ host: 'x', port: 1883 })).toBe('tcp');
    expect(nodeTransport({ url: 'wss://x/mqtt' })).toBe('wss');
    expect(nodeTransport({ url: 'ws://x/mqtt' })).toBe('ws');
  });

  it('over TLS (the emulator\'s certificate verified against its CA): securemode=2, property post answered', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: platform.tlsPort!, tls: { ca: platform.ca! } } });
    try {
      await d.connect();
      expect((await d.postProperties({ Temperature: 1 })).code).toBe(200);
    } finally {
      await d.end();
    }
  });

  it('the platform refuses securemode=2 over plain TCP (the official SDK\'s default), and a certificate the device cannot verify is refused by the device', async () => {
    const wrongMode = createDeviceClient({ ...device, clock: nodeClock, random: nodeRandom, dial: nodeDialer, transport: 'tls', endpoint: { host: '127.0.0.1', port: platform.port } });
    await expect(wrongMode.connect()).rejects.toMatchObject({ returnCode: 5 });
    await wrongMode.end();
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: platform.tlsPort!, tls: true }, mqtt: { connectTimeoutMs: 2000 } });
    const closed = new Promise<Error | undefined>((r) => d.on((e) => e.type === 'disconnected' && r(e.reason)));
    void d.connect().catch(() => undefined);
    expect((await closed)?.message).toMatch(/self.signed|certificate|issuer/i);
    await d.end();
  });

  it('over WebSocket (ws): securemode=3, property post answered', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint: { url: `ws://127.0.0.1:${platform.wsPort}/mqtt` } });
    try {
      await d.connect();
      expect((await d.postProperties({ Temperature: 2 })).code).toBe(200);
    } finally {
      await d.end();
    }
  });
});
