// The EnOS DeviceClient of @linkwire/web/enos in Deno, Bun and Chromium against the emulator's
// EnOS platform over WebSocket: activation (mode 3 → mode 2), replies, raw, a command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform } from '@linkwire/emulator';
import { runInPage } from './chromium.ts';
import type { EnosFlowResult } from './enos-flow.ts';
import { runScript } from './script.ts';

const pk = 'pkWebEnos1';
let platform: EnosPlatform;

beforeAll(async () => {
  platform = await startEnosPlatform({ products: [{ productKey: pk, productSecret: 'web-product-secret' }], devices: [{ productKey: pk, deviceKey: 'denoDevice' }, { productKey: pk, deviceKey: 'chromiumDevice' }, { productKey: pk, deviceKey: 'bunDevice' }], websocket: true });
});
afterAll(() => platform.close());

/** Waits for the device to be online in mode 2, then calls its service once. */
async function commandWhenReady(deviceKey: string): Promise<unknown> {
  const end = Date.now() + 30_000;
  while (!(platform.online(pk, deviceKey) && platform.device(pk, deviceKey)!.deviceSecret !== undefined)) {
    if (Date.now() > end) throw new Error(`${deviceKey} never came online activated`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // The handler's subscription is in place once connect() resolved; allow the flow's first calls to run.
  for (let i = 0; ; i++) {
    try {
      return await platform.invokeService(pk, deviceKey, 'ping', { n: 1 }, 2000);
    } catch (e) {
      // `not_delivered` comes at once while the device has not subscribed yet: try again shortly.
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function expectFlow(r: EnosFlowResult, deviceKey: string, reply: unknown): void {
  expect(r.secret).toMatch(/^[0-9a-f]{32}$/);
  expect(r.stored).toBe(r.secret);
  expect(platform.device(pk, deviceKey)!.deviceSecret).toBe(r.secret);
  expect(r.post).toBe(200);
  expect(r.attributes).toEqual({ floor: 3 });
  expect(r.raw).toEqual([0, 0, 0, 0x14]);
  expect(r.command).toEqual({ n: 1 });
  expect(reply).toEqual({ code: 200, data: { pong: true } });
  expect(r.events).toEqual(['connect', 'close']);
}

describe('EnOS DeviceClient through the web adapter', () => {
  it('Deno: activation over WebSocket, replies, raw, a command', async () => {
    const run = runScript<EnosFlowResult>('deno', 'test/runtime/deno-enos.ts', [platform.wsUrl!, pk, 'denoDevice', 'web-product-secret'], { allowPorts: [platform.wsPort!] });
    const [out, reply] = await Promise.all([run, commandWhenReady('denoDevice')]);
    expectFlow(out, 'denoDevice', reply);
  }, 90_000);

  it('Bun: the same flow over Bun\'s WebSocket', async () => {
    const run = runScript<EnosFlowResult>('bun', 'test/runtime/bun-enos.ts', [platform.wsUrl!, pk, 'bunDevice', 'web-product-secret']);
    const [out, reply] = await Promise.all([run, commandWhenReady('bunDevice')]);
    expectFlow(out, 'bunDevice', reply);
  }, 90_000);

  it('Chromium: the same flow from a page under a strict CSP', async () => {
    const [result, reply] = await Promise.all([
      runInPage(new URL('./enos-flow.ts', import.meta.url), "enosFlow(p.get('url'), p.get('pk'), p.get('dk'), p.get('ps'))", { url: platform.wsUrl!, pk, dk: 'chromiumDevice', ps: 'web-product-secret' }, platform.wsPort!),
      commandWhenReady('chromiumDevice'),
    ]);
    expectFlow(result as EnosFlowResult, 'chromiumDevice', reply);
  }, 90_000);
});
