// The reconnecting MQTT client against MQTT.js 5, side by side against one mosquitto (started
// here, in its own process): pipelined QoS 1 and QoS 0 throughput, heap per idle connected and
// subscribed client (each client kind in a fresh process, brokers elsewhere), and the browser
// bundle of the client plus the web adapter, min+gz.
//
//   npm run bench -- mqtt-client            (BENCH_CLIENTS=10000 by default, BENCH_MESSAGES=20000)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import mqtt from 'mqtt';
import { freePort, waitForPort } from '../test/support/brokers.ts';
import { createNodeMqttClient, connectMqtt } from '@linkwire/node';
import { encodePacket, type MqttClient } from '@linkwire/mqtt';

const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 10_000);
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 20_000);
const ROUNDS = 3;
// BENCH_ONLY=bundle|throughput|heap runs one part.
const ONLY = process.env['BENCH_ONLY'];
const payload = new TextEncoder().encode(JSON.stringify({
  id: '123', version: '1.0', method: 'thing.event.property.post',
  params: { Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 1524448722000 } },
}));
const topic = '/sys/a1B2c3D4e5F/device-0001/thing/event/property/post';
// QoS 1 goes to a topic nobody subscribes to (the measure is the PUBACKs); QoS 0 to `topic`, which a subscriber counts.
const topicFor = (qos: 0 | 1): string => (qos === 1 ? `${topic}/acked` : topic);

async function startMosquitto(): Promise<{ port: number; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-bench-mosquitto-'));
  const port = await freePort();
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\nmax_inflight_messages 0\nmax_queued_messages 0\n`);
  const child: ChildProcess = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  await waitForPort(port, 10_000);
  return { port, stop: () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } };
}

// ---- heap per idle client: `node --expose-gc <this file> heap <kind> <port> <n>` in a fresh process ----

async function heapChild(kind: string, port: number, n: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const keep: unknown[] = [];
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await settle();
  const before = process.memoryUsage();
  const one = async (i: number): Promise<void> => {
    const clientId = `heap-${kind}-${i}`;
    const filter = `dev/${i}/cmd`;
    if (kind === 'linkwire') {
      const c = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port }, credentials: { clientId }, keepalive: 300 });
      await c.subscribe(filter);
      keep.push(c);
    } else if (kind === 'linkwire-session') {
      const c = await connectMqtt({ host: '127.0.0.1', port, clientId, keepalive: 300 });
      await c.session.subscribe(filter);
      keep.push(c);
    } else {
      const c = mqtt.connect({ host: '127.0.0.1', port, clientId, keepalive: 300, reconnectPeriod: 1000 });
      await new Promise<void>((resolve, reject) => c.once('connect', () => c.subscribe(filter, { qos: 1 }, (e) => (e ? reject(e) : resolve()))));
      keep.push(c);
    }
  };
  for (let i = 0; i < n; i += 200) await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, k) => one(i + k)));
  await settle();
  const after = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ kind, n, heap: (after.heapUsed - before.heapUsed) / n, external: (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / n })}\n`);
  process.exit(0);
}

function heapRun(kind: string, port: number, n: number): { heap: number; external: number } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', process.argv[1]!, 'heap', kind, String(port), String(n)], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`heap run ${kind} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(line) as { heap: number; external: number };
}

// ---- throughput: pipelined publishes, ours and MQTT.js alternating against one mosquitto ----

async function oursRun(port: number, qos: 0 | 1, counter: { n: number }): Promise<number> {
  const c = createNodeMqttClient({ endpoint: { host: '127.0.0.1', port }, credentials: { clientId: 'tp-linkwire' }, maxInflight: 65_000, offlineQueue: { maxMessages: MESSAGES, maxBytes: 1 << 30 } });
  await c.whenConnected();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const start = counter.n;
  const all: Promise<void>[] = new Array(MESSAGES);
  for (let i = 0; i < MESSAGES; i++) all[i] = c.publish(topicFor(qos), payload, { qos });
  await Promise.all(all);
  if (qos === 0) while (counter.n - start < MESSAGES) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  if (process.env['BENCH_CPU']) console.log(`ours qos${qos}: wall ${ms.toFixed(0)} ms, cpu ${((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000).toFixed(0)} ms`);
  await c.end();
  return ms;
}

async function theirsRun(port: number, qos: 0 | 1, counter: { n: number }): Promise<number> {
  const c = mqtt.connect({ host: '127.0.0.1', port, clientId: 'tp-mqttjs', reconnectPeriod: 1000 });
  await new Promise<void>((r) => c.once('connect', () => r()));
  const buf = Buffer.from(payload);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const start = counter.n;
  await new Promise<void>((resolve, reject) => {
    let left = MESSAGES;
    for (let i = 0; i < MESSAGES; i++) c.publish(topicFor(qos), buf, { qos }, (e) => (e ? reject(e) : --left === 0 && resolve()));
  });
  if (qos === 0) while (counter.n - start < MESSAGES) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  if (process.env['BENCH_CPU']) console.log(`mqtt.js qos${qos}: wall ${ms.toFixed(0)} ms, cpu ${((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000).toFixed(0)} ms`);
  await new Promise<void>((r) => c.end(false, {}, () => r()));
  return ms;
}

/**
 * The ceiling no client can beat: every PUBLISH pre-encoded and written at once on a bare socket,
 * counting PUBACKs (4 bytes each) as they come. What is left between this and a client is the client.
 */
