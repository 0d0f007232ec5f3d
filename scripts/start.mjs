// `npm start`: bundles the demo from the TypeScript sources with esbuild (a fraction of a
// second) and runs it, passing any arguments through: `npm start -- --device-secret wrong`.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
mkdirSync(join(root, '.cache'), { recursive: true });
const outfile = join(root, '.cache', 'demo.mjs');
const external = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true }));
  },
};
await build({
  entryPoints: [join(root, 'packages/cli/src/demo-main.ts')], outfile, bundle: true, platform: 'node', format: 'esm',
  conditions: ['@linkwire/source'], plugins: [external], logLevel: 'warning', sourcemap: 'inline',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
