import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: every @linkwire package exports its src/ entry under
// the "@linkwire/source" condition, which tsc (customConditions), esbuild and vitest share.
const conditions = ['@linkwire/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@linkwire/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'packages/*/conformance/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
