/**
 * The fuzz loop shared by each package's hostile test and `npm run fuzz`: every entry point gets
 * its own fast-check run (a seed each), and the only error allowed to escape is a typed
 * `LinkwireError` with a string `code`. Typed errors are counted by code; the first untyped
 * throw of an entry is shrunk by fast-check and kept with its counterexample. A shared
 * heartbeat (a counter bumped before every case) lets the host thread see a hang and end it.
 */
import { LinkwireError } from '@linkwire/base';
import fc from 'fast-check';
import type { FuzzEntry } from './entry.ts';
import { buildCorpus, caseSeed, CHUNK, mutant, Rng, type Corpus } from './mutate.ts';

export interface EntryReport {
  readonly name: string;
  cases: number;
  /** Calls that returned (or resolved). */
  returned: number;
  /** Typed errors by code. */
  typed: Record<string, number>;
  untyped?: { readonly error: string; readonly counterexample: string; readonly seed: number; /** Set when the mutation stage found it: replay with `--mutation-case`. */ readonly mutationCase?: number };
  hang?: { readonly afterCases: number; readonly counterexample?: string; readonly seed: number; readonly mutationCase?: number };
  ms: number;
  /** The decoder family, for entries marked with `decoder()`. */
  decoder?: string;
  /** Measured when asked (`slope`) for a decoder with a sized input. */
  slope?: CostSlope;
  /** The mutation stage (see mutate.ts), when asked (`mutationsOf`): its cases are not in `cases`. */
  mutation?: MutationReport;
}

export interface MutationReport {
  cases: number;
  returned: number;
  /** Typed errors by code (also counted in the entry's `typed`). */
  typed: Record<string, number>;
  /** Cases that threw an untyped error (the first is the entry's `untyped`, with its case index). */
  untyped: number;
  ms: number;
}

/**
 * The cost slope of a decoder: CPU time per input byte at 1 KiB, 16 KiB and 256 KiB (best of
 * rounds), and `ratio`, the time per byte at 256 KiB over that at 16 KiB. Linear cost reads
 * near 1; a quadratic walk reads near 16 (the size ratio). The step from 1 KiB to 16 KiB is
 * shown but not judged: V8's own `JSON.parse` costs 3–4 times more per byte at 16 KiB than at
 * 1 KiB on objects with many keys (dictionary-mode objects, young-generation GC), and flat
 * beyond that.
 */
export interface CostSlope {
  readonly nsPerByte: readonly { readonly bytes: number; readonly ns: number }[];
  readonly ratio: number;
  /** What the largest input got: `returned`, or the typed error's code (a refusal's cost is measured then, not the decoding's). */
  readonly largeOutcome: string;
}

/** Sizes of the cost-slope inputs; the ratio is judged between the last two. */
export const SLOPE_SIZES = [1024, 16 * 1024, 256 * 1024] as const;

export interface RunOptions {
  /** Cases per entry (fast entries), or */
  readonly runs?: number;
  /** a time budget per entry in milliseconds. */
  readonly msPerEntry?: number;
  readonly seed: number;
  /** Int32Array over a SharedArrayBuffer: [0] bumped before each case, [1] the entry index, [2] 1 + the mutation case running (0 outside the mutation stage). */
  readonly heartbeat?: Int32Array;
  /** Writes each case's text into this buffer before running it (to print a hang's case). */
  readonly record?: Uint8Array;
  /** Start at this entry index (after a hang the host restarts behind it). */
  readonly from?: number;
  readonly only?: number;
  /** Cases per entry by name, before `runs` (the long run's decoder pass). */
  readonly runsOf?: Readonly<Record<string, number>>;
  /** Run only the entries with these names (the long run's decoder pass). */
  readonly names?: readonly string[];
  /** Run only the entries marked as decoders (an entry point and a decoder may share a name: enos.DeviceClient). */
  readonly decodersOnly?: boolean;
  /** Measure each decoder's cost slope after its run. */
  readonly slope?: boolean;
  /** Mutation cases per entry by name, after its generative cases (the long run's decoder pass, see mutate.ts). */
  readonly mutationsOf?: Readonly<Record<string, number>>;
  /** The first mutation case (a replay of one case starts there). */
  readonly mutationFrom?: number;
  readonly onEntry?: (report: EntryReport) => void;
}

