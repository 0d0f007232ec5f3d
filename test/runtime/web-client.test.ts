import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { runInPage } from './chromium.ts';
import type { ClientFlowResult } from './client-flow.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const device = { productKey: 'a1WebPk0002', deviceName: 'web-client-1', deviceSecret: 'web-secret-2' };
let platform: Emulator;
let url: string;

beforeAll(async () => {
  platform = await startEmulator({ devices: [device], websocket: true });
  url = `ws://127.0.0.1:${platform.wsPort}/mqtt`;
});
afterAll(() => platform.close());

function expectFlow(r: ClientFlowResult, browser: boolean): void {
  expect(r.granted).toEqual([1]);
  expect(r.replies).toContain('1');
  expect(r.replies).toContain('3');
  expect(r.sockets).toBe(2);
  expect(r.attempts).toBe(2); // a fresh signature for the second connection
  expect(r.events.slice(0, 2)).toEqual(['connecting', 'connected']);
  expect(r.events).toEqual(expect.arrayContaining(['disconnected', 'reconnecting']));
  expect(r.events.at(-1)).toBe('closed');
  if (browser) {
    expect(r.storeRoundTrip).toEqual([2]);
    expect(r.stored).toBe(0);
  }
}

describe('the reconnecting client in another runtime, through the web adapter, against the emulator', () => {
  it('Deno: post and reply, a dropped socket, a queued publish, a resubscribed reply', async () => {
    // Asynchronous on purpose: the emulator runs in this process and must keep serving.
    const r = await promisify(execFile)(`${root}node_modules/.bin/deno`, [
      'run', '--no-prompt', '--quiet', `--allow-net=127.0.0.1:${platform.wsPort}`, 'test/runtime/deno-client.ts',
      url, device.productKey, device.deviceName, device.deviceSecret,
    ], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
    expectFlow(JSON.parse(r.stdout.trim().split('\n').pop()!) as ClientFlowResult, false);
  }, 90_000);

  it('Bun: the same flow over Bun\'s WebSocket', async () => {
    const r = await promisify(execFile)(`${root}node_modules/.bin/bun`, [
      '--conditions=@linkwire/source', 'test/runtime/bun-client.ts', url, device.productKey, device.deviceName, device.deviceSecret,
    ], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expectFlow(JSON.parse(r.stdout.trim().split('\n').pop()!) as ClientFlowResult, false);
  }, 90_000);

  it('Chromium: the same flow from a page, with the IndexedDB store', async () => {
    const call = "clientFlow(p.get('url'), { productKey: p.get('pk'), deviceName: p.get('dn'), deviceSecret: p.get('secret') })";
    const params = { url, pk: device.productKey, dn: device.deviceName, secret: device.deviceSecret };
    const result = await runInPage(new URL('./client-flow.ts', import.meta.url), call, params, platform.wsPort!);
    expectFlow(result as ClientFlowResult, true);
  }, 90_000);
});
