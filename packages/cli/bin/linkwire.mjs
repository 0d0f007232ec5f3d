#!/usr/bin/env node
// The `linkwire` command. A published package runs its built dist/; in the linkwire repository
// (where src/ and tsconfig.build.json sit beside this file) it runs the TypeScript sources,
// bundled with esbuild into .cache/ at the first run and again whenever a source file is newer,
// so `npx linkwire …` works straight after `npm ci` with no build step.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const fromSource = existsSync(join(pkg, 'tsconfig.build.json')) && existsSync(join(pkg, 'src', 'process.ts'));
let entry = join(pkg, 'dist', 'process.js');
if (fromSource) entry = await bundleSources();
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv.slice(2));

async function bundleSources() {
  const root = join(pkg, '..', '..');
  const outfile = join(root, '.cache', 'linkwire-cli.mjs');
  if (existsSync(outfile) && newestSource(join(root, 'packages')) <= statSync(outfile).mtimeMs) return outfile;
  const { build } = await import('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  // Written aside and renamed, so two commands started at once never read half a bundle.
  const tmp = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(pkg, 'src', 'process.ts')], outfile: tmp, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    conditions: ['@linkwire/source'], logLevel: 'warning', sourcemap: 'inline',
    plugins: [{
      name: 'external-npm',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true }));
      },
    }],
  });
  renameSync(tmp, outfile);
  return outfile;
}

function newestSource(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const src = join(dir, name, 'src');
    if (!existsSync(src)) continue;
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else newest = Math.max(newest, statSync(p).mtimeMs);
      }
    };
    walk(src);
  }
  return newest;
}
