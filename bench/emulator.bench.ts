// The emulator under load: devices held by one process, property posts answered per second,
// and reply latency under load. The emulator runs in a child process (this same file with
// --emulator-server), the devices here: each process has its own 20 000 open-file limit.
// Then cluster mode: two emulator processes on one Debian redis-server, the same devices spread
// over both, and service calls issued through one process to devices held by the other.
// `npm run bench -- emulator`; EMULATOR_BENCH_DEVICES (default 10000) and
// EMULATOR_BENCH_SECONDS (default 5) change the size of the run; EMULATOR_BENCH_CLUSTER=0 skips
// the cluster part.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createPacketParser, encodePacket, type MqttPacket } from '@linkwire/mqtt';
import { mqttCredentials } from '@linkwire/sign';
import { startEmulator } from '@linkwire/emulator';
import { startRedis } from '../test/support/redis.ts';

const N = Number(process.env.EMULATOR_BENCH_DEVICES ?? 10_000);
const SECONDS = Number(process.env.EMULATOR_BENCH_SECONDS ?? 5);
const PK = 'a1BenchPk01';
const nameOf = (i: number): string => `bench-${String(i).padStart(6, '0')}`;
const secretOf = (i: number): string => `secret-${i}`;

if (process.argv.includes('--emulator-server')) {
  const devices = Array.from({ length: N }, (_, i) => ({ productKey: PK, deviceName: nameOf(i), deviceSecret: secretOf(i) }));
  const redisArg = process.argv.indexOf('--redis');
  const redis = redisArg < 0 ? undefined : { url: process.argv[redisArg + 1]!, prefix: 'bench' };
  const platform = await startEmulator({ devices, ...(redis === undefined ? {} : { redis }) });
  process.send!({ port: platform.port });
  process.on('message', (m: { type: string; keys?: string[] }) => {
    if (m.type === 'invoke') {
      // Service calls issued here, to devices that may be held by the other process.
      const t0 = performance.now();
      void Promise.all(m.keys!.map(async (name) => {
        const t = performance.now();
        const r = await platform.invokeService(PK, name, 'Ping', {}, { timeoutMs: 5000 });
        return { ok: r.status === 'replied', ms: performance.now() - t };
      })).then((results) => process.send!({ type: 'invoked', results, seconds: (performance.now() - t0) / 1000 }));
    }
    if (m.type === 'stats') {
      const u = process.memoryUsage();
      process.send!({ type: 'stats', connections: platform.connections, rss: u.rss, heapUsed: u.heapUsed, cpu: process.cpuUsage() });
    }
    if (m.type === 'stop') void platform.close().then(() => process.exit(0));
  });
} else {
  await main();
  if (process.env.EMULATOR_BENCH_CLUSTER !== '0') await cluster();
}

interface Device {
  readonly socket: net.Socket;
  readonly post: (id: number) => void;
}

