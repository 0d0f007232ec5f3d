import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env['LINKWIRE_CHROMIUM'] ?? '/usr/bin/chromium';
// Flags from TOOLCHAIN.md: no sandbox as root, and no background traffic off loopback.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** Runs `fn` with a fresh headless Chromium profile, closed and removed afterwards. */
export async function withChromium<T>(fn: (context: BrowserContext) => Promise<T>): Promise<T> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package "chromium" (npm test does this when run as root)`);
  const profile = mkdtempSync(join(tmpdir(), 'linkwire-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    return await fn(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Bundles `entry` for the browser, serves it from 127.0.0.1 under a strict CSP that allows
 * WebSocket connections to `wsPort` only, and returns what `call` resolves to in the page. `call`
 * is an expression over the entry's exports and `p` (the page's URLSearchParams, from `params`).
 */
export async function runInPage(entry: URL, call: string, params: Record<string, string>, wsPort: number): Promise<unknown> {
  const bundle = (await build({
    entryPoints: [fileURLToPath(entry)], bundle: true, write: false, format: 'esm', platform: 'browser',
    conditions: ['@linkwire/source', 'browser', 'import', 'default'], logLevel: 'silent',
  })).outputFiles[0]!.text.replace(/^export \{[^}]*\};?$/m, '');
  const script = `${bundle}\nconst p = new URLSearchParams(location.search);\nwindow.__flow = (${call}).then((r) => r, (e) => ({ error: String(e) }));`;
  const server: Server = createServer((req, res) => {
    const csp = { 'content-security-policy': `default-src 'self'; script-src 'self'; connect-src ws://127.0.0.1:${wsPort}` };
    if (req.url?.startsWith('/?')) res.writeHead(200, { 'content-type': 'text/html', ...csp }).end('<!doctype html><script type="module" src="/flow.js"></script>');
    else if (req.url === '/flow.js') res.writeHead(200, { 'content-type': 'text/javascript', ...csp }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const result = await withChromium(async (context) => {
      const page = await context.newPage();
      await page.goto(`${origin}/?${new URLSearchParams(params)}`);
      await page.waitForFunction(() => (window as unknown as { __flow?: unknown }).__flow !== undefined, undefined, { timeout: 30_000 });
      return page.evaluate(() => (window as unknown as { __flow: Promise<unknown> }).__flow);
    });
    if ((result as { error?: string }).error) throw new Error((result as { error: string }).error);
    return result;
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
