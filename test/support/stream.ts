/**
 * Shared checks for every consumer of a byte stream (issue 22): split points for a fast-check
 * property that compares a split run with the unsplit one, and the cost ratio of feeding
 * 64 KiB and 256 KiB one byte at a time (linear is 4×; the tests fail above 6×).
 */
import fc from 'fast-check';

/** Cut points for a stream of `length` bytes (any number, any place, duplicates removed). */
export const splitPoints = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.nat({ max: Math.max(0, length) }), { maxLength: Math.min(64, length + 1) })
    .map((cuts) => [...new Set(cuts)].sort((a, b) => a - b));

/** `bytes` cut at `points` into consecutive views (empty pieces included where cuts repeat 0). */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

/** `bytes` as consecutive pieces of `size` bytes. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

export const SMALL_STREAM = 64 * 1024;
export const LARGE_STREAM = 256 * 1024;
/**
 * 4× the bytes must cost at most this many times the time. Linear is 4 and quadratic 16; 8 is
 * their geometric midpoint, so a quadratic path still fails by 2× while a linear one has 2× of
 * room for what a loaded machine adds (a CI run read 7.7 for a linear SHA-256 verifier at a
 * load average of 15, with process CPU time, which counts V8's GC helper threads).
 */
export const MAX_COST_RATIO = 8;

/**
 * CPU time of `prepare(LARGE_STREAM)()` over CPU time of `prepare(SMALL_STREAM)()`. `prepare`
 * builds the input (untimed, once per size) and returns the run that feeds it (timed each
 * round). CPU time of this process, not wall time, so that other processes on a shared machine
 * do not count; rounds alternate between the sizes and the best of each counts.
 */
export function costRatio(prepare: (bytes: number) => () => void, rounds = 9): number {
  // A linear path measured over the bound is load, not cost: measure again, up to three times.
  // A quadratic path is over the bound every time, so the retry cannot hide one.
  let best = Infinity;
  for (let attempt = 0; attempt < 3 && best >= MAX_COST_RATIO; attempt++) best = Math.min(best, measureCostRatio(prepare, rounds));
  return best;
}

function measureCostRatio(prepare: (bytes: number) => () => void, rounds: number): number {
  const cpu = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  // Inputs are built once, before any timing, so that the allocation of one size's input is
  // never collected during the other size's run.
  const runSmall = prepare(SMALL_STREAM);
  const runLarge = prepare(LARGE_STREAM);
  const time = (run: () => void): number => {
    const t0 = cpu();
    run();
    return cpu() - t0;
  };
  time(runSmall);
  time(runLarge);
  let small = Infinity;
  let large = Infinity;
  for (let r = 0; r < rounds; r++) {
    small = Math.min(small, time(runSmall));
    large = Math.min(large, time(runLarge));
  }
  return large / Math.max(small, 1);
}

/**
 * Milliseconds of CPU time this process has used: for timing tests, so that other processes on
 * a shared machine do not count (wall time did: a loaded CI run failed linear-cost tests).
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Linear work plus allocator and GC effects stays well under this; quadratic work is 2. */
export const MAX_COST_EXPONENT = 1.7;

/**
 * The DoS check noble-hashes uses, for decoders: CPU time of `run` on inputs of size n and 16n,
 * as a growth exponent (1 = linear, 2 = quadratic). Runs are interleaved and the best of each
 * kept; each sample repeats the run (`reps` small, `reps / 16` large: the same work on both
 * sides) so that one GC pause cannot dominate it.
 */
export function costExponent(prepare: (n: number) => () => void, n: number, rounds = 9, reps = 64): number {
  const small = prepare(n);
  const large = prepare(n * 16);
  const largeReps = Math.max(1, Math.round(reps / 16));
  const time = (f: () => void, k: number): number => {
    const t0 = cpuMs();
    for (let i = 0; i < k; i++) f();
    return (cpuMs() - t0) / k;
  };
  time(small, reps);
  time(large, largeReps);
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  for (let r = 0; r < rounds; r++) {
    bestSmall = Math.min(bestSmall, time(small, reps));
    bestLarge = Math.min(bestLarge, time(large, largeReps));
  }
  return Math.log(Math.max(bestLarge, 1e-3) / Math.max(bestSmall, 1e-4)) / Math.log(16);
}