async function main(): Promise<void> {
  const server: ChildProcess = fork(process.argv[1]!, ['--emulator-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
  const ask = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      server.once('message', (m: T) => resolve(m));
      server.send({ type });
    });

  const sent = new Map<number, number>();
  const latencies: number[] = [];
  let replies = 0;
  let recording = false;

  const connectOne = (i: number): Promise<Device> =>
    new Promise((resolve, reject) => {
      const c = mqttCredentials({ productKey: PK, deviceName: nameOf(i), deviceSecret: secretOf(i), secureMode: 3, signMethod: 'hmacsha256', timestamp: Date.now() });
      const topic = `/sys/${PK}/${nameOf(i)}/thing/event/property/post`;
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const parser = createPacketParser();
      const device: Device = {
        socket,
        post: (id) => {
          sent.set(id, performance.now());
          socket.write(encodePacket({ type: 'publish', topic, payload: Buffer.from(`{"id":"${id}","version":"1.0","params":{"temperature":21.5},"method":"thing.event.property.post"}`), qos: 0, retain: false, dup: false }));
        },
      };
      socket.on('data', (b) => {
        let packets: MqttPacket[];
        try {
          packets = parser.push(b);
        } catch (e) {
          return reject(e);
        }
        for (const p of packets) {
          if (p.type === 'connack') {
            if (p.returnCode !== 0) return reject(new Error(`CONNACK ${p.returnCode}`));
            socket.write(encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: `${topic}_reply`, qos: 0 }] }));
          } else if (p.type === 'suback') resolve(device);
          else if (p.type === 'publish') {
            const text = Buffer.from(p.payload).toString();
            const id = Number(text.slice(7, text.indexOf('"', 7)));
            const t0 = sent.get(id);
            if (t0 !== undefined) {
              sent.delete(id);
              replies++;
              if (recording) latencies.push(performance.now() - t0);
              onReply(device, id);
            }
          }
        }
      });
      socket.on('error', reject);
      socket.write(encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: Buffer.from(c.password), keepalive: 300, cleanSession: true }));
    });

  let onReply: (d: Device, id: number) => void = () => undefined;

  // 1. Connect every device, 500 handshakes in flight at a time.
  const idle = await ask<{ cpu: NodeJS.CpuUsage }>('stats');
  const devices: Device[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) devices.push(...(await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, k) => connectOne(i + k)))));
  const connectSeconds = (performance.now() - t0) / 1000;
  const held = await ask<{ connections: number; rss: number; heapUsed: number; cpu: NodeJS.CpuUsage }>('stats');

  // 2. Saturation: every device keeps 2 posts outstanding (closed loop) for SECONDS.
  let nextId = 1;
  let running = true;
  onReply = (d) => {
    if (running) d.post(nextId++);
  };
  const before = replies;
  const tSat = performance.now();
  for (const d of devices) {
    d.post(nextId++);
    d.post(nextId++);
  }
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  running = false;
  const satReplies = replies - before;
  const satRate = satReplies / ((performance.now() - tSat) / 1000);
  // The emulator's own CPU time per answered post: what the shared machine's load changes least.
  const after = await ask<{ cpu: NodeJS.CpuUsage }>('stats');
  const cpuPerPost = (after.cpu.user + after.cpu.system - held.cpu.user - held.cpu.system) / satReplies;
  // Let the posts still in flight drain before measuring latency.
  for (let i = 0; i < 300 && sent.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
  sent.clear();

  // 3. Latency under load: open loop at half the saturation rate, spread over all devices.
  onReply = () => undefined;
  const rate = Math.max(100, Math.floor(satRate / 2));
  recording = true;
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let cursor = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < perTick; k++) devices[cursor++ % devices.length]!.post(nextId++);
  }, tickMs);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 1000));
  recording = false;
  latencies.sort((a, b) => a - b);
  const q = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(1);

  console.log('\n## emulator (one process) under devices in another process');
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| devices connected and held | ${held.connections.toLocaleString('en-US')} |`);
  const cpuPerConnect = (held.cpu.user + held.cpu.system - idle.cpu.user - idle.cpu.system) / N;
  console.log(`| CONNECTs verified per second (HMAC-SHA256, then SUBSCRIBE) | ${Math.round(N / connectSeconds).toLocaleString('en-US')} |`);
  console.log(`| emulator CPU per connection (accept, verify, CONNACK, SUBSCRIBE) | ${cpuPerConnect.toFixed(0)} µs (≈ ${Math.round(1e6 / cpuPerConnect).toLocaleString('en-US')} per second per core) |`);
  console.log(`| emulator RSS with them connected | ${(held.rss / 2 ** 20).toFixed(0)} MiB (${((held.rss / N) / 1024).toFixed(1)} KiB per device) |`);
  console.log(`| property posts answered per second (saturated, ${N.toLocaleString('en-US')} devices) | ${Math.round(satRate).toLocaleString('en-US')} |`);
  console.log(`| emulator CPU per answered post (receive, ACL, decode, reply) | ${cpuPerPost.toFixed(1)} µs (≈ ${Math.round(1e6 / cpuPerPost).toLocaleString('en-US')} posts/s per core) |`);
  console.log(`| reply latency at ${rate.toLocaleString('en-US')} posts/s: p50 / p99 / max | ${q(0.5)} / ${q(0.99)} / ${q(1 - 1e-9)} ms (${latencies.length.toLocaleString('en-US')} replies) |`);

  for (const d of devices) d.socket.destroy();
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
}

/** Devices held by two emulator processes on one Redis, and service calls across them. */
async function cluster(): Promise<void> {
  const redis = await startRedis();
  const servers = [0, 1].map(() => fork(process.argv[1]!, ['--emulator-server', '--redis', redis.url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ports = await Promise.all(servers.map((s) => new Promise<number>((resolve) => s.once('message', (m: { port: number }) => resolve(m.port)))));
  const ask = <T>(server: ChildProcess, message: object, answer: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: T & { type?: string }) => {
        if (m.type !== answer) return;
        server.off('message', on);
        resolve(m);
      };
      server.on('message', on);
      server.send(message);
    });
  type Stats = { connections: number; rss: number; cpu: NodeJS.CpuUsage };
  // Device i connects to process i % 2 and answers every service call.
  const connectOne = (i: number): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const c = mqttCredentials({ productKey: PK, deviceName: nameOf(i), deviceSecret: secretOf(i), secureMode: 3, signMethod: 'hmacsha256', timestamp: Date.now() });
      const service = `/sys/${PK}/${nameOf(i)}/thing/service/Ping`;
      const socket = net.connect(ports[i % 2]!, '127.0.0.1');
      socket.setNoDelay(true);
      const parser = createPacketParser();
      socket.on('data', (b) => {
        for (const p of parser.push(b)) {
          if (p.type === 'connack') {
            if (p.returnCode !== 0) return reject(new Error(`CONNACK ${p.returnCode}`));
            socket.write(encodePacket({ type: 'subscribe', messageId: 1, subscriptions: [{ topic: service, qos: 0 }] }));
          } else if (p.type === 'suback') resolve(socket);
          else if (p.type === 'publish') {
            const text = Buffer.from(p.payload).toString();
            const id = text.slice(7, text.indexOf('"', 7));
            socket.write(encodePacket({ type: 'publish', topic: `${service}_reply`, payload: Buffer.from(`{"id":"${id}","code":200,"data":{}}`), qos: 0, retain: false, dup: false }));
          }
        }
      });
      socket.on('error', reject);
      socket.write(encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: Buffer.from(c.password), keepalive: 300, cleanSession: true }));
    });
  const idle = await Promise.all(servers.map((s) => ask<Stats>(s, { type: 'stats' }, 'stats')));
  const sockets: net.Socket[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) sockets.push(...(await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, k) => connectOne(i + k)))));
  const connectSeconds = (performance.now() - t0) / 1000;
  const held = await Promise.all(servers.map((s) => ask<Stats>(s, { type: 'stats' }, 'stats')));
  // Presence reaches the other process through Redis: wait until both see every device.
  await new Promise((r) => setTimeout(r, 1000));
  // 1000 service calls issued through process 0 to devices held by process 1 (odd ones).
  const CALLS = Math.min(1000, Math.floor(N / 2));
  const keys = Array.from({ length: CALLS }, (_, k) => nameOf(2 * k + 1));
  const invoked = await ask<{ results: { ok: boolean; ms: number }[]; seconds: number }>(servers[0]!, { type: 'invoke', keys }, 'invoked');
  const ms = invoked.results.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b);
  const q = (p: number): string => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? NaN).toFixed(1);
  const cpu = (a: Stats, b: Stats) => (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / (N / 2);

  console.log('\n## cluster mode: two emulator processes on one redis-server, devices in a third');
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| devices connected and held (process 0 + process 1) | ${held.map((h) => h.connections.toLocaleString('en-US')).join(' + ')} = ${(held[0]!.connections + held[1]!.connections).toLocaleString('en-US')} |`);
  console.log(`| CONNECTs verified per second, both processes (HMAC-SHA256, then SUBSCRIBE) | ${Math.round(N / connectSeconds).toLocaleString('en-US')} |`);
  console.log(`| emulator CPU per connection (accept, verify, CONNACK, SUBSCRIBE, presence in Redis) | ${held.map((h, i) => cpu(idle[i]!, h).toFixed(0)).join(' / ')} µs |`);
  console.log(`| emulator RSS with them connected | ${held.map((h) => `${(h.rss / 2 ** 20).toFixed(0)} MiB`).join(' + ')} |`);
  console.log(`| service calls through process 0 to devices on process 1: answered, per second | ${ms.length} of ${CALLS}, ${Math.round(ms.length / invoked.seconds).toLocaleString('en-US')}/s (all issued at once) |`);
  console.log(`| … round trip p50 / p99 / max | ${q(0.5)} / ${q(0.99)} / ${q(1 - 1e-9)} ms |`);

  for (const s of sockets) s.destroy();
  for (const s of servers) s.send({ type: 'stop' });
  await Promise.all(servers.map((s) => new Promise((r) => s.once('exit', r))));
  await redis.stop();
}
