#!/usr/bin/env node
// The `linkwire` command. A published package runs its built dist/; in the linkwire repository
// (where src/ and tsconfig.build.json sit beside this file) it runs the TypeScript sources,
// bundled with esbuild into .cache/linkwire-cli/ at the first run and again whenever a source
// file is newer, so `npx linkwire …` works straight after `npm ci` with no build step. The
// bundle is split at dynamic imports, so the emulator and its broker load only for the commands
// that start one.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const fromSource = existsSync(join(pkg, 'tsconfig.build.json')) && existsSync(join(pkg, 'src', 'process.ts'));
const entry = fromSource ? await bundleSources() : join(pkg, 'dist', 'process.js');
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv.slice(2));

async function bundleSources() {
  const root = join(pkg, '..', '..');
  const outdir = join(root, '.cache', 'linkwire-cli');
  const entryFile = join(outdir, 'process.js');
  const newest = newestSource(join(root, 'packages'));
  const fresh = () => existsSync(entryFile) && newest <= statSync(entryFile).mtimeMs;
  if (fresh()) return entryFile;
  const { build } = await import('esbuild');
  mkdirSync(dirname(outdir), { recursive: true });
  // Built aside and renamed into place, so a command started meanwhile never reads half a bundle.
  const tmp = `${outdir}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(pkg, 'src', 'process.ts')], outdir: tmp, bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20',
    conditions: ['@linkwire/source'], logLevel: 'warning', sourcemap: 'linked', outExtension: { '.js': '.js' },
    plugins: [{
      name: 'external-npm',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') ? undefined : { path: a.path, external: true }));
      },
    }],
  });
  // Another command started at the same time may have put a fresh bundle in place meanwhile:
  // keep it (commands may be loading its chunks) and drop ours. Only a stale one is replaced.
  if (fresh()) {
    rmSync(tmp, { recursive: true, force: true });
    return entryFile;
  }
  const old = `${outdir}.${process.pid}.old`;
  if (existsSync(outdir)) renameSync(outdir, old);
  try {
    renameSync(tmp, outdir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  return entryFile;
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
