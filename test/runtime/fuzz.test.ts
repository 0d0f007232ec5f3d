/**
 * The runtime matrix's hostile-input leg: each core decoder's fuzz property (test/support/fuzz,
 * the same entries `npm run fuzz` drives) runs inside Deno, Chromium and QuickJS, short by
 * default (LINKWIRE_FC_RUNS_FACTOR multiplies; LINKWIRE_FUZZ_SEED replays), and only typed
 * errors may escape. The depth ceiling, the engine's JSON.parse, stack size and typed arrays
 * all differ from Node's, so a value Node survives may not survive there.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { numRuns } from '../support/fast-check.ts';
import { withChromium } from './chromium.ts';
import { decoders, type RuntimeFuzzResult } from './fuzz-entry.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seedText = process.env['LINKWIRE_FUZZ_SEED'];
const seed = seedText ? Number(seedText) : (Date.now() ^ (process.pid << 8)) | 0;

function expectTypedOnly(runtime: string, results: readonly RuntimeFuzzResult[], runs: number): void {
  expect(results.map((r) => r.name), `${runtime} ran a different set of decoders`).toEqual(decoders.map((d) => d.name));
  for (const r of results) expect(r.cases, `${runtime} ${r.name}`).toBe(runs);
  const untyped = results.filter((r) => r.untyped).map((r) => `${r.name}: ${r.untyped}`);
  expect(untyped, `${runtime}, seed ${seed} (LINKWIRE_FUZZ_SEED replays it)`).toEqual([]);
}

async function bundle(format: 'iife' | 'esm', platform: 'browser' | 'neutral'): Promise<string> {
  const r = await build({
    entryPoints: [fileURLToPath(new URL('./fuzz-entry.ts', import.meta.url))], bundle: true, write: false, format, platform, target: 'es2022',
    ...(format === 'iife' ? { globalName: '__fuzz' } : {}), conditions: ['@linkwire/source', 'browser', 'import', 'default'], mainFields: ['browser', 'module', 'main'], logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

describe('runtime matrix: hostile input in each engine', () => {
  it('Deno: every core decoder throws only typed errors', () => {
    const runs = numRuns(40);
    const r = spawnSync(`${root}node_modules/.bin/deno`, ['run', '--no-prompt', '--quiet', 'test/runtime/deno-fuzz.ts', String(seed), String(runs)], {
      cwd: root, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runtime: string; results: RuntimeFuzzResult[] };
    expect(out.runtime).toMatch(/^deno 2\./);
    expectTypedOnly('Deno', out.results, runs);
  }, 300_000);

  it('Chromium: every core decoder throws only typed errors, in a page', async () => {
    const runs = numRuns(60);
    const code = (await bundle('esm', 'browser')).replace(/^export \{[^}]*\};?$/m, '');
    const server: Server = createServer((req, res) => {
      const csp = { 'content-security-policy': "default-src 'self'; script-src 'self'" };
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html', ...csp }).end('<!doctype html><script type="module" src="/fuzz.js"></script>');
      else if (req.url === '/fuzz.js') res.writeHead(200, { 'content-type': 'text/javascript', ...csp }).end(`${code}\nwindow.__fuzz = fuzz(${seed}, ${runs}).then((r) => r, (e) => ({ error: String(e) }));`);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const results = await withChromium(async (context) => {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        await page.waitForFunction(() => (window as unknown as { __fuzz?: unknown }).__fuzz !== undefined, undefined, { timeout: 30_000 });
        return page.evaluate(() => (window as unknown as { __fuzz: Promise<unknown> }).__fuzz);
      });
      if (!Array.isArray(results)) throw new Error(`the page failed: ${JSON.stringify(results)}`);
      expectTypedOnly('Chromium', results as RuntimeFuzzResult[], runs);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 300_000);

  it('QuickJS: every core decoder throws only typed errors, without TextEncoder, Buffer or WebAssembly', async () => {
    // QuickJS interprets: fewer cases than the JIT engines get.
    const runs = numRuns(5);
    const code = await bundle('iife', 'neutral');
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    try {
      // fast-check reads setTimeout when it loads (for property timeouts, which these runs do not
      // set); QuickJS has none, so the host stands one in that refuses to be called.
      const timers = 'globalThis.setTimeout = () => { throw new Error("no timers in this host"); }; globalThis.clearTimeout = () => undefined;';
      const started = vm.evalCode(`${timers}\n${code}\nglobalThis.__out = undefined; __fuzz.fuzz(${seed}, ${runs}).then((r) => { globalThis.__out = JSON.stringify(r); }, (e) => { globalThis.__out = JSON.stringify({ error: String(e) + (e && e.stack ? e.stack : '') }); });`);
      if (started.error) {
        const err = vm.dump(started.error) as unknown;
        started.error.dispose();
        throw new Error(`QuickJS threw: ${JSON.stringify(err)}`);
      }
      started.value.dispose();
      // Promises advance only when the host runs the engine's pending jobs.
      const deadline = Date.now() + 240_000;
      let out: unknown;
      while (out === undefined && Date.now() < deadline) {
        const jobs = vm.runtime.executePendingJobs();
        if (jobs.error) {
          const err = vm.dump(jobs.error) as unknown;
          jobs.error.dispose();
          throw new Error(`QuickJS job threw: ${JSON.stringify(err)}`);
        }
        const h = vm.getProp(vm.global, '__out');
        out = vm.dump(h) as unknown;
        h.dispose();
      }
      if (typeof out !== 'string') throw new Error('QuickJS did not finish within 240 s');
      const results = JSON.parse(out) as RuntimeFuzzResult[] | { error: string };
      if (!Array.isArray(results)) throw new Error(`QuickJS failed: ${results.error}`);
      expectTypedOnly('QuickJS', results, runs);
    } finally {
      vm.dispose();
    }
  }, 300_000);
});
