/**
 * `npm run fuzz`: every public entry point of every core package (and the emulator) under
 * hostile data and hostile options, for a time budget, in worker threads with each case's time
 * bounded. Prints the table (entry points, cases, typed errors by code, untyped throws, hangs),
 * writes each untyped throw's and hang's reproducer to `.cache/fuzz/`, and exits 1 if there
 * was any.
 *
 *   npm run fuzz                          # 60 s over every package
 *   npm run fuzz -- --seconds 150         # or --minutes 10
 *   npm run fuzz -- --seconds 20 alink coap --seed 42 --markdown FUZZ.md
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failures, fuzzPackage, type PackageFuzzReport } from './host.ts';

export const PACKAGES = ['base', 'hash', 'sign', 'alink', 'tsl', 'shadow', 'coap', 'ota', 'mqtt', 'device'] as const;
/** How many entry points each package has, to share the time budget per entry point. */

function parseArgs(argv: readonly string[]): { seconds: number; seed: number | undefined; packages: string[]; markdown: string | undefined; caseTimeoutMs: number } {
  let seconds = 60;
  let seed: number | undefined;
  let markdown: string | undefined;
  let caseTimeoutMs = 10_000;
  const packages: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') seconds = Number(next());
    else if (a === '--minutes') seconds = Number(next()) * 60;
    else if (a === '--seed') seed = Number(next());
    else if (a === '--markdown') markdown = next();
    else if (a === '--case-timeout-ms') caseTimeoutMs = Number(next());
    else if (a === '--help' || a === '-h') {
      console.log('npm run fuzz -- [--seconds N | --minutes N] [--seed N] [--case-timeout-ms N] [--markdown FILE] [package…]');
      process.exit(0);
    } else if ((PACKAGES as readonly string[]).includes(a)) packages.push(a);
    else throw new Error(`unknown argument ${a} (packages: ${PACKAGES.join(' ')})`);
  }
  if (!(seconds > 0)) throw new Error('--seconds must be positive');
  return { seconds, seed, packages: packages.length > 0 ? packages : [...PACKAGES], markdown, caseTimeoutMs };
}

// Entry points per package (counted by a first, short pass) share the budget evenly.
const args = parseArgs(process.argv.slice(2));
const seed = args.seed ?? ((Date.now() ^ (process.pid << 8)) | 0);
const counts = new Map<string, number>();
for (const pkg of args.packages) {
  const r = await fuzzPackage(pkg, { runs: 1, seed, caseTimeoutMs: args.caseTimeoutMs });
  counts.set(pkg, r.names.length);
}
const totalEntries = [...counts.values()].reduce((a, b) => a + b, 0);
const msPerEntry = Math.max(50, Math.floor((args.seconds * 1000) / totalEntries));
console.log(`fuzzing ${totalEntries} entry points of ${args.packages.length} packages, ${msPerEntry} ms each, seed ${seed}`);
const started = Date.now();
const reports: PackageFuzzReport[] = [];
const outDir = join(process.cwd(), '.cache', 'fuzz');
mkdirSync(outDir, { recursive: true });
let bad = 0;
for (const pkg of args.packages) {
  const r = await fuzzPackage(pkg, { msPerEntry, seed, caseTimeoutMs: args.caseTimeoutMs });
  reports.push(r);
  const problems = failures(r);
  const cases = r.entries.reduce((n, e) => n + e.cases, 0);
  console.log(`${pkg}: ${r.entries.length} entry points, ${cases.toLocaleString('en')} cases, ${problems.length} problems`);
  if (problems.length > 0) {
    bad += problems.length;
    const file = join(outDir, `reproducers-${pkg}-${seed}.txt`);
    writeFileSync(file, `${problems.join('\n\n')}\n`);
    console.log(problems.join('\n\n'));
    console.log(`reproducers written to ${file}`);
  }
}
const table = render(reports, seed, Math.round((Date.now() - started) / 1000));
console.log(`\n${table}`);
if (args.markdown !== undefined) writeFileSync(args.markdown, `${table}\n`);
process.exit(bad > 0 ? 1 : 0);

function render(rs: readonly PackageFuzzReport[], s: number, seconds: number): string {
  const rows: string[] = [];
  let entries = 0, cases = 0, typed = 0, untyped = 0, hangs = 0;
  const codesAll = new Map<string, number>();
  for (const r of rs) {
    const codes = new Map<string, number>();
    let c = 0, t = 0, u = 0, h = 0, ret = 0;
    for (const e of r.entries) {
      c += e.cases;
      ret += e.returned;
      for (const [code, n] of Object.entries(e.typed)) {
        codes.set(code, (codes.get(code) ?? 0) + n);
        codesAll.set(code, (codesAll.get(code) ?? 0) + n);
        t += n;
      }
      if (e.untyped) u++;
      if (e.hang) h++;
    }
    entries += r.entries.length;
    cases += c;
    typed += t;
    untyped += u;
    hangs += h;
    const top = [...codes].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ');
    rows.push(`| ${r.pkg} | ${r.entries.length} | ${c.toLocaleString('en')} | ${ret.toLocaleString('en')} | ${t.toLocaleString('en')} | ${u} | ${h} | ${top} |`);
  }
  return [
    `Fuzz run: ${seconds} s, seed ${s}, ${new Date().toISOString().slice(0, 10)}. Untyped and hang count entry points with at least one.`,
    '',
    '| package | entry points | cases | returned | typed errors | untyped | hangs | typed errors by code (top 8) |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    `| **all** | **${entries}** | **${cases.toLocaleString('en')}** | | **${typed.toLocaleString('en')}** | **${untyped}** | **${hangs}** | ${[...codesAll].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ')} |`,
  ].join('\n');
}
