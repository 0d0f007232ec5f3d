// Emits JS and .d.ts for every package into packages/*/dist, dependencies first. Each package
// is compiled against its dependencies' built .d.ts (not their sources), exactly as a user
// of the published packages would see them.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const quiet = process.argv.includes('--quiet');
const dir = join(root, 'packages');
const pkgs = new Map();
for (const name of readdirSync(dir)) {
  const json = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8'));
  pkgs.set(json.name, { name, deps: Object.keys(json.dependencies ?? {}).filter((d) => d.startsWith('@linkwire/')) });
}
const order = [];
const seen = new Set();
const visit = (id, path = []) => {
  if (seen.has(id)) return;
  if (path.includes(id)) throw new Error(`dependency cycle: ${[...path, id].join(' → ')}`);
  const p = pkgs.get(id);
  if (!p) throw new Error(`unknown workspace package ${id}`);
  for (const d of p.deps) visit(d, [...path, id]);
  seen.add(id);
  order.push(p);
};
for (const id of pkgs.keys()) visit(id);

const tsc = join(root, 'node_modules', '.bin', 'tsc');
const started = performance.now();
for (const p of order) {
  rmSync(join(dir, p.name, 'dist'), { recursive: true, force: true });
  const r = spawnSync(tsc, ['-p', join(dir, p.name, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build failed in packages/${p.name}`);
    process.exit(1);
  }
}
if (!quiet) console.log(`built ${order.length} packages in ${Math.round(performance.now() - started)} ms: ${order.map((p) => p.name).join(', ')}`);
