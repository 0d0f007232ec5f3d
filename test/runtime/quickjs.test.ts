import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import type { ConformanceResult } from '../conformance/harness.ts';
import { bundleEntry } from './bundle.ts';
import { expectAllPassed } from './expect-all.ts';

describe('runtime matrix: QuickJS', () => {
  it('runs every conformance case in an engine without TextEncoder, Buffer or WebAssembly', async () => {
    const code = await bundleEntry('iife', 'neutral');
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    try {
      const probe = vm.unwrapResult(vm.evalCode('[typeof TextEncoder, typeof Buffer, typeof process, typeof WebAssembly].join()'));
      expect(vm.getString(probe)).toBe('undefined,undefined,undefined,undefined');
      probe.dispose();
      const result = vm.evalCode(`${code}\nJSON.stringify(__linkwire.run())`);
      if (result.error) {
        const err = vm.dump(result.error) as unknown;
        result.error.dispose();
        throw new Error(`QuickJS threw: ${JSON.stringify(err)}`);
      }
      const results = JSON.parse(vm.getString(result.value)) as ConformanceResult[];
      result.value.dispose();
      expectAllPassed('QuickJS', results);
    } finally {
      vm.dispose();
    }
  }, 120_000);
});
