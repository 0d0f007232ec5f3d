import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ConformanceResult } from '../conformance/harness.ts';
import { bundleEntry } from './bundle.ts';
import { expectAllPassed } from './expect-all.ts';
import { withChromium } from './chromium.ts';

let server: Server;
let origin: string;

beforeAll(async () => {
  const bundle = await bundleEntry('esm', 'browser');
  // The page is served from 127.0.0.1 with a strict CSP: no eval, no inline script; only
  // WebAssembly compilation is allowed, so the hash package's WASM backend is exercised too.
  // (The device-flow page in web-device.test.ts omits 'wasm-unsafe-eval': the JS fallback.)
  server = createServer((req, res) => {
    const csp = { 'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'" };
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html', ...csp });
      res.end('<!doctype html><script type="module" src="/main.js"></script>');
    } else if (req.url === '/main.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', ...csp });
      res.end(`${bundle}\nwindow.__results = run();`.replace(/^export \{[^}]*\};?$/m, ''));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('runtime matrix: Chromium', () => {
  it('runs every conformance case in a headless browser page under a strict CSP', async () => {
    await withChromium(async (context) => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results !== undefined, undefined, { timeout: 30_000 }).catch(() => undefined);
      const results = await page.evaluate(() => (window as unknown as { __results?: ConformanceResult[] }).__results);
      if (results === undefined) throw new Error(`the page produced no results; page errors: ${errors.join('; ')}`);
      expectAllPassed('Chromium', results);
    });
  }, 120_000);
});
