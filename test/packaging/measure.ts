import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BundleSize {
  /** What a page loads at start: the entry chunk and every chunk it imports statically. */
  readonly minified: number;
  readonly gzip: number;
  /** Chunks loaded on demand (dynamic `import()`: the device client's shadow, OTA and gateway parts, the hash kernels). */
  readonly lazy: { readonly minified: number; readonly gzip: number };
  /** Every chunk (one when not split): whether it loads at start, its size, and the source files with the most bytes in it. */
  readonly chunks: readonly ChunkSize[];
}

export interface ChunkSize {
  readonly initial: boolean;
  readonly minified: number;
  readonly gzip: number;
  /** Source files (repository paths) by minified bytes in this chunk, largest first. */
  readonly files: readonly { readonly path: string; readonly minified: number }[];
}

const OUT = '/linkwire-measure';

/**
 * esbuild for a browser from the TypeScript sources, minified; gzip at level 9 as a CDN serves
 * it. One file (dynamic imports inlined), unless `split`: then split at dynamic imports as a
 * page loads it, each chunk gzipped on its own (each is a request), and `lazy` holds the chunks
 * loaded on demand. esbuild splits by file, and code live in any chunk is kept in the shared
 * chunks, so a split bundle's first load can be larger than the one file: only compositions
 * built to load parts on demand are measured split.
 */
export async function bundleSize(code: string, resolveDir: string = root, split = false): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: code, resolveDir, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    write: false,
    splitting: split,
    outdir: OUT,
    metafile: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@linkwire/source', 'browser', 'import', 'default'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
  });
  const outputs = result.metafile!.outputs;
  const bytes = new Map(result.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.contents]));
  const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  const initial = new Set<string>();
  const visit = (path: string): void => {
    if (initial.has(base(path))) return;
    initial.add(base(path));
    for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') visit(Object.keys(outputs).find((k) => base(k) === base(i.path))!);
  };
  visit(Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined)!);
  let minified = 0;
  let gzip = 0;
  let lazyMin = 0;
  let lazyGzip = 0;
  const chunks: ChunkSize[] = [];
  for (const [path, output] of Object.entries(outputs)) {
    const b = bytes.get(base(path));
    if (b === undefined) continue;
    const z = gzipSync(b, { level: 9 }).length;
    const files = Object.entries(output.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([file, i]) => ({ path: file.slice(file.indexOf('packages/') >= 0 ? file.indexOf('packages/') : 0), minified: i.bytesInOutput }))
      .sort((x, y) => y.minified - x.minified);
    chunks.push({ initial: initial.has(base(path)), minified: b.length, gzip: z, files });
    if (initial.has(base(path))) {
      minified += b.length;
      gzip += z;
    } else {
      lazyMin += b.length;
      lazyGzip += z;
    }
  }
  return { minified, gzip, lazy: { minified: lazyMin, gzip: lazyGzip }, chunks };
}
