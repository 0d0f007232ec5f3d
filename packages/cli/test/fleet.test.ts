import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Decode } from '@linkwire/base';
import { connectMqtt } from '@linkwire/node';
import { verifyCombineLogin, verifyTopoAddEntry } from '@linkwire/sign';
import { fleetDevice, fleetGateway, shardRange } from '../src/sim/fleet.ts';
import { createHistogram, mergeHistograms, percentile, record } from '../src/sim/histogram.ts';
import { startAedes, type TestBroker } from '../../../test/support/brokers.ts';
import { json, run, runInTerminal, tempDir } from './support.ts';
import type { FleetReport } from '../src/sim/fleet.ts';

describe('linkwire fleet against the emulator', () => {
  it('holds 1 000 devices, counts every reply, and reports it (JSON)', async () => {
    const r = await run(['fleet', '--devices', '1000', '--ramp', '2000', '--rate', '0.2', '--duration', '3s', '--payload-size', '200', '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const rep = json<FleetReport>(r);
    expect(rep.format).toBe('linkwire-fleet-report/1');
    expect(rep.devices).toBe(1000);
    expect(rep.maxConnected).toBe(1000);
    expect(rep.connectedAtEnd).toBe(1000);
    expect(rep.firstDevice).toBe('lw-fleet-000000');
    expect(rep.lastDevice).toBe('lw-fleet-000999');
    expect(rep.totals.refused).toBe(0);
    expect(rep.totals.errors).toBe(0);
    expect(rep.totals.sent).toBeGreaterThan(100);
    // QoS 1: every post acknowledged and answered with code 200.
    expect(rep.totals.acked).toBe(rep.totals.sent);
    expect(rep.totals.replies).toBe(rep.totals.sent);
    expect(rep.latencyMs.count).toBe(rep.totals.replies);
    expect(rep.latencyMs.p50).toBeGreaterThan(0);
    expect(rep.latencyMs.p99!).toBeGreaterThanOrEqual(rep.latencyMs.p50!);
    expect(rep.steady.sent).toBeGreaterThan(0);
    expect(rep.rates.repliesPerSecond).toBeGreaterThan(0);
    expect(rep.memory.rssPerDeviceBytes).toBeGreaterThan(0);
  }, 150_000);

  it('runs disjoint shards that `fleet merge` combines exactly', async () => {
    const dir = tempDir();
    const common = ['fleet', '--devices', '60', '--rate', '1', '--duration', '2s', '--qos', '0'];
    const [a, b] = await Promise.all([
      run([...common, '--shard', '0/2', '--report', join(dir, 'a.json')], { timeoutMs: 60_000 }),
      run([...common, '--shard', '1/2', '--report', join(dir, 'b.json')], { timeoutMs: 60_000 }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ra = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as FleetReport;
    const rb = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as FleetReport;
    expect([ra.firstDevice, ra.lastDevice, rb.firstDevice, rb.lastDevice]).toEqual(['lw-fleet-000000', 'lw-fleet-000029', 'lw-fleet-000030', 'lw-fleet-000059']);
    expect(ra.totals.acked).toBe(0); // QoS 0 has no PUBACK
    const m = await run(['fleet', 'merge', join(dir, 'a.json'), join(dir, 'b.json'), '--json']);
    expect(m.code).toBe(0);
    const merged = json<FleetReport & { shards: number; overlapping: boolean }>(m);
    expect(merged).toMatchObject({ shards: 2, overlapping: false, devices: 60, maxConnected: 60, firstDevice: 'lw-fleet-000000', lastDevice: 'lw-fleet-000059' });
    expect(merged.totals.sent).toBe(ra.totals.sent + rb.totals.sent);
    expect(merged.totals.replies).toBe(ra.totals.replies + rb.totals.replies);
    expect(merged.latencyMs.count).toBe(ra.latencyMs.count + rb.latencyMs.count);
    const twice = await run(['fleet', 'merge', join(dir, 'a.json'), join(dir, 'a.json')]);
    expect(twice.code).toBe(0);
    expect(twice.stderr).toContain('two reports cover the same shard');
    const text = await run(['fleet', 'merge', join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(text.stdout).toContain('shards      2');
    expect(text.stdout).toMatch(/latency {5}p50 [\d.]+ ms/);
  }, 120_000);

  it('draws a live table in a terminal and writes plain lines in a pipe', async () => {
    const args = ['fleet', '--devices', '10', '--rate', '2', '--duration', '2s'];
    const tty = await runInTerminal(args, { timeoutMs: 60_000 });
    expect(tty.code).toBe(0);
    // Redrawn in place: cursor up three lines, then each line cleared and rewritten.
    expect(tty.stdout).toContain('\x1b[3A');
    expect(tty.stdout).toMatch(/\r\x1b\[Kfleet +\d+ s {2}(ramp|steady|drain) +devices 10 {2}connected \d+/);
    expect(tty.stdout).toMatch(/reply latency p50 [\d.-]+ ms {2}p99/);
    expect(tty.stdout).toContain('rates       ');
    const piped = await run(args, { timeoutMs: 60_000 });
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('\x1b[');
    expect(piped.stderr).toMatch(/^fleet \d+s (ramp|steady|drain) connected=\d+\/10 .* replies=\d+ errors=\d+ p50=/m);
    expect(piped.stdout).toMatch(/^devices {5}10 against 127\.0\.0\.1:\d+ \(linkwire\)$/m);
  }, 120_000);

  it('stops cleanly on Ctrl-C at a terminal (SIGINT to the whole process group): replies drained, report printed', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./support.ts');
    // detached: its own process group, which is what a terminal signals on Ctrl-C.
    const child = spawn(process.execPath, [BIN, 'fleet', '--devices', '20', '--rate', '2', '--duration', '60s', '--json'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const end = Date.now() + 60_000;
    while (!/fleet \d+s steady/.test(stderr) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(0);
    const rep = JSON.parse(stdout) as FleetReport;
    expect(rep.connectedAtEnd).toBe(20);
    expect(rep.totals.errors).toBe(0);
    expect(rep.totals.replies).toBe(rep.totals.sent);
    expect(rep.steadyMs).toBeLessThan(30_000);
  }, 90_000);

  it('exits 1 when the platform refuses the fleet (a fleet key other than the registered one)', async () => {
    const { startEmulator } = await import('@linkwire/emulator');
    const gen = { productKey: 'a1LwFleet01', prefix: 'lw-fleet-', fleetKey: 'registered-key' };
    const platform = await startEmulator({ devices: Array.from({ length: 5 }, (_, i) => fleetDevice(i, gen)) });
    try {
      const ok = await run(['fleet', '--host', platform.host, '--port', String(platform.port), '--devices', '5', '--fleet-key', 'registered-key', '--duration', '1s', '--json'], { timeoutMs: 60_000 });
      expect(ok.code, ok.stderr).toBe(0);
      expect(json<FleetReport>(ok).maxConnected).toBe(5);
      const r = await run(['fleet', '--host', platform.host, '--port', String(platform.port), '--devices', '5', '--fleet-key', 'another-key', '--duration', '1s'], { timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the platform refused the credentials: check --product-key, --prefix and --fleet-key');
    } finally {
      await platform.close();
    }
  }, 90_000);

  it('refuses wrong flags with exit 2', async () => {
    const shard = await run(['fleet', '--shard', '3/2']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain('JOB_COMPLETION_INDEX');
    const big = await run(['fleet', '--devices', '40000']);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('split the fleet with --shard');
  });
});

// One aedes for both: a plain broker where nothing answers, and one where the test plays the platform.
describe('linkwire fleet beside aedes', () => {
  let broker: TestBroker;
  let port = 0;
  beforeAll(async () => {
    broker = await startAedes();
    port = broker.port;
  });
  afterAll(() => broker.close());

  describe('linkwire fleet against a plain broker (aedes)', () => {
    it('connects, publishes at QoS 1 and counts every PUBACK; no platform, so no replies', async () => {
      const r = await run(['fleet', '--host', '127.0.0.1', '--port', String(port), '--devices', '50', '--rate', '2', '--duration', '2s', '--reply-timeout', '500ms', '--json'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const rep = json<FleetReport>(r);
      expect(rep.maxConnected).toBe(50);
      expect(rep.totals.sent).toBeGreaterThan(50);
      expect(rep.totals.acked).toBe(rep.totals.sent);
      expect(rep.totals.replies).toBe(0);
      expect(rep.totals.replyTimeouts).toBe(rep.totals.sent);
    }, 90_000);
  });

  describe('linkwire fleet with gateways (the emulator; aedes with the test playing the platform)', () => {
    it('against the emulator: topology added, sub-devices logged in, their posts answered through the gateway', async () => {
      const r = await run(['fleet', '--gateways', '3', '--sub-devices', '4', '--rate', '1', '--duration', '2s', '--json'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const rep = json<FleetReport>(r);
      expect(rep).toMatchObject({ devices: 15, gateways: 3, subDevices: 12, maxConnected: 15 });
      expect(rep.totals).toMatchObject({ subLogins: 12, subLoginsRefused: 0, subLoginTimeouts: 0, topoRefused: 0, topoTimeouts: 0, errors: 0 });
      expect(rep.totals.replies).toBe(rep.totals.sent);
    }, 90_000);

    it('logs every sub-device in with a verifiable combine.login and posts for it through its gateway', async () => {
      const gen = { productKey: 'a1LwFleet01', subProductKey: 'a1LwFleetSub', prefix: 'lw-fleet-', fleetKey: 'linkwire-fleet' };
      const secrets = new Map<string, string>();
      for (let i = 0; i < 4; i++) for (const d of fleetGateway(i, 5, gen).subDevices) secrets.set(`${d.productKey}/${d.deviceName}`, d.deviceSecret);
      const logins: string[] = [];
      let topoAdds = 0;
      const subPosts = new Set<string>();
      const platform = await connectMqtt({
        host: '127.0.0.1', port, clientId: 'platform', keepalive: 60,
        onMessage: (m) => {
          const body = JSON.parse(utf8Decode(m.payload)) as { id: string; params: Record<string, unknown> };
          if (m.topic.endsWith('/thing/topo/add')) {
            const ok = (body.params as unknown as unknown[]).every((e) => verifyTopoAddEntry(e, (pk, dn) => secrets.get(`${pk}/${dn}`), { now: Date.now() }).ok);
            topoAdds += ok ? 1 : 0;
            void platform.session.publish(`${m.topic}_reply`, JSON.stringify({ id: body.id, code: ok ? 200 : 401, data: [] }));
          } else if (m.topic.endsWith('/combine/login')) {
            const v = verifyCombineLogin(body.params, (pk, dn) => secrets.get(`${pk}/${dn}`), { now: Date.now() });
            if (v.ok) logins.push(v.deviceName);
            void platform.session.publish(`${m.topic}_reply`, JSON.stringify({ id: body.id, code: v.ok ? 200 : 6287, data: {}, ...(v.ok ? {} : { message: v.reason }) }));
          } else {
            if (m.topic.startsWith('/sys/a1LwFleetSub/')) subPosts.add(m.topic.split('/')[3]!);
            void platform.session.publish(`${m.topic}_reply`, JSON.stringify({ id: body.id, code: 200, data: {} }));
          }
        },
      });
      await platform.session.subscribe(['/ext/session/+/+/combine/login', '/sys/+/+/thing/topo/add', '/sys/+/+/thing/event/property/post']);
      const r = await run(['fleet', '--host', '127.0.0.1', '--port', String(port), '--gateways', '4', '--sub-devices', '5', '--rate', '2', '--duration', '2s', '--json'], { timeoutMs: 60_000 });
      platform.close();
      expect(r.code, r.stderr).toBe(0);
      const rep = json<FleetReport>(r);
      expect(rep).toMatchObject({ devices: 24, gateways: 4, subDevices: 20, maxConnected: 24 });
      expect(rep.totals).toMatchObject({ subLogins: 20, subLoginsRefused: 0, subLoginTimeouts: 0, errors: 0 });
      expect(topoAdds).toBe(4);
      expect(new Set(logins).size).toBe(20);
      expect(subPosts.size).toBe(20);
      expect(rep.totals.replies).toBe(rep.totals.sent);
    }, 90_000);
  });
});

describe('fleet internals', () => {
  it('derives the same device secrets as the documented rule, and shards cover the fleet without overlap', async () => {
    const { createHmac } = await import('node:crypto');
    const d = fleetDevice(42, { productKey: 'pk', prefix: 'p-', fleetKey: 'k' });
    expect(d).toEqual({ productKey: 'pk', deviceName: 'p-000042', deviceSecret: createHmac('sha256', 'k').update('p-000042').digest('hex').slice(0, 32) });
    for (const [total, n] of [[10, 3], [1000, 7], [5, 8]] as const) {
      let next = 0;
      for (let i = 0; i < n; i++) {
        const { start, end } = shardRange(total, i, n);
        expect(start).toBe(next);
        next = end;
      }
      expect(next).toBe(total);
    }
  });

  it('histogram percentiles are within the bucket width and merge exactly', () => {
    const a = createHistogram();
    const b = createHistogram();
    for (let i = 1; i <= 1000; i++) record(i % 2 ? a : b, i / 10);
    const all = mergeHistograms([a, b]);
    expect(all.count).toBe(1000);
    const p50 = percentile(all, 0.5)!;
    expect(Math.abs(p50 - 50) / 50).toBeLessThanOrEqual(0.1);
    const p99 = percentile(all, 0.99)!;
    expect(Math.abs(p99 - 99) / 99).toBeLessThanOrEqual(0.1);
    expect(percentile(createHistogram(), 0.5)).toBeUndefined();
  });
});
