import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectAllPassed } from './expect-all.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const deno = `${root}node_modules/.bin/deno`;

describe('runtime matrix: Deno', () => {
  it('runs every conformance case on the TypeScript sources', () => {
    if (!existsSync(deno)) throw new Error('Deno is missing: it comes from the npm package "deno" (npm ci installs it)');
    // No permissions at all: the core needs no file, network or environment access.
    const r = spawnSync(deno, ['run', '--no-prompt', '--quiet', 'test/runtime/deno-main.ts'], {
      cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runtime: string; results: [] };
    expect(out.runtime).toMatch(/^deno 2\./);
    expectAllPassed('Deno', out.results);
  }, 180_000);

  it('type-checks every browser-safe entry with Deno (deno check)', () => {
    const entries = ['base', 'hash', 'sign', 'alink', 'tsl', 'shadow', 'coap', 'ota', 'mqtt', 'device', 'web', 'embedded'].flatMap((p) => {
      const files = [`packages/${p}/src/mod.ts`];
      if (existsSync(`${root}packages/${p}/src/testing.ts`)) files.push(`packages/${p}/src/testing.ts`);
      return files;
    });
    const r = spawnSync(deno, ['check', '--quiet', ...entries], {
      cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 300_000);
});
