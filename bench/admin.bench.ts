// The admin API and the web console under load. The emulator runs in a child process (this file
// with --admin-server, 1000 devices), the load here:
//  1. requests per second of the admin API: ADMIN_BENCH_CONCURRENCY (default 32) keep-alive
//     connections each sending the next request as soon as the last is answered, for
//     ADMIN_BENCH_SECONDS (default 5) per endpoint;
//  2. console update latency for a busy device: the console open in Chromium, one device
//     publishing property posts (QoS 0) at ADMIN_BENCH_RATE per second (default 1000) and then
//     as fast as it can; each payload carries its send time, and a MutationObserver in the page
//     notes when the row appears in the message log (device publish → row on screen).
// `npm run bench -- admin`. No peer is named for this measure: absolute numbers on this machine.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createPacketParser, encodePacket } from '@linkwire/mqtt';
import { mqttCredentials } from '@linkwire/sign';
import { startEmulator } from '@linkwire/emulator';
import { withChromium } from '../test/runtime/chromium.ts';

const SECONDS = Number(process.env.ADMIN_BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.ADMIN_BENCH_CONCURRENCY ?? 32);
const RATE = Number(process.env.ADMIN_BENCH_RATE ?? 1000);
const PK = 'a1BenchPk01';
const DEVICES = 1000;
const nameOf = (i: number): string => `bench-${String(i).padStart(4, '0')}`;

