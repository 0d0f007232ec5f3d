import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = new URL('../../..', import.meta.url).pathname;

// Bundled the way `npm start` bundles it, and the way a published package would place it
// (a file named demo.js), then imported from the user's own demo.js.
async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(root, entry)], outfile, bundle: true, platform: 'node', format: 'esm', conditions: ['@linkwire/source'], logLevel: 'silent',
    plugins: [{ name: 'external', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true })) }],
  });
}

describe('the demo entry check', () => {
  it('importing the demo from a file named demo.js runs nothing; running it directly does', async () => {
    // Inside the repository, so the bundle's npm imports (aedes) resolve from its node_modules.
    mkdirSync(join(root, '.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, '.cache', 'demo-entry-'));
    mkdirSync(join(dir, 'lib'));
    mkdirSync(join(dir, 'app'));
    await bundle('packages/cli/src/demo-main.ts', join(dir, 'lib', 'demo.js'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'app', 'demo.js'), "import { isEntryModule } from '../lib/demo.js';\nconsole.log('imported', typeof isEntryModule);\n");
    const env = { ...process.env };
    const imported = spawnSync(process.execPath, [join(dir, 'app', 'demo.js')], { encoding: 'utf8', env, cwd: root, timeout: 20_000 });
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe('imported function\n');
    expect(imported.status).toBe(0);
    const direct = spawnSync(process.execPath, [join(dir, 'lib', 'demo.js'), '--help'], { encoding: 'utf8', env, cwd: root, timeout: 20_000 });
    expect(direct.status).toBe(0);
    expect(direct.stdout).toContain('Usage: npm start [-- options]');
    rmSync(dir, { recursive: true, force: true });
  });

  it('`npm start -- --help` prints the usage, and an unknown option is a usage error naming the help', () => {
    const help = spawnSync(process.execPath, [join(root, 'scripts', 'start.mjs'), '--help'], { encoding: 'utf8', cwd: root, timeout: 60_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--device-secret <secret>');
    const bad = spawnSync(process.execPath, [join(root, 'scripts', 'start.mjs'), '--nope'], { encoding: 'utf8', cwd: root, timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain("demo: Unknown option '--nope'");
    expect(bad.stdout).toContain('npm start -- --help');
  });
});