async function rawRun(port: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(encodePacket({ type: 'connect', clientId: 'tp-raw', cleanSession: true, keepalive: 60 }));
  await new Promise<void>((r) => socket.once('data', () => r()));
  const packets = Array.from({ length: MESSAGES }, (_, i) => encodePacket({ type: 'publish', topic: topicFor(1), payload, qos: 1, retain: false, dup: false, messageId: (i % 65535) + 1 }));
  const t0 = performance.now();
  let acked = 0;
  const done = new Promise<void>((resolve) => socket.on('data', (b: Buffer) => {
    acked += b.length / 4;
    if (acked >= MESSAGES) resolve();
  }));
  socket.cork();
  for (const p of packets) socket.write(p);
  socket.uncork();
  await done;
  const ms = performance.now() - t0;
  socket.destroy();
  return ms;
}

async function bundleSize(): Promise<{ ours: number; oursRaw: number; mqttjs: number }> {
  const r = await build({
    stdin: { contents: "export { createWebMqttClient } from '@linkwire/web';", resolveDir: process.cwd(), loader: 'ts' },
    bundle: true, write: false, minify: true, format: 'esm', platform: 'browser', target: 'es2022',
    conditions: ['@linkwire/source', 'browser', 'import', 'default'], logLevel: 'silent',
  });
  const code = r.outputFiles[0]!.contents;
  const theirs = readFileSync(join(process.cwd(), 'node_modules/mqtt/dist/mqtt.min.js'));
  return { ours: gzipSync(code, { level: 9 }).length, oursRaw: code.length, mqttjs: gzipSync(theirs, { level: 9 }).length };
}

async function main(): Promise<void> {
  if (ONLY === undefined || ONLY === 'bundle') await printBundle();
  if (ONLY === 'bundle') return;
  const broker = await startMosquitto();
  try {
    if (ONLY === undefined || ONLY === 'throughput') await printThroughput(broker.port);
    if (ONLY === undefined || ONLY === 'heap') printHeap(broker.port);
  } finally {
    broker.stop();
  }
}

async function printBundle(): Promise<void> {
  const size = await bundleSize();
  console.log('\n## browser bundle: createWebMqttClient (client + web adapter), esbuild --minify, gzip -9');
  console.log('| bundle | min | min+gz |');
  console.log('|---|---:|---:|');
  console.log(`| @linkwire/web createWebMqttClient | ${(size.oursRaw / 1024).toFixed(1)} KB | ${(size.ours / 1024).toFixed(1)} KB |`);
  console.log(`| mqtt/dist/mqtt.min.js (MQTT.js 5) | | ${(size.mqttjs / 1024).toFixed(1)} KB |`);
}

async function printThroughput(port: number): Promise<void> {
  {
    const counter = { n: 0 };
    // One subscriber (MQTT.js, so neither side counts for itself) sees QoS 0 messages arrive.
    const sub = mqtt.connect({ host: '127.0.0.1', port: port, clientId: 'tp-sub' });
    await new Promise<void>((r) => sub.once('connect', () => sub.subscribe(topic, { qos: 0 }, () => r())));
    sub.on('message', () => counter.n++);
    for (const qos of [1, 0] as const) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        theirs.push(await theirsRun(port, qos, counter));
        ours.push(await oursRun(port, qos, counter));
      }
      const raw: number[] = [];
      if (qos === 1) for (let round = 0; round < ROUNDS; round++) raw.push(await rawRun(port));
      const best = (xs: number[]) => Math.min(...xs);
      const rate = (ms: number) => Math.round((MESSAGES / ms) * 1000);
      console.log(`\n## QoS ${qos}: ${MESSAGES} pipelined publishes to mosquitto (${qos === 1 ? 'until the last PUBACK' : 'until a subscriber has them all'}), best of ${ROUNDS}`);
      console.log('| client | msg/s | × MQTT.js |');
      console.log('|---|---:|---:|');
      console.log(`| MQTT.js 5 | ${rate(best(theirs)).toLocaleString('en-US')} | 1.00 |`);
      console.log(`| @linkwire/node createNodeMqttClient | ${rate(best(ours)).toLocaleString('en-US')} | ${(best(theirs) / best(ours)).toFixed(2)} |`);
      if (qos === 1) console.log(`| bare socket, pre-encoded, one write (the broker's ceiling) | ${rate(best(raw)).toLocaleString('en-US')} | ${(best(theirs) / best(raw)).toFixed(2)} |`);
    }
    sub.end(true);
  }
}

function printHeap(port: number): void {
  {
    console.log(`\n## heap per idle connected and subscribed client, ${CLIENTS} clients in one process, mosquitto in another`);
    console.log('| client | heap per client | external + ArrayBuffers per client |');
    console.log('|---|---:|---:|');
    for (const kind of ['mqttjs', 'linkwire-session', 'linkwire']) {
      const r = heapRun(kind, port, CLIENTS);
      const name = kind === 'mqttjs' ? 'MQTT.js 5 (mqtt.connect)' : kind === 'linkwire' ? '@linkwire/node createNodeMqttClient' : '@linkwire/node connectMqtt (one-shot session)';
      console.log(`| ${name} | ${(r.heap / 1024).toFixed(2)} KB | ${(r.external / 1024).toFixed(2)} KB |`);
    }
  }
}

if (process.argv[2] === 'heap') await heapChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();
export type { MqttClient };
