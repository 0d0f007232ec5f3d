import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { DeviceClient } from '@linkwire/device';
import { connectThermostat, productKey, sensor, thermostatTsl } from '../support/console-fixture.ts';

// The admin API's README examples, run as written with the real curl binary (Debian's), and
// refusals as curl users meet them.

const run = promisify(execFile);
const readme = readFileSync(new URL('../../packages/emulator/README.md', import.meta.url), 'utf8');
const block = /<!-- admin-curl:start -->\n```sh\n([\s\S]*?)```\n<!-- admin-curl:end -->/.exec(readme)![1]!;
const commands = block.split('\n').filter((l) => l.startsWith('curl '));

let platform: Emulator;
let admin: string;
let device: DeviceClient;
let cwd: string;

beforeAll(async () => {
  platform = await startEmulator({ admin: true, http: true, products: [{ productKey, tsl: thermostatTsl }], devices: [sensor] });
  admin = platform.adminUrl!.replace(/\/$/, '');
  ({ device } = await connectThermostat(platform));
  cwd = mkdtempSync(join(tmpdir(), 'linkwire-curl-'));
  writeFileSync(join(cwd, 'firmware.bin'), new Uint8Array(2048).fill(7));
});
afterAll(async () => {
  await device?.end();
  await platform?.close();
  if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
});

const sh = (line: string, env: Record<string, string> = {}) =>
  run('bash', ['-c', line], { cwd, env: { ...process.env, ADMIN: admin, ...env }, encoding: 'utf8', timeout: 20_000 });

describe('the README curl examples, with the real curl', () => {
  it('has the examples to run', () => {
    expect(commands.length).toBeGreaterThanOrEqual(12);
  });

  it('every example succeeds, in order, and answers JSON', async () => {
    const outputs: unknown[] = [];
    for (const line of commands) {
      const { stdout } = await sh(line);
      if (line.includes('/api/events')) continue; // a stream of events, not one JSON document
      try {
        outputs.push(JSON.parse(stdout));
      } catch {
        throw new Error(`${line}\nanswered something that is not JSON: ${stdout.slice(0, 200)}`);
      }
    }
    const [devices, created, one, service, sync, props, shadow, firmware, job, progress, topology, messages] = outputs as any[];
    expect(devices.devices.map((d: { deviceName: string }) => d.deviceName)).toEqual(['sensor-01']);
    expect(created).toMatchObject({ deviceName: 'sensor-02', hasSecret: true });
    expect(one).toMatchObject({ deviceName: 'sensor-01', online: true });
    expect(service).toMatchObject({ status: 'replied', code: 200, data: { accepted: 1 } });
    expect(sync).toMatchObject({ status: 'replied', code: 200 });
    expect(props).toMatchObject({ status: 'replied', code: 200 });
    expect(shadow.state.desired).toEqual({ color: 'green' });
    expect(firmware).toMatchObject({ firmwareId: '1', version: '2.0.0', size: 2048 });
    expect(job.devices).toEqual([{ productKey, deviceName: 'sensor-01', status: 'pushed' }]);
    expect(progress.jobId).toBe('1');
    expect(topology).toEqual({ gateways: [] });
    expect(messages.messages.map((m: { topic: string }) => m.topic)).toContain(`/sys/${productKey}/sensor-01/thing/service/SetMode_reply`);
  }, 60_000);

  it('refusals come back as typed error bodies with their status', async () => {
    const status = async (args: string): Promise<{ code: number; body: any }> => {
      const { stdout } = await sh(`curl -s -w '\\n%{http_code}' ${args}`);
      const lines = stdout.trimEnd().split('\n');
      return { code: Number(lines.pop()), body: JSON.parse(lines.join('\n')) };
    };
    const range = await status(`-H 'content-type: application/json' -d '{"params":{"Power":"on","WF":500}}' $ADMIN/api/devices/${productKey}/sensor-01/services/SetMode`);
    expect(range.code).toBe(422);
    expect(range.body.error).toMatchObject({ code: 'invalid_params', alinkCode: 460 });
    expect((await status(`-d 'x=1' $ADMIN/api/devices`)).body.error.code).toBe('unsupported_media_type');
    expect((await status(`-H 'host: evil.example' $ADMIN/api/devices`)).code).toBe(403);
    writeFileSync(join(cwd, 'big.json'), `{"pad":"${'x'.repeat(300 * 1024)}"}`);
    const big = await status(`-H 'content-type: application/json' --data-binary @big.json $ADMIN/api/devices`);
    expect(big).toMatchObject({ code: 413, body: { error: { code: 'payload_too_large', limit: 256 * 1024 } } });
    expect((await status(`-X DELETE $ADMIN/api/devices`)).code).toBe(405);
  }, 60_000);

  it('with a token, curl must send it', async () => {
    const token = 'a-token-for-the-curl-test';
    const p = await startEmulator({ admin: { token }, devices: [sensor] });
    try {
      const url = `${p.adminUrl}api/devices`;
      const refused = await sh(`curl -s -w '\\n%{http_code}' ${url}`);
      expect(refused.stdout.trimEnd().split('\n').pop()).toBe('401');
      const ok = await sh(`curl -sS --fail-with-body -H "authorization: Bearer $TOKEN" ${url}`, { TOKEN: token });
      expect(JSON.parse(ok.stdout).devices).toHaveLength(1);
    } finally {
      await p.close();
    }
  }, 30_000);
});
