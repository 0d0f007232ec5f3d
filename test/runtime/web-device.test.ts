// A device in Deno and in a Chromium page, through the web adapter, against the emulator: first
// the MQTT session and Alink codec by hand (device-flow.ts), then the device client
// (createWebDeviceClient, device-client-flow.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { runInPage } from './chromium.ts';
import type { FlowResult } from './device-flow.ts';
import type { ClientFlowResult } from './device-client-flow.ts';
import { runScript } from './script.ts';

const byHand = { productKey: 'a1WebPk0001', deviceName: 'web-device-1', deviceSecret: 'web-secret-1' };
const client = { productKey: 'a1WebPk0002', deviceName: 'web-client-1', deviceSecret: 'web-secret-2' };
let platform: Emulator;
let url: string;

beforeAll(async () => {
  platform = await startEmulator({ devices: [byHand, client], websocket: true });
  url = `ws://127.0.0.1:${platform.wsPort}/mqtt`;
});
afterAll(() => platform.close());

type Device = typeof byHand;
const scriptArgs = (d: Device): string[] => [url, d.productKey, d.deviceName, d.deviceSecret];
const inPage = (module: string, fn: string, d: Device): Promise<unknown> =>
  runInPage(new URL(module, import.meta.url), `${fn}(p.get('url'), { productKey: p.get('pk'), deviceName: p.get('dn'), deviceSecret: p.get('secret') })`,
    { url, pk: d.productKey, dn: d.deviceName, secret: d.deviceSecret }, platform.wsPort!);

describe('a device in another runtime, through the web adapter, against the emulator', () => {
  function expectFlow(r: FlowResult): void {
    expect(r.connack).toBe(0);
    expect(r.granted).toEqual([1]);
    expect(r.reply).toEqual({ id: '77', code: 200 });
    expect(r.refused).toMatch(/bad username or password/);
  }

  it('Deno: signed CONNECT over WebSocket, property post, reply; wrong secret refused', async () => {
    expectFlow(await runScript<FlowResult>('deno', 'test/runtime/deno-device.ts', scriptArgs(byHand), { allowPorts: [platform.wsPort!] }));
  }, 90_000);

  it('Chromium: the same flow from a page on 127.0.0.1', async () => {
    expectFlow(await inPage('./device-flow.ts', 'deviceFlow', byHand) as FlowResult);
  }, 90_000);
});

describe('the device client in another runtime, through the web adapter, against the emulator', () => {
  function expectFlow(r: ClientFlowResult): void {
    expect(r.postCode).toBe(200);
    expect(r.shadowVersion).toBeGreaterThanOrEqual(1); // one per run: Deno and Chromium share the emulator
    expect(r.cached).toEqual({ mode: 'eco' });
    expect(r.refused).toMatch(/bad username or password/);
  }

  it('Deno: createWebDeviceClient connects, posts properties, reports to its shadow; a wrong secret is refused', async () => {
    expectFlow(await runScript<ClientFlowResult>('deno', 'test/runtime/deno-device-client.ts', scriptArgs(client), { allowPorts: [platform.wsPort!] }));
  }, 90_000);

  it('Chromium: the same device client flow from a page on 127.0.0.1', async () => {
    expectFlow(await inPage('./device-client-flow.ts', 'deviceClientFlow', client) as ClientFlowResult);
  }, 90_000);
});