if (process.argv.includes('--admin-server')) {
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ productKey: PK, deviceName: nameOf(i), deviceSecret: `secret-${i}` }));
  const platform = await startEmulator({ devices, admin: true });
  process.send!({ port: platform.port, adminUrl: platform.adminUrl });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'cpu') process.send!({ type: 'cpu', cpu: process.cpuUsage() });
    if (m.type === 'stop') void platform.close().then(() => process.exit(0));
  });
} else {
  await main();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function main(): Promise<void> {
  const server: ChildProcess = fork(process.argv[1]!, ['--admin-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A failed run must not leave the emulator behind.
  process.on('exit', () => server.kill());
  const { port, adminUrl } = await new Promise<{ port: number; adminUrl: string }>((resolve) => server.once('message', resolve));
  const cpu = (): Promise<NodeJS.CpuUsage> => new Promise((resolve) => {
    server.once('message', (m: { cpu: NodeJS.CpuUsage }) => resolve(m.cpu));
    server.send({ type: 'cpu' });
  });
  const base = new URL(adminUrl);
  console.log(`load average at start: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);

  // 1. Requests per second.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const once = (method: string, path: string, body?: string): Promise<number> => new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
  const endpoints: [string, string, string, string?][] = [
    ['GET one device', 'GET', `/api/devices/${PK}/${nameOf(7)}`],
    ['GET device list (1000 devices)', 'GET', '/api/devices'],
    ['GET message log page (limit 20)', 'GET', '/api/messages?limit=20'],
    ['POST create device (201)', 'POST', '/api/devices'],
    ['POST refused body (400)', 'POST', '/api/devices', '{"productKey":1}'],
  ];
  console.log(`\n## admin API: ${CONCURRENCY} keep-alive connections, ${SECONDS} s per endpoint\n`);
  console.log('| endpoint | requests/s | p50 ms | p99 ms | emulator CPU per request |');
  console.log('|---|---:|---:|---:|---:|');
  let created = 0;
  for (const [name, method, path, fixed] of endpoints) {
    const latencies: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    const c0 = await cpu();
    let statusSeen = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const body = method === 'POST' ? fixed ?? JSON.stringify({ productKey: PK, deviceName: `made-${created++}` }) : undefined;
        const t = performance.now();
        statusSeen = await once(method, path, body);
        latencies.push(performance.now() - t);
      }
    }));
    const c1 = await cpu();
    latencies.sort((a, b) => a - b);
    const rate = latencies.length / SECONDS;
    const perRequest = (c1.user + c1.system - c0.user - c0.system) / latencies.length;
    console.log(`| ${name} → ${statusSeen} | ${Math.round(rate).toLocaleString('en')} | ${percentile(latencies, 0.5).toFixed(2)} | ${percentile(latencies, 0.99).toFixed(2)} | ${perRequest.toFixed(0)} µs |`);
  }
  agent.destroy();

  // 2. Console update latency for a busy device.
  const c = mqttCredentials({ productKey: PK, deviceName: nameOf(1), deviceSecret: 'secret-1', secureMode: 3, signMethod: 'hmacsha256', timestamp: Date.now() });
  const topic = `/sys/${PK}/${nameOf(1)}/thing/event/property/post`;
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const parser = createPacketParser();
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (b) => {
      for (const p of parser.push(b)) {
        if (p.type === 'connack') {
          if (p.returnCode !== 0) reject(new Error(`CONNACK ${p.returnCode}`));
          else resolve();
        }
      }
    });
    socket.on('error', reject);
    socket.write(encodePacket({ type: 'connect', clientId: c.clientId, username: c.username, password: Buffer.from(c.password), keepalive: 300, cleanSession: true }));
  });
  let id = 0;
  const post = (): boolean => socket.write(encodePacket({ type: 'publish', topic, payload: Buffer.from(`{"id":"${++id}","version":"1.0","params":{"t":${Date.now()}},"method":"thing.event.property.post"}`), qos: 0, retain: false, dup: false }));

  console.log(`\n## console update latency: one device posting, the console open in Chromium (${SECONDS} s per run)\n`);
  console.log('| device posts/s (offered → sent) | rows drawn in the page | publish → row p50 / p99 / max ms | publish → logged p50 / p99 | logged → row p50 / p99 |');
  console.log('|---|---:|---:|---:|---:|');
  await withChromium(async (context) => {
    const page = await context.newPage();
    await page.goto(adminUrl);
    await page.locator('#stream[data-state="live"]').waitFor({ timeout: 30_000 });
    await page.evaluate(() => {
      const w = window as unknown as { __lat: number[][] };
      w.__lat = [];
      new MutationObserver((records) => {
        const now = Date.now();
        for (const r of records) {
          for (const n of r.addedNodes) {
            const el = n as HTMLElement;
            const m = /"t":(\d{13})/.exec(el.textContent ?? '');
            // [publish → row, publish → logged by the emulator, logged → row]
            if (m !== null && el.classList.contains('up')) w.__lat.push([now - Number(m[1]), Number(el.dataset['time']) - Number(m[1]), now - Number(el.dataset['time'])]);
          }
        }
      }).observe(document.getElementById('log')!, { childList: true });
    });
    for (const rate of [RATE, Infinity]) {
      await page.evaluate(() => void ((window as unknown as { __lat: number[] }).__lat = []));
      const first = id;
      const t0 = performance.now();
      const end = t0 + SECONDS * 1000;
      if (rate === Infinity) {
        // As fast as the socket takes them: write until it pushes back, wait for drain, again.
        while (performance.now() < end) {
          while (post() && performance.now() < end) if (id % 256 === 0) break;
          await new Promise((r) => (socket.writableNeedDrain ? socket.once('drain', r) : setImmediate(r)));
        }
      } else {
        let due = 0;
        while (performance.now() < end) {
          due = Math.floor(((performance.now() - t0) / 1000) * rate);
          while (id - first < due) post();
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      const sent = id - first;
      // Let the page catch up, then read what it saw.
      await new Promise((r) => setTimeout(r, 1500));
      const seen = await page.evaluate(() => (window as unknown as { __lat: number[][] }).__lat);
      const column = (i: number): number[] => seen.map((x) => x[i]!).sort((a, b) => a - b);
      const [total, ingest, page2] = [column(0), column(1), column(2)];
      const offered = rate === Infinity ? 'flood' : String(rate);
      console.log(`| ${offered} → ${Math.round(sent / SECONDS).toLocaleString('en')} | ${seen.length.toLocaleString('en')} of ${sent.toLocaleString('en')} | ${percentile(total, 0.5)} / ${percentile(total, 0.99)} / ${total.at(-1)} | ${percentile(ingest, 0.5)} / ${percentile(ingest, 0.99)} | ${percentile(page2, 0.5)} / ${percentile(page2, 0.99)} |`);
    }
  });
  socket.destroy();
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
}
