import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSITION_BUDGETS, ENTRY_BUDGETS, SHAKE_BUDGETS, type Budget } from './budgets.ts';
import { bundleSize, root } from './measure.ts';

// Packages that run only on a server or a command line: no browser bundle to budget.
const SERVER_ONLY = new Set(['@linkwire/node', '@linkwire/emulator', '@linkwire/cli']);

const check = (b: Budget) =>
  it(`${b.name} ≤ ${b.maxGzip} B min+gz`, async () => {
    const { gzip, lazy } = await bundleSize(b.code, undefined, b.split === true);
    expect(gzip, `${b.name} is ${gzip} B min+gz, over its budget of ${b.maxGzip} B`).toBeLessThanOrEqual(b.maxGzip);
    if (b.maxLazyGzip !== undefined) expect(lazy.gzip, `${b.name} loads ${lazy.gzip} B min+gz on demand, over ${b.maxLazyGzip} B`).toBeLessThanOrEqual(b.maxLazyGzip);
  });

describe('bundle budgets (esbuild, browser, min+gz)', () => {
  describe('public entries', () => ENTRY_BUDGETS.forEach(check));
  describe('compositions', () => COMPOSITION_BUDGETS.forEach(check));
  describe('tree-shaking: one function costs a fraction of its package', () => {
    SHAKE_BUDGETS.forEach(check);
    it('every package declares sideEffects: false, and each shaken import is under half of its whole entry', async () => {
      for (const name of readdirSync(join(root, 'packages'))) {
        const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { name: string; sideEffects?: unknown };
        if (SERVER_ONLY.has(pkg.name)) continue;
        expect(pkg.sideEffects, `${pkg.name} must declare "sideEffects": false`).toBe(false);
      }
      for (const shake of SHAKE_BUDGETS) {
        const specifier = /from '([^']+)'/.exec(shake.code)![1]!;
        const whole = ENTRY_BUDGETS.find((e) => e.name === specifier);
        if (whole === undefined) throw new Error(`no entry budget for ${specifier}`);
        const [part, all] = await Promise.all([bundleSize(shake.code), bundleSize(whole.code)]);
        expect(part.gzip, `${shake.name}: ${part.gzip} B of ${all.gzip} B`).toBeLessThan(all.gzip / 2);
      }
    });
  });
  it('the browser device client loads at start only what a device needs to connect, post, answer commands and match replies', async () => {
    // Issue 15: what the split moved out must stay out. A static import of any of these from the
    // first chunk's files (a barrel, a helper) would pull it back into the first load unnoticed by
    // the size budget alone until it had grown.
    const device = COMPOSITION_BUDGETS.find((b) => b.split === true)!;
    const { chunks } = await bundleSize(device.code, undefined, true);
    const atStart = chunks.filter((c) => c.initial).flatMap((c) => c.files.map((f) => f.path));
    const onDemandOnly = [
      /^packages\/alink\/src\/areas\/(?!device)/, /^packages\/alink\/src\/(catalogue|complete|codes|schema-choices)\.ts$/, /^packages\/hash\//,
      /^packages\/(shadow|ota)\//, /^packages\/device\/src\/(shadow|ota|gateway)\.ts$/, /^packages\/sign\/src\/(subdevice|register|mqtt)\.ts$/,
    ];
    expect(atStart.filter((f) => onDemandOnly.some((r) => r.test(f)))).toEqual([]);
    expect(atStart).toContain('packages/alink/src/areas/device.ts');
  });
  it('every browser-safe public entry has a budget', () => {
    const missing: string[] = [];
    for (const name of readdirSync(join(root, 'packages'))) {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
      if (SERVER_ONLY.has(pkg.name)) continue;
      for (const sub of Object.keys(pkg.exports)) {
        const id = pkg.name + sub.slice(1);
        if (sub !== './testing' && !ENTRY_BUDGETS.some((b) => b.name === id)) missing.push(id);
      }
    }
    expect(missing).toEqual([]);
  });
});
