import { build } from 'esbuild';

/**
 * Bundles the runtime-matrix entry from the TypeScript sources. `iife` exposes the entry as a
 * global for engines without modules (QuickJS); `esm` is loaded by a page in Chromium.
 */
export async function bundleEntry(format: 'iife' | 'esm', platform: 'browser' | 'neutral'): Promise<string> {
  const result = await build({
    entryPoints: [new URL('./entry.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format,
    platform,
    target: 'es2022',
    ...(format === 'iife' ? { globalName: '__linkwire' } : {}),
    conditions: ['@linkwire/source', 'browser', 'import', 'default'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
