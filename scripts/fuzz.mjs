// `npm run fuzz -- --seconds 150`: bundles the fuzz driver (test/support/fuzz/cli.ts) from the
// TypeScript sources and runs it; see that file for the options.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
mkdirSync(join(root, '.cache', 'fuzz'), { recursive: true });
const outfile = join(root, '.cache', 'fuzz', `cli-${process.pid}.mjs`);
const external = { name: 'external-npm', setup(b) { b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true })); } };
await build({
  entryPoints: [join(root, 'test', 'support', 'fuzz', 'cli.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
  conditions: ['@linkwire/source'], plugins: [external], logLevel: 'warning',
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
