/**
 * The DoS check noble-hashes uses, for decoders: time `run` on inputs of size n and 16n and
 * return the growth exponent (1 = linear, 2 = quadratic). Runs are interleaved and the best of
 * each kept, so load from other processes on a shared machine hits both sizes alike.
 */
export function costExponent(prepare: (n: number) => () => void, n: number, rounds = 9): number {
  const small = prepare(n);
  const large = prepare(n * 16);
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  const time = (f: () => void, reps: number): number => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    return (performance.now() - t0) / reps;
  };
  // Each sample runs long enough (16× the work on both sides) that one preemption or GC pause
  // cannot dominate it.
  time(small, 64);
  time(large, 4);
  for (let r = 0; r < rounds; r++) {
    bestSmall = Math.min(bestSmall, time(small, 64));
    bestLarge = Math.min(bestLarge, time(large, 4));
  }
  return Math.log(Math.max(bestLarge, 1e-3) / Math.max(bestSmall, 1e-4)) / Math.log(16);
}

/** Linear work plus allocator and GC effects stays well under this; quadratic work is 2. */
export const MAX_COST_EXPONENT = 1.7;
