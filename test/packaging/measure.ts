import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
}

/** esbuild for a browser from the TypeScript sources, minified; gzip at level 9 as a CDN serves it. */
export async function bundleSize(code: string, resolveDir: string = root): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: code, resolveDir, loader: 'ts' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@linkwire/source', 'browser', 'import', 'default'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0]!.contents;
  return { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
