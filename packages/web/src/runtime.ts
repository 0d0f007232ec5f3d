import type { Clock, Random } from '@linkwire/base';

/** The wall clock and the platform's timers (browsers, Deno, Bun, workers). */
export const webClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Web Crypto's CSPRNG, in chunks of at most 65536 bytes as getRandomValues requires. */
export const webRandom: Random = (n) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};
