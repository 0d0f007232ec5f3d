import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { runInPage } from './chromium.ts';
import type { ClientFlowResult } from './client-flow.ts';
import { runScript } from './script.ts';

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
    const args = [url, device.productKey, device.deviceName, device.deviceSecret];
    expectFlow(await runScript<ClientFlowResult>('deno', 'test/runtime/deno-client.ts', args, { allowPorts: [platform.wsPort!] }), false);
  }, 90_000);

  it('Bun: the same flow over Bun\'s WebSocket', async () => {
    const args = [url, device.productKey, device.deviceName, device.deviceSecret];
    expectFlow(await runScript<ClientFlowResult>('bun', 'test/runtime/bun-client.ts', args), false);
  }, 90_000);

  it('Chromium: the same flow from a page, with the IndexedDB store', async () => {
    const call = "clientFlow(p.get('url'), { productKey: p.get('pk'), deviceName: p.get('dn'), deviceSecret: p.get('secret') })";
    const params = { url, pk: device.productKey, dn: device.deviceName, secret: device.deviceSecret };
    const result = await runInPage(new URL('./client-flow.ts', import.meta.url), call, params, platform.wsPort!);
    expectFlow(result as ClientFlowResult, true);
  }, 90_000);
});
