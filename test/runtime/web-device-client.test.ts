import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { runInPage } from './chromium.ts';
import type { ClientFlowResult } from './device-client-flow.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const device = { productKey: 'a1WebPk0002', deviceName: 'web-client-1', deviceSecret: 'web-secret-2' };
let platform: Emulator;
let url: string;

beforeAll(async () => {
  platform = await startEmulator({ devices: [device], websocket: true });
  url = `ws://127.0.0.1:${platform.wsPort}/mqtt`;
});
afterAll(() => platform.close());

function expectFlow(r: ClientFlowResult): void {
  expect(r.postCode).toBe(200);
  expect(r.shadowVersion).toBeGreaterThanOrEqual(1); // one per run: Deno and Chromium share the emulator
  expect(r.cached).toEqual({ mode: 'eco' });
  expect(r.refused).toMatch(/bad username or password/);
}

describe('the device client in another runtime, through the web adapter, against the emulator', () => {
  it('Deno: createWebDeviceClient connects, posts properties, reports to its shadow; a wrong secret is refused', async () => {
    // Asynchronous on purpose: the emulator runs in this process and must keep serving.
    const r = await promisify(execFile)(`${root}node_modules/.bin/deno`, [
      'run', '--no-prompt', '--quiet', `--allow-net=127.0.0.1:${platform.wsPort}`, 'test/runtime/deno-device-client.ts',
      url, device.productKey, device.deviceName, device.deviceSecret,
    ], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
    expectFlow(JSON.parse(r.stdout.trim().split('\n').pop()!) as ClientFlowResult);
  }, 90_000);

  it('Chromium: the same device client flow from a page on 127.0.0.1', async () => {
    const call = "deviceClientFlow(p.get('url'), { productKey: p.get('pk'), deviceName: p.get('dn'), deviceSecret: p.get('secret') })";
    const params = { url, pk: device.productKey, dn: device.deviceName, secret: device.deviceSecret };
    expectFlow(await runInPage(new URL('./device-client-flow.ts', import.meta.url), call, params, platform.wsPort!) as ClientFlowResult);
  }, 90_000);
});
