// nodeDialer against mosquitto's TLS (with X.509 client certificates) and WebSocket listeners:
// certificates are made for the test with the openssl CLI, ports are ephemeral, all on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import type { MqttClientEvent, PublishPacket } from '@linkwire/mqtt';
import { createNodeMqttClient, type NodeEndpoint } from '@linkwire/node';
import { freePort, startMosquitto, type TestBroker } from '../../../test/support/brokers.ts';

let dir = '';
let broker: TestBroker;
const ports = { tls: 0, mtls: 0, ws: 0 };
const pem = (name: string) => readFileSync(join(dir, name));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'linkwire-tls-'));
  // A CA, a server certificate for 127.0.0.1/localhost, and a device certificate, all P-256.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=linkwire test CA');
  for (const [name, subject, ext] of [['server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], ['device', '/CN=a1B2c3D4e5F.device-1', 'extendedKeyUsage=clientAuth']] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  // Started as root, mosquitto drops to its own user, which must read these.
  chmodSync(dir, 0o755);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  ports.tls = await freePort();
  ports.mtls = await freePort();
  ports.ws = await freePort();
  broker = await startMosquitto([
    `listener ${ports.tls} 127.0.0.1`, `certfile ${dir}/server.pem`, `keyfile ${dir}/server.key`,
    `listener ${ports.mtls} 127.0.0.1`, `certfile ${dir}/server.pem`, `keyfile ${dir}/server.key`, `cafile ${dir}/ca.pem`,
    'require_certificate true', 'use_identity_as_username true',
    `listener ${ports.ws} 127.0.0.1`, 'protocol websockets',
  ].join('\n'));
}, 60_000);
afterAll(async () => {
  await broker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(endpoint: NodeEndpoint, clientId: string): Promise<string> {
  const got: PublishPacket[] = [];
  const client = createNodeMqttClient({ endpoint, credentials: { clientId }, connectTimeoutMs: 5000, onMessage: (m) => got.push(m) });
  try {
    await client.subscribe(`dial/${clientId}`);
    await client.publish(`dial/${clientId}`, `over ${clientId}`, { qos: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    return utf8Decode(got[0]!.payload);
  } finally {
    await client.end();
  }
}

describe('nodeDialer', () => {
  it('TCP', async () => {
    expect(await roundTrip({ host: '127.0.0.1', port: broker.port }, 'tcp')).toBe('over tcp');
  });

  it('TLS, verifying the server against a given CA (servername from the host)', async () => {
    expect(await roundTrip({ host: 'localhost', port: ports.tls, tls: { ca: pem('ca.pem') } }, 'tls')).toBe('over tls');
  });

  it('TLS with an X.509 device certificate, and a refusal without one that the client retries, not throws', async () => {
    expect(await roundTrip({ host: '127.0.0.1', port: ports.mtls, tls: { ca: pem('ca.pem'), cert: pem('device.pem'), key: pem('device.key') } }, 'mtls')).toBe('over mtls');
    const events: MqttClientEvent[] = [];
    const client = createNodeMqttClient({
      endpoint: { host: '127.0.0.1', port: ports.mtls, tls: { ca: pem('ca.pem') } }, credentials: { clientId: 'no-cert' },
      backoff: { minMs: 10, maxMs: 20 }, onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 200 && events.filter((e) => e.type === 'reconnecting').length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await client.end();
    expect(events.filter((e) => e.type === 'disconnected').length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'connected')).toBe(false);
  });

  it('an unknown server certificate fails the attempt', async () => {
    const events: MqttClientEvent[] = [];
    const client = createNodeMqttClient({ endpoint: { host: 'localhost', port: ports.tls, tls: true }, credentials: { clientId: 'untrusted' }, backoff: { minMs: 1000, maxMs: 1000 }, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'disconnected'); i++) await new Promise((r) => setTimeout(r, 20));
    await client.end();
    const d = events.find((e) => e.type === 'disconnected') as { reason: { code?: string } } | undefined;
    expect(d?.reason.code).toMatch(/CERT|SELF_SIGNED|UNABLE/);
  });

  it('incoming QoS 2 from mosquitto (published by MQTT.js) is delivered once each, and the exchange completes', async () => {
    const got: PublishPacket[] = [];
    const client = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port: broker.port }, credentials: { clientId: 'qos2-sub' }, onMessage: (m) => got.push(m) });
    const other = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, clientId: 'qos2-pub', reconnectPeriod: 0 });
    try {
      expect(await client.subscribe([{ topic: 'qos2/#', qos: 2 }])).toEqual([2]);
      for (let i = 0; i < 20; i++) await other.publishAsync('qos2/t', `m${i}`, { qos: 2 });
      for (let i = 0; i < 100 && got.length < 20; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got.map((m) => [utf8Decode(m.payload), m.qos])).toEqual(Array.from({ length: 20 }, (_, i) => [`m${i}`, 2]));
      // The connection is healthy afterwards: a PUBREL we answered with PUBCOMP left nothing open.
      await client.publish('qos2/after', 'x', { qos: 1 });
    } finally {
      other.end(true);
      await client.end();
    }
  });

  it('what was written just before end() still reaches the broker (a QoS 0 publish, then DISCONNECT)', async () => {
    const other = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, clientId: 'last-words-sub', reconnectPeriod: 0 });
    const got: string[] = [];
    other.on('message', (_topic, payload) => got.push(payload.toString()));
    await other.subscribeAsync('last/#', { qos: 0 });
    const client = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port: broker.port }, credentials: { clientId: 'last-words' } });
    try {
      await client.whenConnected();
      void client.publish('last/words', 'bye', { qos: 0 });
      await client.end({ flush: false });
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual(['bye']);
    } finally {
      other.end(true);
    }
  });

  it('end() leaves no timer and no socket behind in the process', async () => {
    const count = () => {
      const all = process.getActiveResourcesInfo();
      return { timers: all.filter((r) => r === 'Timeout').length, sockets: all.filter((r) => r === 'TCPSocketWrap').length };
    };
    // Earlier tests' transports may still be closing (a closed transport keeps an unref'd 2 s
    // grace timer until its peer answers the FIN): measure after that.
    await new Promise((r) => setTimeout(r, 2200));
    const before = count();
    const client = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port: broker.port }, credentials: { clientId: 'leak-check' }, keepalive: 30 });
    await client.subscribe('leak/#');
    await client.publish('leak/x', 'x', { qos: 1 });
    expect(count().timers).toBeGreaterThan(before.timers); // keepalive armed while connected
    await client.end();
    // At most what was there before, once the broker has answered our FIN.
    let after = count();
    for (let i = 0; i < 60 && (after.timers > before.timers || after.sockets > before.sockets); i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = count();
    }
    expect(after.timers).toBeLessThanOrEqual(before.timers);
    expect(after.sockets).toBeLessThanOrEqual(before.sockets);
  });

  it('WebSocket (ws, subprotocol mqtt)', async () => {
    expect(await roundTrip({ url: `ws://127.0.0.1:${ports.ws}` }, 'ws')).toBe('over ws');
  });
});
