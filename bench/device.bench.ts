/**
 * `npm run bench -- device`: the device client against the pattern the official Node SDK uses
 * (MQTT.js publish of a JSON envelope, replies matched by id from a subscription), in one run.
 *
 * 1. Property post with its reply on loopback, one at a time and 100 in flight, against the
 *    emulator and against aedes (Nagle off on its sockets, the emulator's property post
 *    responder). Each platform runs in a process of its own, as a real platform does: in this
 *    process it shared the event loop with the clients, added its own cost to each round trip
 *    and diluted the difference between them. MQTT.js runs with its defaults (Nagle on, as the
 *    official SDK leaves it) and with `noDelay` (Nagle off, as linkwire's node dialer sets it).
 *    Same QoS (1 out, the platform's replies at its QoS), same payload bytes (ids of 10 digits
 *    both), warm-up first, then rounds interleaved (the order rotates) so the machine's load hits
 *    every client; the ratios are medians of per-round ratios. Beside throughput, the CPU time
 *    this process spends per round trip (process.cpuUsage over the round): the clients' own cost.
 * 2. Heap per idle connected device: LINKWIRE_BENCH_DEVICES (default 10 000; 0 skips it)
 *    clients connected to a mosquitto in another process (the open-file limit is per process),
 *    after a full GC.
 *
 * LINKWIRE_BENCH_ROUNDS (default 6) rounds of LINKWIRE_BENCH_ROUND_MS (default 1000) per client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
// MQTT.js connects as other devices: a platform ends the older session of a device that connects twice.
const peers = [2, 3].map((n) => ({ productKey: 'a1BenchPk01', deviceName: `bench-dev-${n}`, deviceSecret: 'bench-secret' }));
const ROUNDS = Number(process.env['LINKWIRE_BENCH_ROUNDS'] ?? 6);
const ROUND_MS = Number(process.env['LINKWIRE_BENCH_ROUND_MS'] ?? 1000);

// ---- the platforms, each in a child process (this file run with --platform NAME) ----

/** The emulator, or aedes with Nagle off on its sockets and the emulator's own property post responder. */
async function servePlatform(name: string): Promise<number> {
  if (name === 'emulator') return (await startEmulator({ devices: [device, ...peers] })).port;
  const broker = await Aedes.createBroker();
  await new Promise<void>((resolve) =>
    broker.subscribe('/sys/+/+/thing/event/property/post', (packet, cb) => {
      const reply = propertyPostReply(new Uint8Array(packet.payload as Buffer));
      broker.publish({ cmd: 'publish', topic: `${packet.topic}_reply`, payload: Buffer.from(reply), qos: 0, retain: false, dup: false }, () => cb());
    }, resolve));
  const server = net.createServer({ noDelay: true }, (socket) => broker.handle(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

async function startPlatform(name: string): Promise<{ readonly port: number; close(): void }> {
  const child: ChildProcess = spawn(process.execPath, [process.argv[1]!, '--platform', name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`the ${name} platform exited (${code})`)));
  });
  return { port, close: () => void child.kill('SIGTERM') };
}

// ---- the clients ----

type Post = () => Promise<unknown>;
const params = { Temperature: 21.5, Humidity: 40, PowerSwitch: 1 };

/** The official SDK's pattern: MQTT.js, a JSON envelope, a map from id to callback. */
async function mqttJsPoster(port: number, peer: (typeof peers)[number], noDelay: boolean): Promise<{ post: Post; end(): Promise<void> }> {
  const c = mqttCredentials({ ...peer, transport: 'tcp', timestamp: Date.now() });
  const js = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: c.clientId, username: c.username, password: c.password, reconnectPeriod: 0 });
  if (noDelay) (js.stream as net.Socket).setNoDelay(true);
  const topic = `/sys/${peer.productKey}/${peer.deviceName}/thing/event/property/post`;
  await js.subscribeAsync(`${topic}_reply`, { qos: 1 });
  const waiting = new Map<string, () => void>();
  js.on('message', (_topic, payload) => {
    const r = JSON.parse(payload.toString()) as { id: string };
    waiting.get(r.id)?.();
    waiting.delete(r.id);
  });
  // Ten digits, as linkwire's ids (a counter from a random 32-bit start): the same payload bytes.
  let nextId = 1_000_000_000;
  const post = (): Promise<void> =>
    new Promise((resolve) => {
      const id = String(nextId++);
      waiting.set(id, resolve);
      js.publish(topic, JSON.stringify({ id, version: '1.0', params, method: 'thing.event.property.post' }), { qos: 1 });
    });
  return { post, end: () => js.endAsync() };
}

