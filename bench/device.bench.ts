/**
 * `npm run bench -- device`: the device client against the pattern the official Node SDK uses
 * (MQTT.js publish of a JSON envelope, replies matched by id from a subscription), in one run.
 *
 * 1. Property post with its reply, one at a time, on loopback against the emulator (in this
 *    process, shared by both sides): rounds alternate so load on the machine hits both.
 * 2. Heap per idle connected device: LINKWIRE_BENCH_DEVICES (default 10 000) clients connected
 *    to a mosquitto in another process (the open-file limit is per process), after a full GC.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import mqtt from 'mqtt';
import { Aedes } from 'aedes';
import { propertyPostReply, startEmulator } from '@linkwire/emulator';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { mqttCredentials } from '@linkwire/sign';
import type { DeviceClient } from '@linkwire/device';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
registerNodeHash();

const device = { productKey: 'a1BenchPk01', deviceName: 'bench-dev-1', deviceSecret: 'bench-secret' };
// MQTT.js connects as a second device: a platform ends the older session of a device that connects twice.
const peer = { productKey: 'a1BenchPk01', deviceName: 'bench-dev-2', deviceSecret: 'bench-secret' };

interface Platform {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A second platform: aedes with Nagle off on its sockets and the emulator's own property post
 * responder (before the emulator's rewrite it kept Nagle on and held every client at 23 round
 * trips/s; this stand-in keeps the comparison independent of one broker).
 */
async function noDelayPlatform(): Promise<Platform> {
  const broker = await Aedes.createBroker();
  await new Promise<void>((resolve) =>
    broker.subscribe('/sys/+/+/thing/event/property/post', (packet, cb) => {
      const reply = propertyPostReply(new Uint8Array(packet.payload as Buffer));
      broker.publish({ cmd: 'publish', topic: `${packet.topic}_reply`, payload: Buffer.from(reply), qos: 0, retain: false, dup: false }, () => cb());
    }, resolve));
  const server = net.createServer({ noDelay: true }, (socket) => broker.handle(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => broker.close(() => r()))),
  };
}

async function roundTrips(title: string, platform: Platform): Promise<void> {
  const lw = createNodeDeviceClient({ ...device, endpoint: { host: platform.host, port: platform.port } });
  await lw.connect();
  // The official SDK's pattern: MQTT.js, a JSON envelope, a map from id to callback.
  const c = mqttCredentials({ ...peer, transport: 'tcp', timestamp: Date.now() });
  const js = await mqtt.connectAsync(`mqtt://${platform.host}:${platform.port}`, { clientId: c.clientId, username: c.username, password: c.password, reconnectPeriod: 0 });
  const post = `/sys/${peer.productKey}/${peer.deviceName}/thing/event/property/post`;
  await js.subscribeAsync(`${post}_reply`, { qos: 1 });
  const waiting = new Map<string, () => void>();
  js.on('message', (_topic, payload) => {
    const r = JSON.parse(payload.toString()) as { id: string };
    waiting.get(r.id)?.();
    waiting.delete(r.id);
  });
  let nextId = 1;
  const jsPost = (params: object): Promise<void> =>
    new Promise((resolve) => {
      const id = String(nextId++);
      waiting.set(id, resolve);
      js.publish(post, JSON.stringify({ id, version: '1.0', params, method: 'thing.event.property.post' }), { qos: 1 });
    });
  const params = { Temperature: 21.5, Humidity: 40, PowerSwitch: 1 };
  const run = async (fn: () => Promise<unknown>, ms: number): Promise<number> => {
    let n = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      await fn();
      n++;
    }
    return n;
  };
  await run(() => lw.postProperties(params), 300);
  await run(() => jsPost(params), 300);
  let a = 0;
  let b = 0;
  const rounds = 6;
  const ms = 1000;
  for (let i = 0; i < rounds; i++) {
    a += await run(() => lw.postProperties(params), ms);
    b += await run(() => jsPost(params), ms);
  }
  // 100 posts in flight at a time: the clients' own cost shows, not the loop's latency.
  const windowed = (post: () => Promise<unknown>) => () => Promise.all(Array.from({ length: 100 }, post));
  let wa = 0;
  let wb = 0;
  for (let i = 0; i < rounds; i++) {
    wa += 100 * (await run(windowed(() => lw.postProperties(params)), ms));
    wb += 100 * (await run(windowed(() => jsPost(params)), ms));
  }
  const secs = (rounds * ms) / 1000;
  console.log(`\n## property post with reply, sequential, loopback, ${title} in this process (QoS 1 both)`);
  console.log('| client | round trips/s | × MQTT.js + JSON |\n|---|---:|---:|');
  console.log(`| MQTT.js publish + JSON envelope (official SDK pattern) | ${Math.round(b / secs)} | 1.00 |`);
  console.log(`| linkwire device client postProperties | ${Math.round(a / secs)} | ${(a / b).toFixed(2)} |`);
  console.log(`| MQTT.js + JSON, 100 in flight | ${Math.round(wb / secs)} | 1.00 |`);
  console.log(`| linkwire postProperties, 100 in flight | ${Math.round(wa / secs)} | ${(wa / wb).toFixed(2)} |`);
  await lw.end();
  await js.endAsync();
  await platform.close();
}

