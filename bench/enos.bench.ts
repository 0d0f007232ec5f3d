/**
 * EnOS device clients on loopback: measure points posted with replies per second (one device,
 * 1 000 devices) and heap per idle connected device, @linkwire/node/enos against MQTT.js driven
 * by hand (the old EnOS SDK, which was built on MQTT.js, is no longer published). The broker
 * and the platform's responder run in a child process (aedes), so the clients' process holds
 * only clients; both clients sign the same EnOS CONNECT and speak the same JSON, at QoS 0 (the
 * reply acknowledges each request: @linkwire/enos's default when a reply is awaited).
 *
 *   npm run bench -- enos
 */
import { spawn, type ChildProcess } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import mqtt from 'mqtt';
import { manualClock, seededRandom, type Dialer } from '@linkwire/base';
import { createPacketParser, encodePacket } from '@linkwire/mqtt';
import { DeviceClient as CoreDeviceClient } from '@linkwire/enos';
import { DeviceClient } from '@linkwire/node/enos';
import { enosMqttCredentials } from '@linkwire/sign';

/** An in-memory broker that accepts every CONNECT and SUBSCRIBE and answers measure point posts, keeping nothing. */
const memoryDial: Dialer<unknown> = (_e, ev) => {
  const parser = createPacketParser();
  queueMicrotask(() => ev.onOpen?.());
  const reply = (bytes: Uint8Array): void => queueMicrotask(() => ev.onData(bytes));
  return {
    send(bytes) {
      for (const p of parser.push(bytes)) {
        if (p.type === 'connect') reply(encodePacket({ type: 'connack', sessionPresent: false, returnCode: 0 }));
        else if (p.type === 'subscribe') reply(encodePacket({ type: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 0) }));
        else if (p.type === 'publish') {
          if (p.qos === 1) reply(encodePacket({ type: 'puback', messageId: p.messageId! }));
          const id = /"id":"([^"]+)"/.exec(new TextDecoder().decode(p.payload))?.[1];
          reply(encodePacket({ type: 'publish', topic: `${p.topic}_reply`, payload: new TextEncoder().encode(`{"id":"${id}","code":200,"data":""}`), qos: 0, retain: false, dup: false }));
        }
      }
    },
    close() {},
  };
};

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const BROKER = `
import net from 'node:net';
import { Aedes } from 'aedes';
const broker = await Aedes.createBroker({ concurrency: 1000 });
broker.subscribe('/sys/+/+/thing/measurepoint/post', (packet, cb) => {
  const text = packet.payload.toString('latin1');
  const id = /"id":"([^"]+)"/.exec(text)[1];
  broker.publish({ cmd: 'publish', topic: packet.topic + '_reply', payload: Buffer.from('{"id":"' + id + '","code":200,"data":""}'), qos: 0, retain: false, dup: false }, () => cb());
}, () => {});
const server = net.createServer((s) => broker.handle(s));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

// Not a broker: one socket per client, answered directly with mqtt-packet (an independent
// codec), so the clients' own cost shows instead of a broker's routing.
const RESPONDER = `
import net from 'node:net';
import mp from 'mqtt-packet';
const server = net.createServer((s) => {
  const parser = mp.parser();
  s.setNoDelay(true);
  parser.on('packet', (p) => {
    if (p.cmd === 'connect') s.write(mp.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
    else if (p.cmd === 'subscribe') s.write(mp.generate({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 0) }));
    else if (p.cmd === 'pingreq') s.write(mp.generate({ cmd: 'pingresp' }));
    else if (p.cmd === 'publish') {
      if (p.qos === 1) s.write(mp.generate({ cmd: 'puback', messageId: p.messageId }));
      const m = /"id":"([^"]+)"/.exec(p.payload.toString('latin1'));
      if (m && p.topic.endsWith('/measurepoint/post')) s.write(mp.generate({ cmd: 'publish', topic: p.topic + '_reply', payload: Buffer.from('{"id":"' + m[1] + '","code":200,"data":""}'), qos: 0, retain: false, dup: false }));
    }
  });
  s.on('data', (d) => parser.parse(d));
  s.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startBroker(script = BROKER): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { port, child };
}

const PK = 'pkBench01';
interface Device {
  post(n: number): Promise<void>;
  close(): Promise<void>;
}

async function linkwireDevice(port: number, dk: string): Promise<Device> {
  const c = new DeviceClient({ brokerUrl: `tcp://127.0.0.1:${port}`, productKey: PK, deviceKey: dk, deviceSecret: 'secret', maxPendingReplies: 10_000, mqttOptions: { offlineQueue: { maxMessages: 10_000 } } });
  await c.connect();
  await c.deviceData.postMeasurepoint({ point: { measurepoints: { warm: 1 } } });
  return {
    post: async (n) => {
      const r = await c.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 20 + (n % 10), n } } });
      if (r.code !== 200) throw new Error(`code ${r.code}`);
    },
    close: () => c.close(),
  };
}

async function mqttjsDevice(port: number, dk: string): Promise<Device> {
  const creds = enosMqttCredentials({ productKey: PK, deviceKey: dk, deviceSecret: 'secret', timestamp: Date.now() });
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: creds.clientId, username: creds.username, password: creds.password, reconnectPeriod: 1000, keepalive: 60 });
  await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
  const topic = `/sys/${PK}/${dk}/thing/measurepoint/post`;
  const waiting = new Map<string, (code: number) => void>();
  c.on('message', (_t, payload) => {
    const r = JSON.parse(payload.toString('utf8')) as { id: string; code: number };
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    w?.(r.code);
  });
  await c.subscribeAsync(`${topic}_reply`, { qos: 0 });
  let id = 0;
  return {
    post: async (n) => {
      const mid = String(++id);
      const code = new Promise<number>((resolve) => waiting.set(mid, resolve));
      c.publish(topic, JSON.stringify({ id: mid, version: '1.0', params: { measurepoints: { temp: 20 + (n % 10), n } }, method: 'thing.measurepoint.post' }), { qos: 0 });
      if ((await code) !== 200) throw new Error('not 200');
    },
    close: () => c.endAsync(),
  };
}

