/**
 * Runs a package's fuzz entries (`packages/<pkg>/test/hostile.entries.ts`) in a worker thread
 * and bounds each case's time: the worker bumps a shared counter before every case, and when
 * the counter stands still for `caseTimeoutMs` the case hangs. The host then ends the worker,
 * runs that entry again with the same seed recording each case's text (to name the case that
 * hangs), and carries on with the next entry in a new worker. A hang fails the test, never the
 * run.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EntryReport, RunOptions } from './run.ts';
import type { WorkerInput, WorkerMessage } from './worker.ts';

// The repository root: three levels up from this file, or from the bundle under .cache/fuzz.
const root = ((): string => {
  let dir = dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 6; i++, dir = dirname(dir)) if (existsSync(join(dir, 'packages', 'base', 'package.json'))) return dir;
  throw new Error('cannot find the repository root');
})();
const bundles = new Map<string, Promise<string>>();

const LOAD_TIMEOUT_MS = 120_000;
/** A hang or crash after more cases than this is not replayed to record its case. */
const RECORD_REPLAY_LIMIT = 20_000;

/** Bundles the worker for one package's entries (once per process). */
function bundle(pkg: string): Promise<string> {
  let b = bundles.get(pkg);
  if (b === undefined) {
    const dir = join(root, '.cache', 'fuzz');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `worker-${pkg}-${process.pid}.mjs`);
    const external = { name: 'external-npm', setup(x: import('esbuild').PluginBuild) { x.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@linkwire/') || a.path === 'fast-check' ? undefined : { path: a.path, external: true })); } };
    b = build({
      stdin: {
        contents: `import { entries } from ${JSON.stringify(join(root, 'packages', pkg, 'test', 'hostile.entries.ts'))};\nimport { serve } from ${JSON.stringify(join(root, 'test', 'support', 'fuzz', 'worker.ts'))};\nawait serve(entries);\n`,
        resolveDir: root, loader: 'ts', sourcefile: `fuzz-${pkg}.ts`,
      },
      outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      conditions: ['@linkwire/source'], plugins: [external], logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    }).then(() => outfile);
    bundles.set(pkg, b);
  }
  return b;
}

/** The worker's run options a caller chooses (the host supplies the heartbeat, the record and the restart point), with the seed optional. */
export interface PackageFuzzOptions extends Omit<RunOptions, 'seed' | 'heartbeat' | 'record' | 'from' | 'only'> {
  readonly seed?: number;
  /** A case that takes longer than this is a hang. Default 10 s (the machine is shared). */
  readonly caseTimeoutMs?: number;
}

export interface PackageFuzzReport {
  readonly pkg: string;
  readonly seed: number;
  readonly entries: EntryReport[];
  readonly names: readonly string[];
  /** The entries marked as decoders, with their family. */
  readonly decoders: Readonly<Record<string, string>>;
}

interface Attempt {
  readonly reports: EntryReport[];
  readonly names: readonly string[];
  readonly decoders: Readonly<Record<string, string>>;
  /** Set when the worker hung: the entry index and how many cases it had started. */
  readonly hung?: { readonly index: number; readonly cases: number; readonly record?: string; readonly mutationCase?: number };
  /** Set when an error escaped the worker's cases (thrown from a timer or a microtask): the worker died of it. */
  readonly crashed?: { readonly index: number; readonly cases: number; readonly error: string; readonly record?: string };
}

function attempt(file: string, options: RunOptions, caseTimeoutMs: number, record: boolean, onEntry?: (r: EntryReport) => void): Promise<Attempt> {
  const heartbeat = new SharedArrayBuffer(12);
  const recordBuffer = record ? new SharedArrayBuffer(64 * 1024) : undefined;
  const beat = new Int32Array(heartbeat);
  const { heartbeat: _h, record: _r, onEntry: _o, ...plain } = options;
  const input: WorkerInput = { heartbeat, ...(recordBuffer ? { record: recordBuffer } : {}), options: plain };
  const worker = new Worker(file, { workerData: input, resourceLimits: { stackSizeMb: 4 } });
  const reports: EntryReport[] = [];
  let names: readonly string[] = [];
  let decoders: Readonly<Record<string, string>> = {};
  return new Promise<Attempt>((resolve, reject) => {
    let seen = -1;
    let entryStart = 0;
    let stillSince = Date.now();
    // The clock starts when the worker has loaded its bundle (it posts the entry names first):
    // loading takes seconds on a loaded machine and is not a case.
    let ready = false;
    const started = Date.now();
    let finished = false;
    const watch = setInterval(() => {
      if (!ready) {
        if (Date.now() - started < LOAD_TIMEOUT_MS) return;
        clearInterval(watch);
        finished = true;
        void worker.terminate().then(() => reject(new Error(`the fuzz worker for ${file} did not load within ${LOAD_TIMEOUT_MS} ms`)));
        return;
      }
      const now = Atomics.load(beat, 0);
      if (now !== seen) {
        seen = now;
        stillSince = Date.now();
        return;
      }
      if (Date.now() - stillSince < caseTimeoutMs) return;
      clearInterval(watch);
      finished = true;
      const index = Atomics.load(beat, 1);
      const mutating = Atomics.load(beat, 2);
      const text = recordBuffer ? new TextDecoder().decode(new Uint8Array(recordBuffer)).replace(/\0+$/, '') : undefined;
      void worker.terminate().then(() => resolve({ reports, names, decoders, hung: { index, cases: now - entryStart, ...(text !== undefined ? { record: text } : {}), ...(mutating > 0 ? { mutationCase: mutating - 1 } : {}) } }));
    }, 100);
    worker.on('message', (m: WorkerMessage) => {
      if ('names' in m) {
        names = m.names;
        decoders = m.decoders;
        ready = true;
        stillSince = Date.now();
      }
      else if ('report' in m) {
        reports.push(m.report);
        onEntry?.(m.report);
        entryStart = Atomics.load(beat, 0);
        Atomics.store(beat, 2, 0);
      } else {
        clearInterval(watch);
        finished = true;
        void worker.terminate().then(() => resolve({ reports, names, decoders }));
      }
    });
    // A worker that exits without a word (killed by its heap limit, say) ends the attempt as a crash.
    worker.on('exit', (code) => {
      if (finished) return;
      finished = true;
      clearInterval(watch);
      if (!ready) return reject(new Error(`the fuzz worker for ${file} exited with code ${code} before it loaded`));
      resolve({ reports, names, decoders, crashed: { index: Atomics.load(beat, 1), cases: Atomics.load(beat, 0) - entryStart, error: `the worker exited with code ${code} (its heap limit, or process.exit)` } });
    });
    worker.on('error', (e) => {
      if (finished) return;
      finished = true;
      clearInterval(watch);
      const error = e instanceof Error ? e : new Error(`fuzz worker failed: ${String((e as { message?: unknown })?.message ?? e)} (${Object.prototype.toString.call(e)})`);
      if (!ready) return reject(error);
      // An error no case caught (a callback threw on a later tick): an untyped throw of the entry running.
      const text = recordBuffer ? new TextDecoder().decode(new Uint8Array(recordBuffer)).replace(/\0+$/, '') : undefined;
      const now = Atomics.load(beat, 0);
      resolve({ reports, names, decoders, crashed: { index: Atomics.load(beat, 1), cases: now - entryStart, error: `${error.name}: ${error.message}\n${(error.stack ?? '').split('\n').slice(1, 6).join('\n')}`, ...(text !== undefined ? { record: text } : {}) } });
    });
  });
}

/** Fuzzes every entry of `pkg` in worker threads; hangs are reported per entry, with the case that hung. */
export async function fuzzPackage(pkg: string, options: PackageFuzzOptions = {}): Promise<PackageFuzzReport> {
  const file = await bundle(pkg);
  const seed = options.seed ?? ((Date.now() ^ (process.pid << 8)) | 0);
  const caseTimeoutMs = options.caseTimeoutMs ?? 10_000;
  const base: RunOptions = {
    seed, ...(options.runs !== undefined ? { runs: options.runs } : {}), ...(options.msPerEntry !== undefined ? { msPerEntry: options.msPerEntry } : {}),
    ...(options.names !== undefined ? { names: options.names } : {}), ...(options.runsOf !== undefined ? { runsOf: options.runsOf } : {}), ...(options.slope ? { slope: true } : {}), ...(options.decodersOnly ? { decodersOnly: true } : {}),
    ...(options.mutationsOf !== undefined ? { mutationsOf: options.mutationsOf } : {}), ...(options.mutationFrom !== undefined ? { mutationFrom: options.mutationFrom } : {}),
  };
  const entries: EntryReport[] = [];
  let names: readonly string[] = [];
  let decoders: Readonly<Record<string, string>> = {};
  let from = 0;
  for (;;) {
    const a = await attempt(file, { ...base, from }, caseTimeoutMs, false, options.onEntry);
    entries.push(...a.reports);
    if (names.length === 0) {
      names = a.names;
      decoders = a.decoders;
    }
    const stop = a.hung ?? a.crashed;
    if (stop === undefined) break;
    // Run the entry again, recording each case, to name the case that hangs or kills the worker
    // (not after a long run's hundreds of thousands of cases: the replay command says how). A
    // mutation case is replayed alone: it depends only on its index.
    const mutationCase = a.hung?.mutationCase;
    const again = mutationCase !== undefined
      ? await attempt(file, { ...base, only: stop.index, runsOf: { [names[stop.index] ?? '']: 0 }, mutationsOf: { [names[stop.index] ?? '']: 1 }, mutationFrom: mutationCase }, caseTimeoutMs, true)
      : stop.cases <= RECORD_REPLAY_LIMIT ? await attempt(file, { ...base, only: stop.index }, caseTimeoutMs, true) : undefined;
    const name = names[stop.index] ?? `#${stop.index}`;
    const entrySeed = (seed + stop.index * 7919) | 0;
    const record = again?.hung?.record ?? again?.crashed?.record;
    const report: EntryReport = {
      name, cases: stop.cases, returned: 0, typed: {}, ms: caseTimeoutMs, ...(decoders[name] !== undefined ? { decoder: decoders[name] } : {}),
      ...(a.hung !== undefined
        ? { hang: { afterCases: a.hung.cases, seed: entrySeed, ...(record !== undefined ? { counterexample: record } : {}), ...(mutationCase !== undefined ? { mutationCase } : {}) } }
        : { untyped: { error: `escaped the case (thrown on a later tick): ${a.crashed!.error}`, counterexample: record ?? '(not recorded)', seed: entrySeed } }),
    };
    entries.push(report);
    options.onEntry?.(report);
    from = stop.index + 1;
    if (from >= names.length) break;
  }
  return { pkg, seed, entries, names, decoders };
}

/** The lines a failing test prints: each untyped throw and hang with its entry, seed and case. */
export function failures(report: PackageFuzzReport): string[] {
  const out: string[] = [];
  for (const e of report.entries) {
    if (e.untyped) out.push(`${e.name}: untyped throw (seed ${e.untyped.seed})\n  ${e.untyped.error}\n  case: ${e.untyped.counterexample}`);
    if (e.hang) out.push(`${e.name}: hang after ${e.hang.afterCases} cases (seed ${e.hang.seed})\n  case: ${e.hang.counterexample ?? '(not recorded)'}`);
  }
  return out;
}
