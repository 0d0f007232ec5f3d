/**
 * `npm run fuzz`: every public entry point of every package with fuzz entries under hostile data
 * and hostile options, in worker threads with each case's time bounded. Two passes:
 *
 * 1. entry points: the time budget shared by every entry point;
 * 2. decoders (entries marked with `decoder()`, in families: MQTT, CoAP, Alink JSON, CBOR,
 *    JSON, TSL documents, shadow requests, OTA messages, credential verifiers, Edge HTTP bodies,
 *    EnOS): each family run to a case count shared evenly by its decoders, then each
 *    decoder's cost slope measured (time per byte at 1 KiB, 16 KiB and 256 KiB).
 *
 * Prints both tables (cases, typed errors by code, untyped throws, hangs, slopes), writes each
 * untyped throw's, hang's and superlinear slope's reproducer to its own file under
 * `.cache/fuzz/` (the path is printed), and exits 1 if there was any.
 *
 *   npm run fuzz                               # 60 s of entry points, 20 000 cases per decoder family
 *   npm run fuzz -- --minutes 10 --jobs 2      # the long run: 10 min + 1 000 000 cases per family
 *   npm run fuzz -- --seconds 20 alink coap --seed 42 --markdown FUZZ.md
 *   npm run fuzz -- --decoders-only --family-cases 200000 --jobs 2
 *   npm run fuzz -- --seed 42 --entry mqtt.decodePacket --family-cases 5000   # replay one
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzPackage, type PackageFuzzReport } from './host.ts';
import type { EntryReport } from './run.ts';

/** Packages in the order they run; those without `test/hostile.entries.ts` are left out. */
const ORDER = ['base', 'hash', 'sign', 'alink', 'tsl', 'shadow', 'coap', 'ota', 'mqtt', 'device', 'edge', 'enos', 'embedded', 'emulator'];
export const PACKAGES = ORDER.filter((p) => existsSync(join(process.cwd(), 'packages', p, 'test', 'hostile.entries.ts')));
/** A decoder whose time per byte grows more than this from 16 KiB to 256 KiB is reported as superlinear (quadratic reads 16). */
const SUPERLINEAR = 4;

interface Args {
  seconds: number;
  familyCases: number;
  entryPass: boolean;
  seed: number | undefined;
  packages: string[];
  entries: string[];
  markdown: string | undefined;
  caseTimeoutMs: number;
  jobs: number;
}

function parseArgs(argv: readonly string[]): Args {
  let seconds = 60;
  let long = false;
  let familyCases: number | undefined;
  let entryPass = true;
  let seed: number | undefined;
  let markdown: string | undefined;
  let caseTimeoutMs = 10_000;
  let jobs = 1;
  const packages: string[] = [];
  const entries: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') seconds = Number(next());
    else if (a === '--minutes') {
      seconds = Number(next()) * 60;
      long = true;
    } else if (a === '--family-cases') familyCases = Number(next());
    else if (a === '--decoders-only') entryPass = false;
    else if (a === '--seed') seed = Number(next());
    else if (a === '--markdown') markdown = next();
    else if (a === '--case-timeout-ms') caseTimeoutMs = Number(next());
    else if (a === '--jobs') jobs = Number(next());
    else if (a === '--entry') entries.push(next());
    else if (a === '--help' || a === '-h') {
      console.log('npm run fuzz -- [--seconds N | --minutes N] [--family-cases N] [--decoders-only] [--jobs N] [--seed N] [--entry NAME]… [--case-timeout-ms N] [--markdown FILE] [package…]');
      process.exit(0);
    } else if (PACKAGES.includes(a)) packages.push(a);
    else throw new Error(`unknown argument ${a} (packages: ${PACKAGES.join(' ')})`);
  }
  if (!(seconds > 0)) throw new Error('--seconds must be positive');
  const cases = familyCases ?? (long ? 1_000_000 : 20_000);
  if (!(Number.isInteger(cases) && cases >= 0)) throw new Error('--family-cases must be a whole number');
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error('--jobs must be a positive whole number');
  // An entry name picks its package.
  for (const e of entries) {
    const pkg = e.split('.')[0]!;
    if (!PACKAGES.includes(pkg)) throw new Error(`--entry ${e}: no package ${pkg}`);
    if (!packages.includes(pkg)) packages.push(pkg);
  }
  return { seconds, familyCases: cases, entryPass, seed, packages: packages.length > 0 ? packages : [...PACKAGES], entries, markdown, caseTimeoutMs, jobs };
}

/** Runs `work` over `items`, `jobs` at a time, keeping the order of the results. */
async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  }));
  return out;
}

