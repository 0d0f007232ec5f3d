/**
 * MD5 (RFC 1321) and SHA-256 (FIPS 180-4) whose running state is plain data: chaining words,
 * a partial block and a byte count. That is what makes a verifier resumable after a reboot:
 * the state serializes to a few dozen bytes and restores exactly. Kept here, small and
 * self-contained, until @linkwire/hash exposes snapshot/restore on its own hashers.
 * @module
 */

export type MdAlgorithm = 'md5' | 'sha256';

/** The whole state of a running digest. */
export interface MdState {
  readonly algorithm: MdAlgorithm;
  readonly h: Int32Array;
  readonly block: Uint8Array;
  pos: number;
  length: number;
}

const MD5_IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
const SHA256_IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

export function mdInit(algorithm: MdAlgorithm): MdState {
  return { algorithm, h: Int32Array.from(algorithm === 'md5' ? MD5_IV : SHA256_IV), block: new Uint8Array(64), pos: 0, length: 0 };
}

export function mdUpdate(s: MdState, data: Uint8Array): void {
  const compress = s.algorithm === 'md5' ? md5Block : sha256Block;
  const n = data.length;
  let i = 0;
  if (s.pos > 0) {
    const take = Math.min(64 - s.pos, n);
    s.block.set(data.subarray(0, take), s.pos);
    s.pos += take;
    i = take;
    if (s.pos < 64) {
      s.length += n;
      return;
    }
    compress(s.h, s.block, 0);
    s.pos = 0;
  }
  for (; i + 64 <= n; i += 64) compress(s.h, data, i);
  if (i < n) {
    s.block.set(data.subarray(i), 0);
    s.pos = n - i;
  }
  s.length += n;
}

/** Pads and returns the digest; `s` is spent afterwards. */
export function mdFinal(s: MdState): Uint8Array {
  const md5 = s.algorithm === 'md5';
  const bits = s.length * 8;
  const lo = bits >>> 0;
  const hi = Math.floor(bits / 2 ** 32) >>> 0;
  const tail = new Uint8Array(s.pos < 56 ? 64 : 128);
  tail.set(s.block.subarray(0, s.pos));
  tail[s.pos] = 0x80;
  const view = new DataView(tail.buffer);
  if (md5) {
    view.setUint32(tail.length - 8, lo, true);
    view.setUint32(tail.length - 4, hi, true);
  } else {
    view.setUint32(tail.length - 8, hi, false);
    view.setUint32(tail.length - 4, lo, false);
  }
  const compress = md5 ? md5Block : sha256Block;
  for (let i = 0; i < tail.length; i += 64) compress(s.h, tail, i);
  const out = new Uint8Array(s.h.length * 4);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < s.h.length; i++) ov.setUint32(4 * i, s.h[i]!, md5);
  return out;
}

// MD5 ---------------------------------------------------------------------------------------

function ff(a: number, b: number, c: number, d: number, x: number, s: number, t: number): number {
  a = (a + ((b & c) | (~b & d)) + x + t) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}
function gg(a: number, b: number, c: number, d: number, x: number, s: number, t: number): number {
  a = (a + ((b & d) | (c & ~d)) + x + t) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}
function hh(a: number, b: number, c: number, d: number, x: number, s: number, t: number): number {
  a = (a + (b ^ c ^ d) + x + t) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}
function ii(a: number, b: number, c: number, d: number, x: number, s: number, t: number): number {
  a = (a + (c ^ (b | ~d)) + x + t) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}

