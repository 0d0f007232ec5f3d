/**
 * `npm run bench -- bundle`: the bundle table of the root README, measured now (the budgets are
 * enforced by test/packaging/budgets.test.ts). Sizes are what a page loads at start; chunks behind a
 * dynamic import (the device client's shadow, OTA and gateway parts, the hash package) are the last column.
 */
import { COMPOSITION_BUDGETS, ENTRY_BUDGETS, SHAKE_BUDGETS, type Budget } from '../test/packaging/budgets.ts';
import { bundleSize } from '../test/packaging/measure.ts';

const kb = (n: number): string => (n / 1024).toFixed(1);
const rows = async (title: string, budgets: readonly Budget[]): Promise<void> => {
  console.log(`\n| ${title} | min | min+gz | budget | loaded on demand, min+gz |\n|---|---:|---:|---:|---:|`);
  for (const b of budgets) {
    const s = await bundleSize(b.code, process.cwd(), b.split === true);
    console.log(`| ${b.name} | ${kb(s.minified)} KB | ${kb(s.gzip)} KB | ${kb(b.maxGzip)} KB | ${s.lazy.gzip === 0 ? '' : `${kb(s.lazy.gzip)} KB`} |`);
  }
};
await rows('entry (whole)', ENTRY_BUDGETS);
await rows('composition', COMPOSITION_BUDGETS);
await rows('one function (tree-shaking)', SHAKE_BUDGETS);
