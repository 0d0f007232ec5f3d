import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { withChromium } from './chromium.ts';
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

  it('Chromium: the same flow from a page, with the IndexedDB store', async () => {
    const bundle = (await build({
      entryPoints: [fileURLToPath(new URL('./client-flow.ts', import.meta.url))], bundle: true, write: false, format: 'esm', platform: 'browser',
      conditions: ['@linkwire/source', 'browser', 'import', 'default'], logLevel: 'silent',
    })).outputFiles[0]!.text.replace(/^export \{[^}]*\};?$/m, '');
    const script = `${bundle}\nconst p = new URLSearchParams(location.search);\nwindow.__flow = clientFlow(p.get('url'), { productKey: p.get('pk'), deviceName: p.get('dn'), deviceSecret: p.get('secret') }).then((r) => r, (e) => ({ error: String(e) }));`;
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
      expectFlow(result as ClientFlowResult, true);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 90_000);
});
