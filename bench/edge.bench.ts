// Link IoT Edge: the Watch stream reader against the line splitter a user would write
// (TextDecoder + string concatenation + split), and throughput over real sockets on
// 127.0.0.1 against the local gateway: HTTP API calls per second (single and bulk), Watch
// events per second delivered to a client, driver property reports per second end to end.
import { createWatchReader, connectDriver, createEdgeHttpClient, encodeWatchMessage, type EdgeFetch, type ThingAccessClient } from '@linkwire/edge';
import { startEdgeGateway } from '@linkwire/emulator';
import { nodeClock, nodeDialer, nodeRandom } from '@linkwire/node';
import { compare } from './support.ts';

// ---- the stream reader ----
const line = encodeWatchMessage({ kind: 'event', productKey: 'a1t9b6Nn', deviceName: 'GjCb9LKXgcKXeluGj', event: 'propertiesChanged', args: { MeasuredIlluminance: { time: 1572510704110, value: 400 } }, timestamp: 1572510704112 });
const stream = new Uint8Array(line.length * 4000);
for (let i = 0; i < stream.length; i += line.length) stream.set(line, i);

function naive(chunk: number, length = stream.length): number {
  // What a user writes: decode each chunk, append, split on newlines, JSON.parse each line.
  const dec = new TextDecoder();
  let buf = '';
  let n = 0;
  for (let i = 0; i < length; i += chunk) {
    buf += dec.decode(stream.subarray(i, i + chunk), { stream: true });
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) if (p) (JSON.parse(p), n++);
  }
  return n;
}
function linkwire(chunk: number, length = stream.length): number {
  const r = createWatchReader();
  let n = 0;
  for (let i = 0; i < length; i += chunk) n += r.push(stream.subarray(i, i + chunk)).length;
  r.end();
  return n;
}
for (const chunk of [16384, 1460, 64]) {
  await compare(`Watch stream, ${stream.length} bytes in ${chunk}-byte chunks`, [
    { name: 'TextDecoder + concat + split + JSON.parse', fn: () => naive(chunk) },
    { name: 'linkwire createWatchReader (bounded, typed)', fn: () => linkwire(chunk) },
  ], { bytesPerOp: stream.length });
}
// 1-byte chunks: the naive splitter re-splits everything it holds on every byte (quadratic per line).
await compare(`Watch stream, ${line.length * 50} bytes in 1-byte chunks`, [
  { name: 'TextDecoder + concat + split + JSON.parse', fn: () => naive(1, line.length * 50) },
  { name: 'linkwire createWatchReader (bounded, typed)', fn: () => linkwire(1, line.length * 50) },
], { bytesPerOp: line.length * 50, time: 300 });
// ---- over sockets, against the local gateway ----
const PK = 'a1BenchPk01';
const DEVICES = Array.from({ length: 50 }, (_, i) => `bench-dev-${i}`);
const GATEWAY = { productKey: 'a1BenchGw01', deviceName: 'bench-gateway' };
const gw = await startEdgeGateway({
  gateway: GATEWAY,
  drivers: [{ driverId: 'bench-driver', driverSecret: 'bench-secret', config: JSON.stringify({ deviceList: DEVICES.map((deviceName) => ({ productKey: PK, deviceName })) }) }],
  maxConnectionsPerAddress: 256,
  heartbeatMs: 5000,
});
const driver = await connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'bench-driver', driverSecret: 'bench-secret', gateway: GATEWAY });
const clients: ThingAccessClient[] = [];
for (const dn of DEVICES) {
  const c = driver.thingAccessClient({ productKey: PK, deviceName: dn }, {
    setProperties: () => ({ code: 0 }),
    getProperties: (keys) => ({ code: 0, params: Object.fromEntries(keys.map((k) => [k, 1])) }),
    callService: () => ({ code: 0 }),
  });
  await c.registerAndOnline();
  clients.push(c);
}
const api = createEdgeHttpClient({ baseUrl: gw.url, fetch: fetch as unknown as EdgeFetch, username: 'admin', password: 'admin1234' });
await api.listThings();

async function rate(title: string, concurrency: number, ms: number, op: (i: number) => Promise<unknown>, unitsPerOp = 1): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i += concurrency) {
        await op(i);
        done++;
      }
    }),
  );
  const perSecond = (done * unitsPerOp * 1000) / (performance.now() - start);
  console.log(`| ${title} | ${Math.round(perSecond).toLocaleString('en-US')} |`);
  return perSecond;
}

console.log('\n## Against the local gateway over 127.0.0.1 (one process: gateway, driver and client)');
console.log('| what | per second |');
console.log('|---|---:|');
await rate('GetThingProperties calls (16 in flight)', 16, 2000, (i) => api.getThingProperties(PK, DEVICES[i % DEVICES.length]!, ['temperature']));
await rate('SetThingProperties calls (16 in flight)', 16, 2000, (i) => api.setThingProperties(PK, DEVICES[i % DEVICES.length]!, { temperature: i }));
await rate('BulkActions GetProperties, 50 devices a call: device reads (4 in flight)', 4, 2000, () => api.bulkActions({ BulkAction: 'GetProperties', Things: DEVICES.map((d) => ({ ProductKey: PK, DeviceName: d, Identifiers: ['temperature'] })) }), DEVICES.length);
await rate('driver reportProperties, acknowledged by the gateway (64 in flight)', 64, 2000, (i) => clients[i % clients.length]!.reportProperties({ temperature: i }));

// Watch: reports pipelined by the driver, counted as they arrive at an HTTP client.
{
  const sub = api.watch([], { clock: nodeClock });
  let events = 0;
  const reading = (async () => {
    for await (const item of sub) if (item.kind === 'event') events++;
  })();
  await new Promise((r) => setTimeout(r, 200));
  const start = performance.now();
  const end = start + 2000;
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    for (let i = w; performance.now() < end; i += 64) await clients[i % clients.length]!.reportProperties({ temperature: i });
  }));
  await new Promise((r) => setTimeout(r, 200));
  console.log(`| Watch events delivered to an HTTP client | ${Math.round((events * 1000) / (performance.now() - start - 200)).toLocaleString('en-US')} |`);
  sub.close();
  await reading;
}

await driver.destroy();
await gw.close();