interface Sample {
  readonly perSecond: number;
  readonly cpuMicros: number;
}

/** Round trips completed in `ms` (`batch` posts in flight at a time), and this process's CPU time per round trip. */
async function measure(post: Post, batch: number, ms: number): Promise<Sample> {
  const step = batch === 1 ? post : () => Promise.all(Array.from({ length: batch }, post));
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const until = start + ms;
  while (performance.now() < until) {
    await step();
    n += batch;
  }
  const used = process.cpuUsage(cpu);
  return { perSecond: (n * 1000) / (performance.now() - start), cpuMicros: (used.user + used.system) / n };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function roundTrips(title: string, platformName: string): Promise<void> {
  const platform = await startPlatform(platformName);
  const lw = createNodeDeviceClient({ ...device, endpoint: { host: '127.0.0.1', port: platform.port } });
  await lw.connect();
  const nagle = await mqttJsPoster(platform.port, peers[0]!, false);
  const noDelay = await mqttJsPoster(platform.port, peers[1]!, true);
  const clients: readonly { readonly name: string; readonly post: Post }[] = [
    { name: 'linkwire device client postProperties', post: () => lw.postProperties(params) },
    { name: 'MQTT.js + JSON, defaults (Nagle on)', post: nagle.post },
    { name: 'MQTT.js + JSON, noDelay', post: noDelay.post },
  ];
  for (const batch of [1, 100]) {
    for (const c of clients) await measure(c.post, batch, 300); // warm-up
    const samples = clients.map((): Sample[] => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < clients.length; k++) {
        const i = (r + k) % clients.length; // the order rotates: no client always runs first
        samples[i]!.push(await measure(clients[i]!.post, batch, ROUND_MS));
      }
    }
    const rate = (i: number, r: number): number => samples[i]![r]!.perSecond;
    const cpu = (i: number, r: number): number => samples[i]![r]!.cpuMicros;
    const rounds = [...Array(ROUNDS).keys()];
    console.log(`\n## property post with reply, ${batch === 1 ? 'one at a time' : `${batch} in flight`}, loopback, ${title} (QoS 1; ${ROUNDS} interleaved rounds of ${ROUND_MS} ms, medians)`);
    console.log('| client | round trips/s | client CPU per round trip | linkwire × (round trips/s) | linkwire × (CPU) |\n|---|---:|---:|---:|---:|');
    clients.forEach((c, i) => {
      const x = i === 0 ? ['', ''] : [median(rounds.map((r) => rate(0, r) / rate(i, r))).toFixed(2), median(rounds.map((r) => cpu(i, r) / cpu(0, r))).toFixed(2)];
      console.log(`| ${c.name} | ${Math.round(median(rounds.map((r) => rate(i, r))))} | ${median(rounds.map((r) => cpu(i, r))).toFixed(1)} µs | ${x[0]} | ${x[1]} |`);
    });
  }
  await lw.end();
  await nagle.end();
  await noDelay.end();
  platform.close();
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

const platformArg = process.argv.indexOf('--platform');
if (platformArg > 0) {
  // A platform process: print the port, serve until told to stop.
  console.log(await servePlatform(process.argv[platformArg + 1]!));
  process.on('SIGTERM', () => process.exit(0));
} else {
  await roundTrips('the emulator in its own process', 'emulator');
  await roundTrips('aedes (Nagle off) + the emulator\'s property post responder, in its own process', 'aedes');
  if (process.env['LINKWIRE_BENCH_DEVICES'] !== '0') await heapPerDevice();
  process.exit(0);
}