const args = parseArgs(process.argv.slice(2));
const seed = args.seed ?? ((Date.now() ^ (process.pid << 8)) | 0);
const outDir = join(process.cwd(), '.cache', 'fuzz');
mkdirSync(outDir, { recursive: true });
const started = Date.now();
const only = args.entries.length > 0 ? { names: args.entries } : {};

// A first, one-case pass learns each package's entry points and decoders.
const probes = await pool(args.packages, args.jobs, (pkg) => fuzzPackage(pkg, { runs: 1, seed, caseTimeoutMs: args.caseTimeoutMs, ...only }));
const entryCount = probes.reduce((n, r) => n + r.entries.length, 0);
const decoderNames = new Map(probes.map((r) => [r.pkg, Object.keys(r.decoders).filter((n) => args.entries.length === 0 || args.entries.includes(n))]));
const decoderCount = [...decoderNames.values()].reduce((n, d) => n + d.length, 0);
// Each family's cases are shared evenly by its decoders.
const familyOf = new Map(probes.flatMap((r) => Object.entries(r.decoders)).filter(([n]) => args.entries.length === 0 || args.entries.includes(n)));
const familySize = new Map<string, number>();
for (const f of familyOf.values()) familySize.set(f, (familySize.get(f) ?? 0) + 1);
const runsOf = Object.fromEntries([...familyOf].map(([n, f]) => [n, Math.ceil(args.familyCases / familySize.get(f)!)]));
const problems: string[] = [];

const problem = (kind: string, e: EntryReport, body: string, replay: string): void => {
  const file = join(outDir, `${kind}-${e.name}-${seed}.txt`);
  writeFileSync(file, `${body}\n\nreplay: ${replay}\n`);
  problems.push(`${body}\n  reproducer: ${file}`);
  console.log(`${body}\n  reproducer written to ${file}`);
};
const report = (r: PackageFuzzReport, pass: string): void => {
  for (const e of r.entries) {
    const replay = `npm run fuzz -- --seed ${r.seed} --entry ${e.name}${e.decoder !== undefined && pass === 'decoders' ? ` --decoders-only --family-cases ${e.cases + 1}` : ' --seconds 5'}`;
    if (e.untyped) problem('untyped', e, `${e.name}: untyped throw (entry seed ${e.untyped.seed})\n  ${e.untyped.error}\n  case: ${e.untyped.counterexample}`, replay);
    if (e.hang) problem('hang', e, `${e.name}: hang after ${e.hang.afterCases} cases (entry seed ${e.hang.seed})\n  case: ${e.hang.counterexample ?? '(not recorded)'}`, replay);
    if (e.slope && e.slope.ratio > SUPERLINEAR) problem('slope', e, `${e.name}: superlinear cost, ${e.slope.nsPerByte.map((p) => `${p.ns.toFixed(1)} ns/byte at ${p.bytes} bytes`).join(', ')} (× ${e.slope.ratio.toFixed(1)})`, replay);
  }
};

let entryTable = '';
if (args.entryPass) {
  const msPerEntry = Math.max(50, Math.floor((args.seconds * 1000) / Math.max(1, entryCount)));
  console.log(`pass 1: ${entryCount} entry points of ${args.packages.length} packages, ${msPerEntry} ms each, seed ${seed}`);
  const t0 = Date.now();
  const reports = await pool(args.packages, args.jobs, async (pkg) => {
    const r = await fuzzPackage(pkg, { msPerEntry, seed, caseTimeoutMs: args.caseTimeoutMs, ...only });
    const cases = r.entries.reduce((n, e) => n + e.cases, 0);
    console.log(`${pkg}: ${r.entries.length} entry points, ${cases.toLocaleString('en')} cases`);
    report(r, 'entries');
    return r;
  });
  entryTable = renderEntries(reports, Math.round((Date.now() - t0) / 1000));
  console.log(`\n${entryTable}\n`);
}

let decoderTable = '';
if (args.familyCases > 0 && decoderCount > 0) {
  console.log(`pass 2: ${decoderCount} decoders in ${familySize.size} families, ${args.familyCases.toLocaleString('en')} cases per family, then the cost slopes, seed ${seed}`);
  const t0 = Date.now();
  const withDecoders = args.packages.filter((p) => (decoderNames.get(p) ?? []).length > 0);
  const reports = await pool(withDecoders, args.jobs, async (pkg) => {
    const r = await fuzzPackage(pkg, { runsOf, seed, caseTimeoutMs: args.caseTimeoutMs, names: decoderNames.get(pkg)!, slope: true });
    for (const e of r.entries) console.log(`${e.name}: ${e.cases.toLocaleString('en')} cases in ${(e.ms / 1000).toFixed(1)} s${e.slope ? `, slope × ${e.slope.ratio.toFixed(2)}` : ''}`);
    report(r, 'decoders');
    return r;
  });
  decoderTable = renderDecoders(reports, Math.round((Date.now() - t0) / 1000));
  console.log(`\n${decoderTable}\n`);
}