async function startMosquitto(): Promise<{ port: number; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-bench-mosq-'));
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_connections -1\n`);
  const child = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => (child.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
}

const settle = async (): Promise<number> => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
};

async function heapPerDevice(): Promise<void> {
  const n = Number(process.env['LINKWIRE_BENCH_DEVICES'] ?? 10_000);
  const broker = await startMosquitto();
  try {
    const before = await settle();
    const lws: DeviceClient[] = [];
    for (let i = 0; i < n; i += 250) {
      const batch = Array.from({ length: Math.min(250, n - i) }, (_, k) =>
        createNodeDeviceClient({ productKey: device.productKey, deviceName: `dev-${i + k}`, deviceSecret: 's', endpoint: { host: '127.0.0.1', port: broker.port } }));
      await Promise.all(batch.map((d) => d.connect()));
      lws.push(...batch);
    }
    const lwHeap = ((await settle()) - before) / n;
    await Promise.all(lws.map((d) => d.end()));
    lws.length = 0;
    const before2 = await settle();
    const jss: mqtt.MqttClient[] = [];
    for (let i = 0; i < n; i += 250) {
      const batch = await Promise.all(Array.from({ length: Math.min(250, n - i) }, (_, k) => {
        const c = mqttCredentials({ productKey: device.productKey, deviceName: `js-${i + k}`, deviceSecret: 's', transport: 'tcp' });
        return mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: c.clientId, username: c.username, password: c.password, reconnectPeriod: 0 });
      }));
      jss.push(...batch);
    }
    const jsHeap = ((await settle()) - before2) / n;
    await Promise.all(jss.map((c) => c.endAsync(true)));
    console.log(`\n## heap per idle connected device, ${n} in one process (mosquitto in another)`);
    console.log('| client | heap per device | × MQTT.js |\n|---|---:|---:|');
    console.log(`| MQTT.js client alone (connected, no subscriptions) | ${(jsHeap / 1024).toFixed(1)} KB | 1.00 |`);
    console.log(`| linkwire device client (connected, thing topics subscribed; shadow/OTA/gateway made on first use) | ${(lwHeap / 1024).toFixed(1)} KB | ${(lwHeap / jsHeap).toFixed(2)} |`);
  } finally {
    broker.stop();
  }
}

await roundTrips('emulator', await startEmulator({ devices: [device, peer] }));
await roundTrips('aedes (Nagle off) + the emulator\'s property post responder', await noDelayPlatform());
await heapPerDevice();
process.exit(0);