type Make = (port: number, dk: string) => Promise<Device>;

async function throughput(make: Make, port: number, devices: number, postsPerDevice: number, window: number): Promise<number> {
  const list: Device[] = [];
  for (let i = 0; i < devices; i += 50) list.push(...(await Promise.all(Array.from({ length: Math.min(50, devices - i) }, (_, j) => make(port, `dev${String(i + j).padStart(6, '0')}`)))));
  const started = performance.now();
  await Promise.all(list.map(async (d) => {
    let next = 0;
    await Promise.all(Array.from({ length: window }, async () => {
      while (next < postsPerDevice) await d.post(next++);
    }));
  }));
  const rate = (devices * postsPerDevice) / ((performance.now() - started) / 1000);
  await Promise.all(list.map((d) => d.close()));
  return rate;
}

async function heapPerDevice(make: () => Promise<{ close(): Promise<void> }>, count: number): Promise<number> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: { close(): Promise<void> }[] = [];
  for (let i = 0; i < count; i += 50) held.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => make()))));
  await new Promise((r) => setTimeout(r, 200));
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  await Promise.all(held.map((h) => h.close()));
  return (after - before) / count;
}

async function rates(title: string, port: number): Promise<void> {
  const rows: [string, number, number][] = [];
  for (const [label, devices, posts, window] of [['1 device, 100 in flight', 1, 20_000, 100], ['1 000 devices, 1 in flight each', 1000, 20, 1]] as const) {
    const lw: number[] = [];
    const mj: number[] = [];
    for (let round = 0; round < 2; round++) {
      lw.push(await throughput(linkwireDevice, port, devices, posts, window));
      mj.push(await throughput(mqttjsDevice, port, devices, posts, window));
    }
    rows.push([label, Math.max(...mj), Math.max(...lw)]);
  }
  console.log(`\n## measure points posted with replies per second, ${title} (best of 2 alternating rounds)`);
  console.log('| load | MQTT.js by hand | @linkwire/node/enos | × MQTT.js |');
  console.log('|---|---:|---:|---:|');
  for (const [label, m, l] of rows) console.log(`| ${label} | ${Math.round(m).toLocaleString('en-US')} | ${Math.round(l).toLocaleString('en-US')} | ${(l / m).toFixed(2)} |`);
}

const responder = await startBroker(RESPONDER);
try {
  await rates('a minimal responder in a child process (client-bound)', responder.port);
} finally {
  responder.child.kill('SIGTERM');
}
const { port, child } = await startBroker();
try {
  await rates('through aedes in a child process (broker-bound)', port);

  let n = 0;
  const idle = 1000;
  const lwHeap = await heapPerDevice(async () => {
    const c = new DeviceClient({ brokerUrl: `tcp://127.0.0.1:${port}`, productKey: PK, deviceKey: `idle${String(n++).padStart(6, '0')}`, deviceSecret: 'secret' });
    await c.connect();
    return c;
  }, idle);
  const mjHeap = await heapPerDevice(async () => {
    const dk = `idlm${String(n++).padStart(6, '0')}`;
    const creds = enosMqttCredentials({ productKey: PK, deviceKey: dk, deviceSecret: 'secret', timestamp: Date.now() });
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: creds.clientId, username: creds.username, password: creds.password, reconnectPeriod: 1000 });
    await new Promise<void>((resolve) => c.once('connect', () => resolve()));
    await c.subscribeAsync(`/sys/${PK}/${dk}/thing/service/+`);
    return { close: () => c.endAsync().then(() => {}) };
  }, idle);
  // The core alone: the same DeviceClient over an in-memory transport (no socket, no Node stream).
  const clock = manualClock(0);
  const core = (post: boolean) => async () => {
    const c = new CoreDeviceClient({ brokerUrl: 'tcp://memory', productKey: PK, deviceKey: `core${String(n++).padStart(6, '0')}`, deviceSecret: 'secret' }, { clock, random: seededRandom(n), dial: memoryDial });
    await c.connect();
    if (post) await c.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 1 } } });
    return c;
  };
  const coreHeap = await heapPerDevice(core(false), idle);
  const coreAfterHeap = await heapPerDevice(core(true), idle);
  console.log(`\n## heap per idle connected device (${idle} devices, after gc)`);
  console.log('| client | heap per device |');
  console.log('|---|---:|');
  console.log(`| MQTT.js (connected, subscribed to its commands) | ${(mjHeap / 1024).toFixed(1)} KB |`);
  console.log(`| @linkwire/node/enos DeviceClient (Node socket included) | ${(lwHeap / 1024).toFixed(1)} KB |`);
  console.log(`| @linkwire/enos DeviceClient core (in-memory transport, no socket) | ${(coreHeap / 1024).toFixed(1)} KB |`);
  console.log(`| the same after one measure point post and its reply | ${(coreAfterHeap / 1024).toFixed(1)} KB |`);
} finally {
  child.kill('SIGTERM');
}
process.exit(0);
