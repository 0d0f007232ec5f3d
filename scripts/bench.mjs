// Runs benchmarks: `npm run bench` runs every bench/*.bench.ts, `npm run bench -- hash sign`
// runs the named ones. Each file is bundled by esbuild on the TypeScript sources (the
// "@linkwire/source" condition) and run in a fresh Node process, one at a time.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f === `${w}.bench.ts` || f.startsWith(`${w}.`)));
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ')}`);
  process.exit(1);
}
// Inside the repo so that the bundle's external imports resolve from node_modules.
mkdirSync(join(root, '.cache'), { recursive: true });
const out = mkdtempSync(join(root, '.cache', 'bench-'));
const external = { name: 'external-npm', setup(b) { b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true })); } };
let failed = false;
try {
  for (const f of files) {
    const outfile = join(out, f.replace(/\.ts$/, '.mjs'));
    await build({
      entryPoints: [join(root, 'bench', f)], outfile, bundle: true, platform: 'node', format: 'esm',
      conditions: ['@linkwire/source'], plugins: [external], logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    console.log(`\n# ${f}`);
    // BENCH_NODE_ARGS passes flags to that process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const flags = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const r = spawnSync(process.execPath, [...flags, outfile], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) failed = true;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
