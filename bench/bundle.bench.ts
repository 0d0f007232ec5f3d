/**
 * `npm run bench -- bundle`: the bundle table of the root README, measured now (the budgets are
 * enforced by test/packaging/budgets.test.ts). Sizes are what a page loads at start; chunks behind a
 * dynamic import (the device client's shadow, OTA and gateway parts, the hash package) are the last column;
 * for those bundles the chunks follow the table, with the files that weigh most in each.
 */
import { COMPOSITION_BUDGETS, ENTRY_BUDGETS, SHAKE_BUDGETS, type Budget } from '../test/packaging/budgets.ts';
import { bundleSize, type BundleSize } from '../test/packaging/measure.ts';

const kb = (n: number): string => (n / 1024).toFixed(1);
const split: { name: string; size: BundleSize }[] = [];
const rows = async (title: string, budgets: readonly Budget[]): Promise<void> => {
  console.log(`\n| ${title} | min | min+gz | budget | loaded on demand, min+gz |\n|---|---:|---:|---:|---:|`);
  for (const b of budgets) {
    const s = await bundleSize(b.code, process.cwd(), b.split === true);
    console.log(`| ${b.name} | ${kb(s.minified)} KB | ${kb(s.gzip)} KB | ${kb(b.maxGzip)} KB | ${s.lazy.gzip === 0 ? '' : `${kb(s.lazy.gzip)} KB`} |`);
    if (b.split === true) split.push({ name: b.name, size: s });
  }
};
await rows('entry (whole)', ENTRY_BUDGETS);
await rows('composition', COMPOSITION_BUDGETS);
await rows('one function (tree-shaking)', SHAKE_BUDGETS);

// Where the bytes of a split bundle are: each chunk (gzipped alone, as a page fetches it) and
// the files with the most minified bytes in it.
for (const { name, size } of split) {
  console.log(`\n${name}: chunks, at start first`);
  for (const c of [...size.chunks].sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzip - a.gzip)) {
    const top = c.files.slice(0, 6).map((f) => `${f.path.replace(/^packages\//, '').replace('/src/', '/')} ${kb(f.minified)}`).join(', ');
    console.log(`  ${c.initial ? 'start    ' : 'on demand'} ${kb(c.gzip).padStart(5)} KB gz (${kb(c.minified)} KB min): ${top}`);
  }
}
