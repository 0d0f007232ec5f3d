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
/** 4× the bytes must cost at most this many times the time (linear is 4, quadratic 16). */
export const MAX_COST_RATIO = 6;

/**
 * CPU time of `prepare(LARGE_STREAM)()` over CPU time of `prepare(SMALL_STREAM)()`. `prepare`
 * builds the input (untimed, once per size) and returns the run that feeds it (timed each
 * round). CPU time of this process, not wall time, so that other processes on a shared machine
 * do not count; rounds alternate between the sizes and the best of each counts.
 */
export function costRatio(prepare: (bytes: number) => () => void, rounds = 9): number {
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
