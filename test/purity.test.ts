/**
 * The zero-IO rule for the core packages, enforced on their sources: no Node built-ins, no
 * Buffer/process, no wall clock or Math.random, no sockets, files, fetch or timers. Comments
 * and types are stripped by esbuild first, so prose about these APIs does not trip the check;
 * then each package is bundled for a neutral platform to list every module it pulls in.
 */
import { build, transform } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CORE = ['base', 'hash', 'sign', 'alink', 'tsl', 'shadow', 'coap', 'ota', 'mqtt', 'device', 'embedded'];
// Runtime dependencies a core package may pull in (ARCHITECTURE.md "Dependencies are chosen").
const ALLOWED_NPM = ['@noble/hashes', '@noble/ciphers', 'fast-check'];

const FORBIDDEN: [RegExp, string][] = [
  [/\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\brequire\s*\(/, 'imports a Node built-in or uses require'],
  [/\bBuffer\b/, 'uses Buffer'],
  [/\bprocess\b/, 'uses process'],
  [/\bDate\.now\s*\(|\bnew Date\s*(?:\(\s*\)|(?![\s(]))/, 'reads the wall clock'],
  [/\bMath\.random\s*\(/, 'uses Math.random'],
  [/\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval)\s*\(/, 'uses timers'],
  [/\bfetch\s*\(|\bXMLHttpRequest\b|\bWebSocket\b|\bDeno\./, 'does network or runtime IO'],
  [/\bperformance\.now\s*\(/, 'reads a clock'],
];

function sources(dir: string): string[] {
  let out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out = out.concat(sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export async function violations(file: string): Promise<string[]> {
  const code = (await transform(readFileSync(file, 'utf8'), { loader: 'ts', legalComments: 'none', minifyWhitespace: true })).code;
  // String literals may mention anything (error messages); only code counts.
  const codeOnly = code.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
  // Module specifiers are strings: the import rule looks at the code before strings are blanked.
  return FORBIDDEN.filter(([re], i) => re.test(i === 0 ? code : codeOnly)).map(([, why]) => `${relative(root, file)} ${why}`);
}

describe('zero-IO core packages', () => {
  for (const pkg of CORE) {
    const dir = join(root, 'packages', pkg, 'src');
    it(`${pkg}: sources use no Node built-ins, Buffer, process, clock, randomness, timers or network`, async () => {
      const files = sources(dir);
      const found = (await Promise.all(files.map(violations))).flat();
      expect(found).toEqual([]);
    });
    it(`${pkg}: bundles for a neutral platform with only chosen dependencies`, async () => {
      const entries = sources(dir).filter((f) => f.endsWith('/mod.ts') || f.endsWith('/testing.ts'));
      if (entries.length === 0) return expect(sources(dir)).toEqual([]);
      const result = await build({
        entryPoints: entries, bundle: true, write: false, platform: 'neutral', format: 'esm', outdir: '/tmp/purity',
        conditions: ['@linkwire/source', 'browser', 'import', 'default'], mainFields: ['browser', 'module', 'main'],
        metafile: true, logLevel: 'silent', external: ['fast-check'],
      });
      const npm = new Set<string>();
      for (const input of Object.keys(result.metafile.inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
        if (m && !m[1]!.startsWith('@linkwire/')) npm.add(m[1]!);
      }
      expect([...npm].filter((n) => !ALLOWED_NPM.includes(n))).toEqual([]);
    });
  }

  it('the checker itself catches each forbidden use', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'purity-'));
    const bad = ["import x from 'node:fs'; x;", 'Buffer.from([]);', 'process.env;', 'Date.now();', 'Math.random();', 'setTimeout(() => 1, 1);', "fetch('x');", 'new Date();'];
    for (const [i, line] of bad.entries()) {
      const f = join(dir, `b${i}.ts`);
      writeFileSync(f, `// a comment about Buffer and process is fine\nconst s = 'Date.now() in a string is fine';\n${line}\n`);
      expect(await violations(f), line).toHaveLength(1);
    }
    const ok = join(dir, 'ok.ts');
    writeFileSync(ok, "/** Buffer, process, Date.now() */\nexport const m = 'no Buffer here';\n");
    expect(await violations(ok)).toEqual([]);
  });
});
