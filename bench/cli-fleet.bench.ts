/**
 * `linkwire fleet` from one process against the emulator (in a second process, as the CLI runs
 * it), and the same load driven through MQTT.js clients: the same fleet engine (ramp, scheduler,
 * reply matching, report) with the MQTT client swapped behind its LinkStack interface, so the rows
 * differ only in the client stack. Each run is a fresh pair of processes, engines alternating.
 *
 *   npm run bench -- cli-fleet
 *   BENCH_FLEET_DEVICES=10000 BENCH_FLEET_RATES=0.1,0.3 BENCH_FLEET_DURATION=20 npm run bench -- cli-fleet
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { registerNodeHash } from '@linkwire/node';
import { fleetDevice, runFleet, type FleetReport } from '../packages/cli/src/sim/fleet.ts';
import { linkwireStack, type LinkStack } from '../packages/cli/src/sim/link.ts';

const root = `${process.cwd()}/`; // npm run bench runs from the repository root
const BIN = `${root}packages/cli/bin/linkwire.mjs`;
const gen = { productKey: 'a1LwFleet01', prefix: 'lw-fleet-', fleetKey: 'linkwire-fleet' };

/**
 * MQTT.js behind the fleet's LinkStack: one client per device with MQTT.js's own reconnection
 * (credentials re-signed before each attempt), as linkwire's stack uses @linkwire/mqtt's.
 */
const mqttjsStack: LinkStack = {
  name: 'mqtt.js',
  open(options, events) {
    return new Promise((resolve, reject) => {
      const params = options.params();
      const client = mqtt.connect({
        host: options.host, port: options.port, protocol: 'mqtt', protocolVersion: 4, clean: true, connectTimeout: 15_000,
        reconnectPeriod: options.minBackoffMs ?? 1000, clientId: params.clientId, username: params.username, password: params.password, keepalive: params.keepalive,
      });
      let up = false;
      client.on('reconnect', () => {
        const fresh = options.params();
        Object.assign(client.options, { clientId: fresh.clientId, username: fresh.username, password: fresh.password });
        events.onState?.('reconnecting');
      });
      client.on('connect', () => {
        if (up) return events.onState?.('connected');
        void client.subscribeAsync([...options.subscriptions], { qos: 1 }).then(() => {
          up = true;
          events.onState?.('connected');
          resolve({
            publish: async (topic, payload, qos) => {
              if (!client.connected) throw new Error('not connected');
              await client.publishAsync(topic, typeof payload === 'string' ? payload : Buffer.from(payload), { qos });
            },
            subscribe: async (filters) => (await client.subscribeAsync(filters.map((f) => f), { qos: 1 })).map((g) => g.qos),
            close: () => void client.end(false),
            get connected() {
              return client.connected;
            },
          });
        }, reject);
      });
      client.on('message', (topic, payload) => events.onMessage(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)));
      client.on('error', (e) => {
        if (/not authori[sz]ed|bad user|identifier rejected/i.test(e.message)) {
          events.onState?.('refused', e.message);
          client.end(true);
          if (!up) reject(e);
        }
      });
    });
  },
};

async function child(engine: string, devices: number, rate: number, durationS: number): Promise<void> {
  registerNodeHash();
  const platform = spawn(process.execPath, [BIN, '__fleet-platform', '--devices', String(devices), '--product-key', gen.productKey, '--prefix', gen.prefix, '--fleet-key', gen.fleetKey], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: platform.stdout! }).once('line', resolve));
  const { host, port } = JSON.parse(line) as { host: string; port: number };
  const report = await runFleet({
    host, port, stack: engine === 'mqtt.js' ? mqttjsStack : linkwireStack, devices: Array.from({ length: devices }, (_, i) => fleetDevice(i, gen)),
    rampPerSecond: 1000, ratePerDevice: rate, qos: 1, payloadSize: 256, durationMs: durationS * 1000, replyTimeoutMs: 10_000,
  });
  platform.kill('SIGTERM');
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

function runChild(engine: string, devices: number, rate: number, durationS: number): Promise<FleetReport> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [process.argv[1]!, '--child', engine, String(devices), String(rate), String(durationS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as FleetReport) : reject(new Error(`${engine} run exited ${code}`))));
  });
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1]!, Number(args[2]), Number(args[3]), Number(args[4]));
} else {
  const devices = Number(process.env['BENCH_FLEET_DEVICES'] ?? 10_000);
  const rates = (process.env['BENCH_FLEET_RATES'] ?? '0.1').split(',').map(Number);
  const durationS = Number(process.env['BENCH_FLEET_DURATION'] ?? 20);
  console.log(`\n## fleet: ${devices} devices against the emulator (second process), QoS 1, 256-byte posts, ${durationS} s after the ramp`);
  console.log('| client stack | posts/s per device | connected | ramp s | acked/s | replies/s | reply p50 ms | p99 ms | errors | CPU per connect µs | steady CPU % of a core | CPU µs per acked post | RSS per device | heap per device |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const rate of rates) {
    for (const engine of ['linkwire', 'mqtt.js']) {
      const r = await runChild(engine, devices, rate, durationS);
      const perPost = r.steady.acked > 0 ? ((r.cpu.steadyMs * 1000) / r.steady.acked).toFixed(0) : '-';
      const perConnect = r.maxConnected > 0 ? ((r.cpu.rampMs * 1000) / r.maxConnected).toFixed(0) : '-';
      const kib = (b: number | null) => (b === null ? '-' : `${(b / 1024).toFixed(1)} KiB`);
      console.log(`| ${engine} | ${rate} | ${r.maxConnected} | ${(r.rampMs / 1000).toFixed(1)} | ${r.rates.ackedPerSecond} | ${r.rates.repliesPerSecond} | ${r.latencyMs.p50 ?? '-'} | ${r.latencyMs.p99 ?? '-'} | ${r.totals.errors} | ${perConnect} | ${r.cpu.steadyPercentOfOneCore} | ${perPost} | ${kib(r.memory.rssPerDeviceBytes)} | ${kib(r.memory.heapPerDeviceBytes)} |`);
    }
  }
}
