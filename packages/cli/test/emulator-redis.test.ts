import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttCredentials } from '@linkwire/sign';
import { BIN, run, tempDir } from './support.ts';
import { startRedis, type RedisServer } from '../../../test/support/redis.ts';

// `linkwire emulator --redis` (issue 20, cluster mode): two processes of the real bin on one
// Debian redis-server are one platform — the demo device connecting to the second takes over its
// connection on the first (seed §3.1: a second connection of a device closes the first).

const DEMO = { productKey: 'a1LwDemo01x', deviceName: 'sim-thermostat', deviceSecret: 'lw-sim-secret-4b1d9e' };
let redis: RedisServer;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.stop();
});

function start(): Promise<{ child: ChildProcess; endpoints: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--json', '--quiet', '--no-tls', '--coap', 'off', '--redis', redis.url], { cwd: tempDir(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start\n${err}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({ child, endpoints: (JSON.parse(out.slice(0, out.indexOf('\n'))) as { endpoints: Record<string, string> }).endpoints });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code})\n${err}`)));
  });
}

const connect = (url: string) => mqtt.connectAsync(url, { ...mqttCredentials({ ...DEMO, secureMode: 3 }), reconnectPeriod: 0, connectTimeout: 5000 });

describe('linkwire emulator --redis', () => {
  it('two processes on one Redis are one platform, and each exits 0 on SIGTERM', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.endpoints['cluster']).toBe(redis.url);
    const first = await connect(a.endpoints['mqtt']!);
    const closed = new Promise<void>((r) => first.once('close', () => r()));
    const second = await connect(b.endpoints['mqtt']!);
    await closed;
    expect(first.connected).toBe(false);
    expect(second.connected).toBe(true);
    await second.endAsync(true);
    for (const p of [a, b]) {
      const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
      p.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);

  it('says so and exits 4 when the Redis cannot be reached', async () => {
    const r = await run(['emulator', '--port', '0', '--quiet', '--no-tls', '--redis', join(tempDir(), 'no-redis.sock')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/cannot reach Redis/);
  }, 30_000);
});