const total = Math.round((Date.now() - started) / 1000);
const head = `Fuzz run: ${total} s, seed ${seed}, ${new Date().toISOString().slice(0, 10)}, ${problems.length} problems (untyped throws, hangs, superlinear slopes).`;
console.log(head);
if (args.markdown !== undefined) writeFileSync(args.markdown, `${[head, entryTable, decoderTable].filter((x) => x !== '').join('\n\n')}\n`);
process.exit(problems.length > 0 ? 1 : 0);

function codesOf(entries: readonly EntryReport[]): Map<string, number> {
  const codes = new Map<string, number>();
  for (const e of entries) for (const [code, n] of Object.entries(e.typed)) codes.set(code, (codes.get(code) ?? 0) + n);
  return codes;
}
function top(codes: Map<string, number>, n: number): string {
  return [...codes].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ');
}
function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
function typedCount(e: EntryReport): number {
  return sum(Object.values(e.typed));
}

function renderEntries(rs: readonly PackageFuzzReport[], seconds: number): string {
  const all = rs.flatMap((r) => r.entries);
  const row = (name: string, es: readonly EntryReport[], bold: boolean): string => {
    const b = (x: string): string => (bold ? `**${x}**` : x);
    return `| ${b(name)} | ${b(String(es.length))} | ${b(sum(es.map((e) => e.cases)).toLocaleString('en'))} | ${bold ? '' : sum(es.map((e) => e.returned)).toLocaleString('en')} | ${b(sum(es.map(typedCount)).toLocaleString('en'))} | ${b(String(es.filter((e) => e.untyped).length))} | ${b(String(es.filter((e) => e.hang).length))} | ${top(codesOf(es), 8)} |`;
  };
  return [
    `Entry points: ${seconds} s. Untyped and hang count entry points with at least one.`,
    '',
    '| package | entry points | cases | returned | typed errors | untyped | hangs | typed errors by code (top 8) |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rs.map((r) => row(r.pkg, r.entries, false)),
    row('all', all, true),
  ].join('\n');
}

function renderDecoders(rs: readonly PackageFuzzReport[], seconds: number): string {
  const all = rs.flatMap((r) => r.entries).sort((a, b) => (a.decoder ?? '').localeCompare(b.decoder ?? '') || a.name.localeCompare(b.name));
  const ns = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const rows = all.map((e) => {
    const s = e.slope;
    const slope = s ? `${s.nsPerByte.map((p) => ns(p.ns)).join(' | ')} | ${s.ratio.toFixed(2)} | ${s.largeOutcome}` : '— | — | — | — | —';
    return `| ${e.decoder ?? ''} | ${e.name} | ${e.cases.toLocaleString('en')} | ${(e.ms / 1000).toFixed(0)} | ${typedCount(e).toLocaleString('en')} | ${e.untyped ? 1 : 0} | ${e.hang ? 1 : 0} | ${slope} | ${top(new Map(Object.entries(e.typed)), 3)} |`;
  });
  const families = [...new Set(all.map((e) => e.decoder ?? ''))].map((f) => {
    const es = all.filter((e) => (e.decoder ?? '') === f);
    const slopes = es.flatMap((e) => (e.slope ? [e.slope.ratio] : []));
    return `| ${f} | ${es.length} | ${sum(es.map((e) => e.cases)).toLocaleString('en')} | ${sum(es.map(typedCount)).toLocaleString('en')} | ${es.filter((e) => e.untyped).length} | ${es.filter((e) => e.hang).length} | ${slopes.length > 0 ? Math.max(...slopes).toFixed(2) : '—'} |`;
  });
  return [
    `Decoder families: ${seconds} s. Cases per family are shared evenly by its decoders.`,
    '',
    '| family | decoders | cases | typed errors | untyped | hangs | worst slope |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...families,
    '',
    `Decoders: ${seconds} s. Slope: CPU time per input byte at 1 KiB, 16 KiB and 256 KiB (best of 7 rounds), and the ratio 256 KiB / 16 KiB (about 1 is linear, a quadratic walk reads 16; see CostSlope in run.ts for why 1 KiB is not judged).`,
    '',
    '| family | decoder | cases | s | typed errors | untyped | hangs | ns/byte 1 KiB | 16 KiB | 256 KiB | slope | 256 KiB answer | typed errors by code (top 3) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows,
    `| **all** | **${all.length} decoders** | **${sum(all.map((e) => e.cases)).toLocaleString('en')}** | | **${sum(all.map(typedCount)).toLocaleString('en')}** | **${all.filter((e) => e.untyped).length}** | **${all.filter((e) => e.hang).length}** | | | | | | |`,
  ].join('\n');
}
