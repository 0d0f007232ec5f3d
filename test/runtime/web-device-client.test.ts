import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { withChromium } from './chromium.ts';
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
    const bundle = (await build({
      entryPoints: [fileURLToPath(new URL('./device-client-flow.ts', import.meta.url))], bundle: true, write: false, format: 'esm', platform: 'browser',
      conditions: ['@linkwire/source', 'browser', 'import', 'default'], logLevel: 'silent',
    })).outputFiles[0]!.text.replace(/^export \{[^}]*\};?$/m, '');
    const script = `${bundle}\nconst p = new URLSearchParams(location.search);\nwindow.__flow = deviceClientFlow(p.get('url'), { productKey: p.get('pk'), deviceName: p.get('dn'), deviceSecret: p.get('secret') }).then((r) => r, (e) => ({ error: String(e) }));`;
    const server: Server = createServer((req, res) => {
      const csp = { 'content-security-policy': `default-src 'self'; script-src 'self'; connect-src ws://127.0.0.1:${platform.wsPort}` };
      if (req.url?.startsWith('/?')) res.writeHead(200, { 'content-type': 'text/html', ...csp }).end('<!doctype html><script type="module" src="/flow.js"></script>');
      else if (req.url === '/flow.js') res.writeHead(200, { 'content-type': 'text/javascript', ...csp }).end(script);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const q = new URLSearchParams({ url, pk: device.productKey, dn: device.deviceName, secret: device.deviceSecret });
      const result = await withChromium(async (context) => {
        const page = await context.newPage();
        await page.goto(`${origin}/?${q}`);
        await page.waitForFunction(() => (window as unknown as { __flow?: unknown }).__flow !== undefined, undefined, { timeout: 30_000 });
        return page.evaluate(() => (window as unknown as { __flow: Promise<unknown> }).__flow);
      });
      if ((result as { error?: string }).error) throw new Error((result as { error: string }).error);
      expectFlow(result as ClientFlowResult);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 90_000);
});
