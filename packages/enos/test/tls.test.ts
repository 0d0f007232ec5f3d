// X.509 devices (seed: "X.509-certificate-based authentication"): ssl:// with the device's
// key and certificate, checked by a broker that requires a client certificate from its CA,
// plus the mode-2 signature; and the integration channel (secure mode 4) on the emulator.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Aedes, type AuthenticateError } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform } from '@linkwire/emulator';
import { verifyEnosMqttCredentials } from '@linkwire/sign';
import { DeviceClient, SECURE_MODE } from '@linkwire/node/enos';

const dir = mkdtempSync(join(tmpdir(), 'linkwire-enos-tls-'));
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
let server: tls.Server;
let broker: Aedes;
let port: number;
let clientCn: string | undefined;

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=linkwire test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, cn, ext] of [['server', '127.0.0.1', ['-extfile', 'server.ext']], ['device', 'tlsDevice01', []]] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', ...ext);
  }
  broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const r = verifyEnosMqttCredentials(client.id, username ?? '', password?.toString() ?? '', { deviceSecret: (pk, dk) => (pk === 'pkTls01' && dk === 'tlsDevice01' ? 'tls-secret' : undefined) });
      if (!r.ok) return done(Object.assign(new Error(r.reason), { returnCode: 4 }) as AuthenticateError, null);
      done(null, true);
    },
  });
  server = tls.createServer({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (socket) => {
    clientCn = (socket.getPeerCertificate().subject as { CN?: string } | undefined)?.CN;
    broker.handle(socket);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.close();
  await new Promise<void>((r) => broker.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('X.509 over TLS', () => {
  it('connects with ca, key and cert over ssl://, the broker seeing the device certificate', async () => {
    const client = new DeviceClient({
      brokerUrl: `ssl://127.0.0.1:${port}`, secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey: 'pkTls01', deviceKey: 'tlsDevice01', deviceSecret: 'tls-secret',
      ca: read('ca.pem'), key: read('device.key'), cert: read('device.pem'), mqttOptions: { connectionTimeout: 5 },
    });
    await expect(client.connect()).resolves.toBe('tls-secret');
    expect(clientCn).toBe('tlsDevice01');
    await client.close();
  });

  it('without a client certificate the handshake fails and connect() rejects within connectionTimeout', async () => {
    const client = new DeviceClient({ brokerUrl: `ssl://127.0.0.1:${port}`, productKey: 'pkTls01', deviceKey: 'tlsDevice01', deviceSecret: 'tls-secret', ca: read('ca.pem'), mqttOptions: { connectionTimeout: 1, reconnectPeriod: 0.1 } });
    client.on('error', () => {});
    await expect(client.connect()).rejects.toMatchObject({ code: 'connect_timeout' });
    await client.close();
  });
});

describe('integration channel (secure mode 4)', () => {
  it('signs in as %channel%&{pk} with the product secret and posts for the product\'s devices', async () => {
    const platform = await startEnosPlatform({ products: [{ productKey: 'pkChan01', productSecret: 'chan-secret' }], devices: [{ productKey: 'pkChan01', deviceKey: 'meter0001', deviceSecret: 'x' }] });
    try {
      const channel = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_INTEGRATION_CHANNEL, productKey: 'pkChan01', productSecret: 'chan-secret' });
      await expect(channel.connect()).resolves.toBe('');
      const r = await channel.deviceData.postMeasurepoint({ deviceInfo: { productKey: 'pkChan01', deviceKey: 'meter0001' }, point: { measurepoints: { kwh: 3 } } });
      expect(r.code).toBe(200);
      expect(platform.device('pkChan01', 'meter0001')!.measurepoints.get('kwh')).toBe(3);
      await channel.close();
    } finally {
      await platform.close();
    }
  });
});
