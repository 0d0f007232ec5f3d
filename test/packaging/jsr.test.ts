/**
 * JSR: every package publishes there with the same entries as on npm. The npm export map's
 * "@linkwire/source" condition and the deno.json export map must name the same subpaths and
 * the same TypeScript files, and `deno publish --dry-run` (offline: only npm: and workspace
 * imports) must pass for the whole workspace, slow-type check included.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './measure.ts';

interface NpmManifest {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, { '@linkwire/source'?: string }>;
}
interface DenoManifest {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string>;
}

const packages = readdirSync(join(root, 'packages')).sort();
const read = <T>(...path: string[]): T => JSON.parse(readFileSync(join(root, ...path), 'utf8')) as T;

describe('JSR manifests match the npm ones', () => {
  it('the Deno workspace lists every package', () => {
    const workspace = read<{ workspace: string[] }>('deno.json').workspace.map((p) => p.replace(/^\.\/packages\//, '')).sort();
    expect(workspace).toEqual(packages);
  });
  for (const dir of packages) {
    it(`${dir}: same name, version, licence and entries`, () => {
      const npm = read<NpmManifest>('packages', dir, 'package.json');
      const deno = read<DenoManifest>('packages', dir, 'deno.json');
      expect({ name: deno.name, version: deno.version, license: deno.license }).toEqual({ name: npm.name, version: npm.version, license: npm.license });
      const npmEntries = Object.fromEntries(Object.entries(npm.exports).map(([k, v]) => [k, v['@linkwire/source']]));
      expect(deno.exports).toEqual(npmEntries);
    });
  }
});

describe('deno publish --dry-run', () => {
  it('passes for every package of the workspace, offline', () => {
    const r = spawnSync(join(root, 'node_modules', '.bin', 'deno'), ['publish', '--dry-run', '--allow-dirty'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      timeout: 240_000,
    });
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.status, output.slice(-4000)).toBe(0);
    for (const dir of packages) expect(output).toContain(`Simulating publish of ${read<DenoManifest>('packages', dir, 'deno.json').name}@`);
  }, 300_000);
});