function md5Block(h: Int32Array, m: Uint8Array, o: number): void {
  const x0 = m[o + 0]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24);
  const x1 = m[o + 4]! | (m[o + 5]! << 8) | (m[o + 6]! << 16) | (m[o + 7]! << 24);
  const x2 = m[o + 8]! | (m[o + 9]! << 8) | (m[o + 10]! << 16) | (m[o + 11]! << 24);
  const x3 = m[o + 12]! | (m[o + 13]! << 8) | (m[o + 14]! << 16) | (m[o + 15]! << 24);
  const x4 = m[o + 16]! | (m[o + 17]! << 8) | (m[o + 18]! << 16) | (m[o + 19]! << 24);
  const x5 = m[o + 20]! | (m[o + 21]! << 8) | (m[o + 22]! << 16) | (m[o + 23]! << 24);
  const x6 = m[o + 24]! | (m[o + 25]! << 8) | (m[o + 26]! << 16) | (m[o + 27]! << 24);
  const x7 = m[o + 28]! | (m[o + 29]! << 8) | (m[o + 30]! << 16) | (m[o + 31]! << 24);
  const x8 = m[o + 32]! | (m[o + 33]! << 8) | (m[o + 34]! << 16) | (m[o + 35]! << 24);
  const x9 = m[o + 36]! | (m[o + 37]! << 8) | (m[o + 38]! << 16) | (m[o + 39]! << 24);
  const x10 = m[o + 40]! | (m[o + 41]! << 8) | (m[o + 42]! << 16) | (m[o + 43]! << 24);
  const x11 = m[o + 44]! | (m[o + 45]! << 8) | (m[o + 46]! << 16) | (m[o + 47]! << 24);
  const x12 = m[o + 48]! | (m[o + 49]! << 8) | (m[o + 50]! << 16) | (m[o + 51]! << 24);
  const x13 = m[o + 52]! | (m[o + 53]! << 8) | (m[o + 54]! << 16) | (m[o + 55]! << 24);
  const x14 = m[o + 56]! | (m[o + 57]! << 8) | (m[o + 58]! << 16) | (m[o + 59]! << 24);
  const x15 = m[o + 60]! | (m[o + 61]! << 8) | (m[o + 62]! << 16) | (m[o + 63]! << 24);
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!;
  // The 64 steps of RFC 1321 §3.4, unrolled: constants are floor(2^32·|sin(i+1)|).
  a = ff(a, b, c, d, x0, 7, -680876936); d = ff(d, a, b, c, x1, 12, -389564586);
  c = ff(c, d, a, b, x2, 17, 606105819); b = ff(b, c, d, a, x3, 22, -1044525330);
  a = ff(a, b, c, d, x4, 7, -176418897); d = ff(d, a, b, c, x5, 12, 1200080426);
  c = ff(c, d, a, b, x6, 17, -1473231341); b = ff(b, c, d, a, x7, 22, -45705983);
  a = ff(a, b, c, d, x8, 7, 1770035416); d = ff(d, a, b, c, x9, 12, -1958414417);
  c = ff(c, d, a, b, x10, 17, -42063); b = ff(b, c, d, a, x11, 22, -1990404162);
  a = ff(a, b, c, d, x12, 7, 1804603682); d = ff(d, a, b, c, x13, 12, -40341101);
  c = ff(c, d, a, b, x14, 17, -1502002290); b = ff(b, c, d, a, x15, 22, 1236535329);

  a = gg(a, b, c, d, x1, 5, -165796510); d = gg(d, a, b, c, x6, 9, -1069501632);
  c = gg(c, d, a, b, x11, 14, 643717713); b = gg(b, c, d, a, x0, 20, -373897302);
  a = gg(a, b, c, d, x5, 5, -701558691); d = gg(d, a, b, c, x10, 9, 38016083);
  c = gg(c, d, a, b, x15, 14, -660478335); b = gg(b, c, d, a, x4, 20, -405537848);
  a = gg(a, b, c, d, x9, 5, 568446438); d = gg(d, a, b, c, x14, 9, -1019803690);
  c = gg(c, d, a, b, x3, 14, -187363961); b = gg(b, c, d, a, x8, 20, 1163531501);
  a = gg(a, b, c, d, x13, 5, -1444681467); d = gg(d, a, b, c, x2, 9, -51403784);
  c = gg(c, d, a, b, x7, 14, 1735328473); b = gg(b, c, d, a, x12, 20, -1926607734);

  a = hh(a, b, c, d, x5, 4, -378558); d = hh(d, a, b, c, x8, 11, -2022574463);
  c = hh(c, d, a, b, x11, 16, 1839030562); b = hh(b, c, d, a, x14, 23, -35309556);
  a = hh(a, b, c, d, x1, 4, -1530992060); d = hh(d, a, b, c, x4, 11, 1272893353);
  c = hh(c, d, a, b, x7, 16, -155497632); b = hh(b, c, d, a, x10, 23, -1094730640);
  a = hh(a, b, c, d, x13, 4, 681279174); d = hh(d, a, b, c, x0, 11, -358537222);
  c = hh(c, d, a, b, x3, 16, -722521979); b = hh(b, c, d, a, x6, 23, 76029189);
  a = hh(a, b, c, d, x9, 4, -640364487); d = hh(d, a, b, c, x12, 11, -421815835);
  c = hh(c, d, a, b, x15, 16, 530742520); b = hh(b, c, d, a, x2, 23, -995338651);

  a = ii(a, b, c, d, x0, 6, -198630844); d = ii(d, a, b, c, x7, 10, 1126891415);
  c = ii(c, d, a, b, x14, 15, -1416354905); b = ii(b, c, d, a, x5, 21, -57434055);
  a = ii(a, b, c, d, x12, 6, 1700485571); d = ii(d, a, b, c, x3, 10, -1894986606);
  c = ii(c, d, a, b, x10, 15, -1051523); b = ii(b, c, d, a, x1, 21, -2054922799);
  a = ii(a, b, c, d, x8, 6, 1873313359); d = ii(d, a, b, c, x15, 10, -30611744);
  c = ii(c, d, a, b, x6, 15, -1560198380); b = ii(b, c, d, a, x13, 21, 1309151649);
  a = ii(a, b, c, d, x4, 6, -145523070); d = ii(d, a, b, c, x11, 10, -1120210379);
  c = ii(c, d, a, b, x2, 15, 718787259); b = ii(b, c, d, a, x9, 21, -343485551);

  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
}

// SHA-256 -----------------------------------------------------------------------------------

// First 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 §4.2.2).
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);

function sha256Block(h: Int32Array, m: Uint8Array, o: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, o += 4) w[i] = (m[o]! << 24) | (m[o + 1]! << 16) | (m[o + 2]! << 8) | m[o + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}
