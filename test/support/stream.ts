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
 * builds the input (untimed) and returns the run that feeds it. CPU time of this process, not
 * wall time, so that other processes on a shared machine do not count; rounds alternate
 * between the sizes and the best of each counts, so what remains (GC, caches) hits both alike.
 */
export function costRatio(prepare: (bytes: number) => () => void, rounds = 5): number {
  const cpu = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const time = (bytes: number): number => {
    const run = prepare(bytes);
    const t0 = cpu();
    run();
    return cpu() - t0;
  };
  time(SMALL_STREAM);
  time(LARGE_STREAM);
  let small = Infinity;
  let large = Infinity;
  for (let r = 0; r < rounds; r++) {
    small = Math.min(small, time(SMALL_STREAM));
    large = Math.min(large, time(LARGE_STREAM));
  }
  return large / Math.max(small, 1);
}