export function isTyped(e: unknown): boolean {
  return e instanceof LinkwireError && typeof e.code === 'string' && e.code !== '';
}

function show(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return `non-Error thrown: ${showCase(e)}`;
}

/**
 * A case as text for a report: fast-check's stringify on a copy cut at depth 8 (fast-check
 * recurses, and hostile values nest 30 000 deep), with long strings and arrays cut too.
 */
export function showCase(v: unknown): string {
  const cut = (x: unknown, depth: number): unknown => {
    if (typeof x === 'string') return x.length > 200 ? `${x.slice(0, 200)}…(${x.length})` : x;
    if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return x;
    if (depth > 8) return Array.isArray(x) ? ['…deeper'] : { '…': 'deeper' };
    if (Array.isArray(x)) return x.slice(0, 20).map((y) => cut(y, depth + 1)).concat(x.length > 20 ? [`…(${x.length})`] : []);
    const proto = Object.getPrototypeOf(x) as unknown;
    if (proto !== Object.prototype && proto !== null) return x;
    const out = proto === null ? (Object.create(null) as Record<string, unknown>) : ({} as Record<string, unknown>);
    for (const k of Object.keys(x).slice(0, 20)) Object.defineProperty(out, k, { value: cut((x as Record<string, unknown>)[k], depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  };
  try {
    return fc.stringify(cut(v, 0));
  } catch (e) {
    return `(unprintable: ${String(e)})`;
  }
}

/** Milliseconds for durations: `performance.now()` where there is one (QuickJS has only Date). */
const clockMs = (): number => (typeof performance === 'object' ? performance.now() : Date.now());

export const entrySeed = (seed: number, index: number): number => (seed + index * 7919) | 0;

export async function runEntries(entries: readonly FuzzEntry[], options: RunOptions): Promise<EntryReport[]> {
  const reports: EntryReport[] = [];
  // Created only when recording: QuickJS, which runs these entries in the runtime matrix, has no TextEncoder.
  const encoder = options.record ? new TextEncoder() : undefined;
  const last = options.only ?? entries.length - 1;
  for (let index = options.only ?? options.from ?? 0; index <= last; index++) {
    const e = entries[index]!;
    if (options.names !== undefined && !options.names.includes(e.name)) continue;
    if (options.decodersOnly && e.decoder === undefined) continue;
    const seed = entrySeed(options.seed, index);
    const report: EntryReport = { name: e.name, cases: 0, returned: 0, typed: {}, ms: 0, ...(e.decoder ? { decoder: e.decoder.family } : {}) };
    if (options.heartbeat) Atomics.store(options.heartbeat, 1, index);
    const before = (args: readonly unknown[]): void => {
      report.cases++;
      if (options.heartbeat) Atomics.add(options.heartbeat, 0, 1);
      if (options.record) {
        const text = encoder!.encode(showCase(args).slice(0, options.record.length / 4 - 8));
        options.record.fill(0);
        options.record.set(text.subarray(0, options.record.length - 1));
      }
    };
    const caught = (err: unknown): boolean => {
      if (!isTyped(err)) return false;
      const code = (err as LinkwireError).code;
      report.typed[code] = (report.typed[code] ?? 0) + 1;
      return true;
    };
    let firstUntyped: unknown;
    const started = clockMs();
    const runs = options.runsOf?.[e.name] ?? (e.slow ? Math.max(1, Math.ceil((options.runs ?? 1000) / 20)) : (options.runs ?? 1_000_000_000));
    const params = {
      seed,
      numRuns: runs,
      ...(options.msPerEntry !== undefined ? { interruptAfterTimeLimit: options.msPerEntry, markInterruptAsFailure: false } : {}),
    };
    let details: fc.RunDetails<[readonly unknown[]]>;
    // Sync entries run under a sync property (an async one costs a microtask per case); a
    // call that returns a promise moves the entry to the async property.
    let asyncNeeded = false;
    const sync = fc.property(e.args, (args) => {
      // An async entry is run by the async property below: the sync pass stops calling it at the
      // first promise instead of starting every case at once (thousands of concurrent clients
      // kept the async pass's first case waiting past the hang timeout).
      if (asyncNeeded) return true;
      before(args);
      let r: unknown;
      try {
        r = e.call(args);
      } catch (err) {
        if (caught(err)) return true;
        firstUntyped ??= err;
        return false;
      }
      if (r instanceof Promise) {
        asyncNeeded = true;
        r.catch(() => undefined);
      }
      report.returned++;
      return true;
    });
    // One case first: an entry that returns a promise must not have all its cases started at
    // once by the sync property (half a million unawaited calls on one shared client).
    // No generative case at all when 0 are asked (a replay of one mutation case).
    details = runs === 0 ? fc.check(fc.property(e.args, (_args: readonly unknown[]) => true), { ...params, numRuns: 1 }) : fc.check(sync, { ...params, numRuns: 1 });
    if (!asyncNeeded && !details.failed && runs > 1) {
      report.cases = 0;
      report.returned = 0;
      report.typed = {};
      details = fc.check(sync, params);
    }
    if (asyncNeeded) {
      report.cases = 0;
      report.returned = 0;
      report.typed = {};
      firstUntyped = undefined;
      const prop = fc.asyncProperty(e.args, async (args) => {
        before(args);
        try {
          await e.call(args);
        } catch (err) {
          if (caught(err)) return true;
          firstUntyped ??= err;
          return false;
        }
        report.returned++;
        return true;
      });
      details = await fc.check(prop, params);
    }
    report.ms = Math.round(clockMs() - started);
    if (details.failed) {
      // Call the shrunk counterexample once more to show its own error (shrinking may have
      // moved from the first failure's error to another).
      let err: unknown = firstUntyped ?? details.errorInstance;
      const example = details.counterexample?.[0];
      if (example !== undefined) {
        try {
          await e.call(example);
        } catch (again) {
          if (!isTyped(again)) err = again;
        }
      }
      const why = err === undefined || err === null ? `fast-check failed without an error: ${String((details as { error?: unknown }).error ?? '')} (interrupted ${String(details.interrupted)}, runs ${details.numRuns})` : show(err);
      report.untyped = { error: why, counterexample: showCase(example ?? []).slice(0, 2000), seed };
    }
    const mutations = options.mutationsOf?.[e.name] ?? 0;
    if (mutations > 0 && report.untyped === undefined) await mutationStage(e, seed, options.mutationFrom ?? 0, mutations, report, before, options.heartbeat);
    if (options.slope && e.decoder?.sized) {
      const heartbeat = options.heartbeat;
      report.slope = await costSlope(e, e.decoder.sized, () => heartbeat && Atomics.add(heartbeat, 0, 1));
    }
    reports.push(report);
    options.onEntry?.(report);
  }
  return reports;
}

/**
 * Mutation cases `from` … `from + count - 1` of entry `e` (see mutate.ts), each a real call of
 * the entry classified as the generative cases are: returned, typed error by code, untyped
 * throw (the first kept with its case index and text); a hang is seen by the host through the
 * heartbeat `before` bumps.
 */
async function mutationStage(e: FuzzEntry, seed: number, from: number, count: number, report: EntryReport, before: (args: readonly unknown[]) => void, heartbeat?: Int32Array): Promise<void> {
  const m: MutationReport = { cases: 0, returned: 0, typed: {}, untyped: 0, ms: 0 };
  report.mutation = m;
  const started = clockMs();
  let corpus: Corpus | undefined;
  let chunk = -1;
  const casesBefore = report.cases;
  const classify = (err: unknown, i: number, args: readonly unknown[]): void => {
    if (isTyped(err)) {
      const code = (err as LinkwireError).code;
      m.typed[code] = (m.typed[code] ?? 0) + 1;
      report.typed[code] = (report.typed[code] ?? 0) + 1;
      return;
    }
    m.untyped++;
    report.untyped ??= { error: show(err), counterexample: showCase(args).slice(0, 2000), seed, mutationCase: i };
  };
  // No stack traces while mutants run: capturing one is most of a typed error's cost (about
  // half of a JSON decoder's case), and no case reads them. An untyped throw is called again
  // with stacks on, for its report.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    await mutants();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (report.untyped?.mutationCase !== undefined && report.untyped.error.split('\n').length < 2) {
    try {
      const again = e.call(mutant(corpusOf(Math.floor(report.untyped.mutationCase / CHUNK)), new Rng(caseSeed(seed, report.untyped.mutationCase))));
      if (again instanceof Promise) await again;
    } catch (err) {
      if (!isTyped(err)) report.untyped = { ...report.untyped, error: show(err) };
    }
  }
  report.cases = casesBefore;
  if (heartbeat && heartbeat.length > 2) Atomics.store(heartbeat, 2, 0);
  m.ms = Math.round(clockMs() - started);
  report.ms += m.ms;
  function corpusOf(c: number): Corpus {
    return buildCorpus(e.args, (seed ^ Math.imul(c + 1, 0x27d4eb2f)) | 0, e.decoder?.sized);
  }
  async function mutants(): Promise<void> {
    for (let i = from; i < from + count; i++) {
      if (Math.floor(i / CHUNK) !== chunk) {
        chunk = Math.floor(i / CHUNK);
        corpus = corpusOf(chunk);
      }
      const args = mutant(corpus!, new Rng(caseSeed(seed, i)));
      // `before` counts the case in `cases` (and beats the heart, and records it when replaying): moved to the mutation count below.
      if (heartbeat && heartbeat.length > 2) Atomics.store(heartbeat, 2, i + 1);
      before(args);
      m.cases++;
      try {
        const r = e.call(args);
        if (r instanceof Promise) await r;
        m.returned++;
      } catch (err) {
        classify(err, i, args);
      }
    }
  }
}

/** Bytes of input in a call's arguments: strings (UTF-16 units) and byte arrays at the top level, and a request's body. */
export function inputBytes(args: readonly unknown[]): number {
  let n = 0;
  for (const a of args) {
    if (typeof a === 'string') n += a.length;
    else if (a instanceof Uint8Array) n += a.byteLength;
    else if (typeof a === 'object' && a !== null && 'body' in a) n += inputBytes([(a as { body: unknown }).body]);
  }
  return n;
}

async function costSlope(e: FuzzEntry, sized: (n: number) => readonly unknown[], beat: () => void): Promise<CostSlope> {
  const perByte = async (n: number): Promise<{ bytes: number; ns: number; outcome: string }> => {
    beat();
    const args = sized(n);
    const bytes = Math.max(1, inputBytes(args));
    let outcome = 'returned';
    try {
      const r = e.call(args);
      if (r instanceof Promise) await r;
    } catch (err) {
      outcome = isTyped(err) ? (err as LinkwireError).code : `untyped ${err instanceof Error ? err.name : typeof err}`;
    }
    let best = Infinity;
    // Best of 7 rounds of at least 20 ms each: the machine is shared, the minimum is the cost.
    for (let round = 0; round < 7; round++) {
      beat();
      let reps = 0;
      const t0 = clockMs();
      let t = t0;
      do {
        try {
          const r = e.call(args);
          if (r instanceof Promise) await r.catch(() => undefined);
        } catch {
          // the slope is the cost of the answer, a typed error included
        }
        reps++;
        t = clockMs();
      } while (t - t0 < 20);
      best = Math.min(best, (t - t0) / reps);
    }
    return { bytes, ns: (best * 1e6) / bytes, outcome };
  };
  const points: { bytes: number; ns: number; outcome: string }[] = [];
  for (const n of SLOPE_SIZES) points.push(await perByte(n));
  // A slope that reads steep is measured twice more, keeping each size's best: on a shared
  // machine one size's rounds can all land in another process's burst.
  for (let again = 0; again < 2 && points[points.length - 1]!.ns / points[points.length - 2]!.ns > 2; again++) {
    for (let i = 0; i < SLOPE_SIZES.length; i++) {
      const p = await perByte(SLOPE_SIZES[i]!);
      if (p.ns < points[i]!.ns) points[i] = p;
    }
  }
  const mid = points[points.length - 2]!;
  const large = points[points.length - 1]!;
  return { nsPerByte: points.map(({ bytes, ns }) => ({ bytes, ns })), ratio: large.ns / mid.ns, largeOutcome: large.outcome };
}
