// The emulator under abuse, measured from outside (issue 20): the emulator runs in a child
// process (this file with --emulator-server), the attackers here with MQTT.js and raw sockets.
//  1. A device floods QoS 1 property posts as fast as MQTT.js sends them, subscribed (QoS 1) to
//     its replies; beside it a well-behaved device posts every 100 ms and a fresh device
//     connects after the flood started. Reports PUBACKs and replies the flooder got, the good
//     device's reply latency and whether the fresh device got its CONNACK.
//  2. Four raw sockets declare a 256 MB packet (before CONNECT) and stream bytes at it; then
//     four more do the same after a valid CONNECT. Reports the emulator's RSS and whether each
//     socket was cut.
// `npm run bench -- emulator-abuse`; ABUSE_FLOOD_POSTS (default 100000) sizes the flood.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import mqtt from 'mqtt';
import { encodePacket } from '@linkwire/mqtt';
import { mqttCredentials } from '@linkwire/sign';
import { startEmulator } from '@linkwire/emulator';

const PK = 'a1AbusePk01';
const POSTS = Number(process.env.ABUSE_FLOOD_POSTS ?? 100_000);
const dev = (name: string) => ({ productKey: PK, deviceName: name, deviceSecret: `secret-${name}` });
const FLOODER = dev('flooder-01');
const GOOD = dev('good-dev-01');
const FRESH = dev('fresh-dev-01');
const RAW = Array.from({ length: 4 }, (_, i) => dev(`raw-dev-0${i}`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const postTopic = (d: { deviceName: string }) => `/sys/${PK}/${d.deviceName}/thing/event/property/post`;
const post = (id: string) => JSON.stringify({ id, version: '1.0', params: { temperature: 21.5 }, method: 'thing.event.property.post' });

async function main(): Promise<void> {
  const server: ChildProcess = fork(process.argv[1]!, ['--emulator-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
  const stats = () =>
    new Promise<{ rss: number; connections: number }>((resolve) => {
      server.once('message', (m: { rss: number; connections: number }) => resolve(m));
      server.send({ type: 'stats' });
    });
  const url = `mqtt://127.0.0.1:${port}`;
  const connect = (d: typeof GOOD) =>
    mqtt.connectAsync(url, { ...mqttCredentials({ ...d, secureMode: 3 }), reconnectPeriod: 0, connectTimeout: 5000, keepalive: 60 });

  // 1. The flood beside a well-behaved device.
  const flooder = await connect(FLOODER);
  let floodReplies = 0;
  let floodAcks = 0;
  flooder.on('message', () => void floodReplies++);
  flooder.on('packetreceive', (p) => void (p.cmd === 'puback' && floodAcks++));
  await flooder.subscribeAsync(`${postTopic(FLOODER)}_reply`, { qos: 1 });
  const good = await connect(GOOD);
  await good.subscribeAsync(`${postTopic(GOOD)}_reply`, { qos: 1 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  good.on('message', (_t, payload) => {
    const id = JSON.parse(payload.toString()).id as string;
    const t0 = sentAt.get(id);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  const t0 = performance.now();
  for (let i = 0; i < POSTS; i++) flooder.publish(postTopic(FLOODER), post(String(i)), { qos: 1 });
  let goodSent = 0;
  const ticker = setInterval(() => {
    const id = `g${goodSent++}`;
    sentAt.set(id, performance.now());
    good.publish(postTopic(GOOD), post(id), { qos: 1 });
  }, 100);
  await sleep(1000);
  const tf = performance.now();
  let fresh = 'refused';
  try {
    const f = await connect(FRESH);
    fresh = `CONNACK in ${(performance.now() - tf).toFixed(0)} ms`;
    await f.endAsync(true);
  } catch (e) {
    fresh = `failed: ${(e as Error).message}`;
  }
  for (let t = 0; t < 60_000 && floodAcks < POSTS; t += 100) await sleep(100);
  const floodSeconds = (performance.now() - t0) / 1000;
  clearInterval(ticker);
  await sleep(500);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(1);
  console.log('\n## a QoS 1 flood subscribed to its replies, beside a device posting every 100 ms');
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| flooder: posts sent / PUBACKs / replies | ${POSTS} / ${floodAcks} / ${floodReplies} in ${floodSeconds.toFixed(1)} s |`);
  console.log(`| well-behaved device: posts / replies, latency p50 / p99 / max | ${goodSent} / ${latencies.length}, ${q(0.5)} / ${q(0.99)} / ${q(1 - 1e-9)} ms |`);
  console.log(`| fresh device during the flood | ${fresh} |`);
  await Promise.all([flooder.endAsync(true), good.endAsync(true)]);
  await sleep(300);

  // 2. 256 MB declared, before and after CONNECT.
  const before = await stats();
  const attack = async (afterConnect: boolean, d: typeof GOOD) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    let closed = false;
    s.on('close', () => (closed = true));
    if (afterConnect) {
      const c = mqttCredentials({ ...d, secureMode: 3 });
      s.write(encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: new TextEncoder().encode(c.password), keepalive: 60, cleanSession: true }));
      await sleep(100);
    }
    // PUBLISH (or CONNECT) with remaining length 268 435 455, then 64 KiB chunks of filler.
    s.write(Buffer.from([afterConnect ? 0x30 : 0x10, 0xff, 0xff, 0xff, 0x7f]));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 5;
    const deadline = performance.now() + 3000;
    while (!closed && sent < 64 * 2 ** 20 && performance.now() < deadline) {
      if (!s.write(chunk)) await new Promise((r) => { s.once('drain', r); setTimeout(r, 50); });
      sent += chunk.length;
    }
    await sleep(200);
    s.destroy();
    return { closed, sent };
  };
  const pre = await Promise.all(RAW.map((d) => attack(false, d)));
  const mid = await stats();
  const post2 = await Promise.all(RAW.map((d) => attack(true, d)));
  const after = await stats();
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  console.log('\n## four raw sockets declaring a 256 MB packet');
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| before CONNECT: cut / bytes the attackers got out | ${pre.filter((r) => r.closed).length} of 4 / ${mb(pre.reduce((a, r) => a + r.sent, 0))} |`);
  console.log(`| after CONNECT: cut / bytes the attackers got out | ${post2.filter((r) => r.closed).length} of 4 / ${mb(post2.reduce((a, r) => a + r.sent, 0))} |`);
  console.log(`| emulator RSS: before / after the first four / after all | ${mb(before.rss)} / ${mb(mid.rss)} / ${mb(after.rss)} |`);
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
}

if (process.argv.includes('--emulator-server')) {
  const platform = await startEmulator({ devices: [FLOODER, GOOD, FRESH, ...RAW] });
  process.send!({ port: platform.port });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats') process.send!({ type: 'stats', rss: process.memoryUsage().rss, connections: platform.connections });
    if (m.type === 'stop') void platform.close().then(() => process.exit(0));
  });
} else {
  await main();
}
