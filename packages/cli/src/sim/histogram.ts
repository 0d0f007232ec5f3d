/**
 * A latency histogram with fixed geometric buckets (each 10% wider than the one before, from
 * 10 µs to beyond a minute), so reports from many shards merge exactly by adding counts, and a
 * percentile is off by at most 5% of its value. 150 counters, whatever the number of samples.
 */
export const HISTOGRAM_BASE_MS = 0.01;
export const HISTOGRAM_FACTOR = 1.1;
export const HISTOGRAM_BUCKETS = 160;
const LOG_FACTOR = Math.log(HISTOGRAM_FACTOR);

export interface Histogram {
  readonly counts: number[];
  count: number;
  sum: number;
  max: number;
}

export function createHistogram(): Histogram {
  return { counts: new Array<number>(HISTOGRAM_BUCKETS).fill(0), count: 0, sum: 0, max: 0 };
}

export function record(h: Histogram, ms: number): void {
  const i = ms <= HISTOGRAM_BASE_MS ? 0 : Math.min(HISTOGRAM_BUCKETS - 1, Math.ceil(Math.log(ms / HISTOGRAM_BASE_MS) / LOG_FACTOR));
  h.counts[i]!++;
  h.count++;
  h.sum += ms;
  if (ms > h.max) h.max = ms;
}

/** The upper bound of the bucket holding the q-quantile (q in 0..1), or undefined without samples. */
export function percentile(h: { readonly counts: readonly number[]; readonly count: number; readonly max: number }, q: number): number | undefined {
  if (h.count === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * h.count));
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(h.max, HISTOGRAM_BASE_MS * HISTOGRAM_FACTOR ** i);
  }
  return h.max;
}

export function mergeHistograms(hs: readonly { readonly counts: readonly number[]; readonly count: number; readonly sum: number; readonly max: number }[]): Histogram {
  const out = createHistogram();
  for (const h of hs) {
    if (h.counts.length !== HISTOGRAM_BUCKETS) throw new Error(`a histogram with ${h.counts.length} buckets cannot be merged (expected ${HISTOGRAM_BUCKETS})`);
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) out.counts[i]! += h.counts[i]!;
    out.count += h.count;
    out.sum += h.sum;
    out.max = Math.max(out.max, h.max);
  }
  return out;
}
