// Allocating a typed array larger than V8's on-heap limit (64 bytes) costs about a microsecond
// of backing-store bookkeeping, more than encoding a whole message. Small outputs are carved
// out of a shared slab instead, as Node's buffer pool does; a slab is never reused, so
// outputs never alias each other, but they may share an ArrayBuffer.
const SLAB = 16384;
const LARGE = 2048;
let slab = new Uint8Array(SLAB);
let used = 0;

/** A zero-filled view of `n` bytes. */
export function allocBytes(n: number): Uint8Array {
  if (n > LARGE) return new Uint8Array(n);
  if (used + n > SLAB) {
    slab = new Uint8Array(SLAB);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  // Views start 8-byte aligned so a caller may still wrap them in a DataView cheaply.
  used = (used + n + 7) & ~7;
  return out;
}
