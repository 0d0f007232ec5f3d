// securemode follows the socket: 2 over TLS and wss, 3 over TCP and ws. TLS is real: a
// certificate made with openssl for 127.0.0.1, a TLS listener in front of the emulator, the
// device verifying it against that CA. WebSocket goes to the emulator's ws listener.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { createNodeDeviceClient, nodeTransport, registerNodeHash } from '@linkwire/node';
import { parseMqttClientId } from '@linkwire/sign';

registerNodeHash();
const device = { productKey: 'a1SecurePk1', deviceName: 'secure-dev-1', deviceSecret: 'secure-secret' };

describe('TLS by default, securemode from the socket', () => {
  let platform: Emulator;
  let front: tls.Server;
  let tlsPort = 0;
  let ca: Buffer;
  let dir: string;
  const clientIds: string[] = [];
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device], websocket: true, onEvent: (e) => e.type === 'refused' && clientIds.push(`refused ${e.clientId}`) });
    dir = mkdtempSync(join(tmpdir(), 'linkwire-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    // Terminates TLS and forwards the bytes to the emulator; notes each CONNECT's clientId.
    front = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (socket) => {
      const up = net.connect(platform.port, platform.host);
      socket.once('data', (first) => {
        const m = /[\x20-\x7e]*\|[^|]*\|/.exec(first.toString('latin1'));
        if (m) clientIds.push(m[0]);
        up.write(first);
        socket.pipe(up);
      });
      up.pipe(socket);
      socket.on('error', () => up.destroy());
      up.on('error', () => socket.destroy());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    tlsPort = (front.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => front.close(() => r()));
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('securemode follows the kind of socket', () => {
    expect(nodeTransport({ host: 'x', port: 1883, tls: true })).toBe('tls');
    expect(nodeTransport({ host: 'x', port: 1883 })).toBe('tcp');
    expect(nodeTransport({ url: 'wss://x/mqtt' })).toBe('wss');
    expect(nodeTransport({ url: 'ws://x/mqtt' })).toBe('ws');
  });

  it('over TLS (certificate verified): securemode=2, property post answered', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: tlsPort, tls: { ca } } });
    try {
      await d.connect();
      expect((await d.postProperties({ Temperature: 1 })).code).toBe(200);
    } finally {
      await d.end();
    }
    const id = clientIds.find((c) => c.includes(device.productKey));
    expect(parseMqttClientId(id!.slice(id!.indexOf(device.productKey)))?.params['securemode']).toBe('2');
  });

  it('a certificate it cannot verify is refused', async () => {
    const d = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: tlsPort, tls: true }, mqtt: { connectTimeoutMs: 2000 } });
    const closed = new Promise<Error | undefined>((r) => d.on((e) => e.type === 'disconnected' && r(e.reason)));
    void d.connect().catch(() => undefined);
    expect((await closed)?.message).toMatch(/self.signed|certificate/i);
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
