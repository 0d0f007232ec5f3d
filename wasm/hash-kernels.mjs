// The source of @linkwire/hash's WASM module, as WebAssembly text.
//
// The compression functions are written out round by round (the way RFC 1321 and FIPS 180-4
// print them): every round names its working variables directly, so no register shuffling
// remains and the constants become immediates. MD5 and SHA-1 are unrolled completely. SHA-1 and
// SHA-256 compute their message schedules four words at a time with WASM SIMD, interleaved with
// the scalar rounds, and leave W[t] + K[t] in memory for them; SHA-256 runs its rounds eight per
// loop pass, which keeps the module under 10 KiB. This file generates that text;
// `wasm/build.mjs` assembles it with wabt's wat2wasm. Measured choices are in
// packages/hash/README.md.
//
// Memory is two fixed pages (minimum = maximum), so it can never grow, whatever is hashed:
//
//   0   chaining words H (up to 8 × u32, little-endian in memory)
//  32   bytes hashed so far (i64)
//  64   the partial block (64 bytes)          0..128 is the context JS saves and restores
// 128   digest output (up to 32 bytes, in the algorithm's byte order)
// 160   HMAC inner pad state, 192 outer pad state (8 words each)
// 256   SHA-256 W[t] + K[t] (64 words, and 16 more that the last loop pass computes and
//       nobody reads), 576 SHA-256 round constants K[t],
// 832   SHA-256 initial words, 864 SHA-1 (and MD5) initial words, 1024 SHA-1 W[t] + K[t] (80 words)
// 1344  the digest as hex (64 ASCII bytes; for MD5 and SHA-1 the first 32 or 40 are the digest's)
// 64K   input window (64 KiB): JS copies or UTF-8-encodes data here
//
// Algorithm ids: 0 MD5, 1 SHA-1, 2 SHA-256.

export const LAYOUT = { h: 0, length: 32, block: 64, context: 128, out: 128, innerPad: 160, outerPad: 192, wk: 256, k: 576, iv256: 832, iv1: 864, wk1: 1024, hex: 1344, input: 65536, inputSize: 65536 };

// RFC 1321 §3.4: T[i] = floor(2^32 · |sin(i + 1)|).
const MD5_T = `d76aa478 e8c7b756 242070db c1bdceee f57c0faf 4787c62a a8304613 fd469501 698098d8 8b44f7af ffff5bb1 895cd7be
  6b901122 fd987193 a679438e 49b40821 f61e2562 c040b340 265e5a51 e9b6c7aa d62f105d 02441453 d8a1e681 e7d3fbc8 21e1cde6 c33707d6
  f4d50d87 455a14ed a9e3e905 fcefa3f8 676f02d9 8d2a4c8a fffa3942 8771f681 6d9d6122 fde5380c a4beea44 4bdecfa9 f6bb4b60 bebfbc70
  289b7ec6 eaa127fa d4ef3085 04881d05 d9d4d039 e6db99e5 1fa27cf8 c4ac5665 f4292244 432aff97 ab9423a7 fc93a039 655b59c3 8f0ccc92
  ffeff47d 85845dd1 6fa87e4f fe2ce6e0 a3014314 4e0811a1 f7537e82 bd3af235 2ad7d2bb eb86d391`;
// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const SHA256_K = `428a2f98 71374491 b5c0fbcf e9b5dba5 3956c25b 59f111f1 923f82a4 ab1c5ed5 d807aa98 12835b01 243185be 550c7dc3
  72be5d74 80deb1fe 9bdc06a7 c19bf174 e49b69c1 efbe4786 0fc19dc6 240ca1cc 2de92c6f 4a7484aa 5cb0a9dc 76f988da 983e5152 a831c66d
  b00327c8 bf597fc7 c6e00bf3 d5a79147 06ca6351 14292967 27b70a85 2e1b2138 4d2c6dfc 53380d13 650a7354 766a0abb 81c2c92e 92722c85
  a2bfe8a1 a81a664b c24b8b70 c76c51a3 d192e819 d6990624 f40e3585 106aa070 19a4c116 1e376c08 2748774c 34b0bcb5 391c0cb3 4ed8aa4a
  5b9cca4f 682e6ff3 748f82ee 78a5636f 84c87814 8cc70208 90befffa a4506ceb bef9a3f7 c67178f2`;
// RFC 1321 §3.3 and FIPS 180-4 §5.3.1, §5.3.3: initial chaining values.
const IV = {
  md5: '67452301 efcdab89 98badcfe 10325476',
  sha1: '67452301 efcdab89 98badcfe 10325476 c3d2e1f0',
  sha256: '6a09e667 bb67ae85 3c6ef372 a54ff53a 510e527f 9b05688c 1f83d9ab 5be0cd19',
};
// A word as the little-endian bytes of a WAT data string.
const le = (w) => [0, 8, 16, 24].map((s) => '\\' + ((w >>> s) & 255).toString(16).padStart(2, '0')).join('');
const HEX_DIGITS = [...'0123456789abcdef'];
const words = (s) => s.trim().split(/\s+/).map((w) => parseInt(w, 16) | 0);

// S-expression helpers: each returns WAT text for an i32 expression.
const get = (v) => `(local.get $${v})`;
const set = (v, x) => `(local.set $${v} ${x})`;
const k = (n) => `(i32.const ${n | 0})`;
const add = (...xs) => xs.reduce((a, b) => `(i32.add ${a} ${b})`);
const xor = (...xs) => xs.reduce((a, b) => `(i32.xor ${a} ${b})`);
const and = (a, b) => `(i32.and ${a} ${b})`;
const or = (a, b) => `(i32.or ${a} ${b})`;
const not = (a) => xor(a, k(-1));
const rotl = (x, n) => `(i32.rotl ${x} ${k(n)})`;
const rotr = (x, n) => `(i32.rotr ${x} ${k(n)})`;
const shr = (x, n) => `(i32.shr_u ${x} ${k(n)})`;
const load = (i) => `(i32.load offset=${4 * i} (local.get $p))`;
// WASM loads are little-endian; SHA reads big-endian words. There is no bswap instruction.
const bswap = (x) => or(and(rotl(x, 8), k(0x00ff00ff)), and(rotr(x, 8), k(0xff00ff00)));
const locals = (names) => names.map((n) => `(local $${n} i32)`).join(' ');
const range = (n) => Array.from({ length: n }, (_, i) => i);

// SIMD helpers: the SHA-1 and SHA-256 message schedules run four words at a time in the vector units, beside
// the scalar rounds. WASM SIMD is in every engine that runs WASM today (Node 16.4+, Chrome 91+,
// Firefox 89+, Safari 16.4+); where it is missing the module fails to compile and JS takes over.
const vstore = (offset, x) => `(v128.store offset=${offset} (i32.const 0) ${x})`;
const vxor = (...xs) => xs.reduce((a, b) => `(v128.xor ${a} ${b})`);
const vadd = (a, b) => `(i32x4.add ${a} ${b})`;
// Four words byte-swapped (big-endian words of little-endian memory), as one byte shuffle.
// The second operand is never read: any v128 local (a zero one, $z) keeps the encoding short.
const swapWords = (x) => `(i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 ${x} (local.get $z))`;
const vblock = (j) => swapWords(`(v128.load offset=${16 * j} (local.get $p))`);
// i32 lanes picked from the 8 lanes of (a, b), as a byte shuffle.
const lanes = (a, b, ...ls) => `(i8x16.shuffle ${ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(' ')} ${a} ${b})`;
// A v128 local that is never written: zero, in two bytes instead of an 18-byte constant.
const ZERO = '(local.get $z)';
const word = (offset) => `(i32.load offset=${offset} (i32.const 0))`;


/**
 * Compresses `n` consecutive 64-byte blocks at `p` into H. The working variables stay in locals
 * across blocks; H in memory is updated after each block, so the function can stop anywhere.
 */
function blocksFunction(name, vars, extraLocals, rounds, vectors = []) {
  const h = (i) => `(i32.load offset=${4 * i} (i32.const 0))`;
  const feed = vars.map((v, i) => `${set(v, add(get(v), h(i)))} (i32.store offset=${4 * i} (i32.const 0) ${get(v)})`);
  return `
  (func $${name} (param $p i32) (param $n i32) ${locals([...vars, ...extraLocals])} ${vectors.map((n) => `(local $${n} v128)`).join(' ')}
    ${vars.map((v, i) => set(v, h(i))).join(' ')}
    (loop $block
      ${rounds.join('\n      ')}
      ${feed.join('\n      ')}
      ${set('p', add(get('p'), k(64)))}
      (br_if $block (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))`;
}

function md5() {
  const T = words(MD5_T);
  const S = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];
  const rounds = range(64).map((i) => {
    const r = i >> 4;
    const v = ['a', 'b', 'c', 'd'];
    const [b, c, d] = [v[(1 - i) & 3], v[(2 - i) & 3], v[(3 - i) & 3]].map(get);
    const x = [i, (5 * i + 1) & 15, (3 * i + 5) & 15, (7 * i) & 15][r];
    // a + X[k] + T[i] does not wait for the previous step; only the terms with b do. F and G
    // split into disjoint halves (so | is +) to take the half without b off the critical path.
    const early = add(get(v[-i & 3]), add(load(x), k(T[i])));
    const sum = [
      add(early, xor(d, and(b, xor(c, d)))),
      add(add(early, and(c, not(d))), and(b, d)),
      add(early, xor(b, xor(c, d))),
      add(early, xor(c, or(b, not(d)))),
    ][r];
    return set(v[-i & 3], add(b, rotl(sum, S[r][i & 3])));
  });
  return blocksFunction('md5_blocks', ['a', 'b', 'c', 'd'], [], rounds);
}

function sha1() {
  const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
  const WK = LAYOUT.wk1;
  // The schedule in the vector units, four words a step, from a window of eight vectors in
  // registers; each round then adds one word from memory. That takes the scalar schedule (five
  // operations a round) off the ports the rounds need: 1.3x over computing it beside them.
  // Steps 4-7 use the recurrence itself: W[t+3] needs W[t] of the same step, so its lane is
  // computed without it and corrected by rotl2 of the first lane's input. From t = 32 on, the
  // equivalent W[t] = rotl2(W[t-6] ^ W[t-16] ^ W[t-28] ^ W[t-32]) has no dependency inside a
  // step (the form of Intel's SHA-1 SSE paper).
  const V = (q) => get(`v${q & 7}`);
  const rotlv = (x, n) => `(v128.or (i32x4.shl ${x} (i32.const ${n})) (i32x4.shr_u ${x} (i32.const ${32 - n})))`;
  const kv = (q) => `(i32x4.splat ${k(K[(q / 5) | 0])})`;
  const store = (q) => `(v128.store offset=${WK + 16 * q} (i32.const 0) (i32x4.add ${V(q)} ${kv(q)}))`;
  const step = (q) => {
    if (q < 4) return [set(`v${q}`, vblock(q)), store(q)];
    if (q < 8) return [
      set('x', vxor(vxor(V(q - 4), lanes(V(q - 4), V(q - 3), 2, 3, 4, 5)), vxor(V(q - 2), lanes(V(q - 1), ZERO, 1, 2, 3, 4)))),
      set('y', lanes(get('x'), ZERO, 4, 4, 4, 0)),
      set(`v${q & 7}`, vxor(rotlv(get('x'), 1), rotlv(get('y'), 2))),
      store(q),
    ];
    return [
      set('x', vxor(vxor(V(q - 8), V(q - 7)), vxor(V(q - 4), lanes(V(q - 2), V(q - 1), 2, 3, 4, 5)))),
      set(`v${q & 7}`, rotlv(get('x'), 2)),
      store(q),
    ];
  };
  let v = ['a', 'b', 'c', 'd', 'e'];
  const rounds = [];
  for (let q = 0; q < 4; q++) rounds.push(...step(q));
  for (let t = 0; t < 80; t++) {
    // Each step a dozen rounds before its words are read, so the two kinds of work overlap.
    if (t % 4 === 0 && t / 4 + 3 < 20 && t / 4 + 3 >= 4) rounds.push(...step(t / 4 + 3));
    const [a, b, c, d, e] = v;
    const f = [
      xor(get(d), and(get(b), xor(get(c), get(d)))),
      xor(get(b), xor(get(c), get(d))),
      add(and(get(c), get(d)), and(get(b), xor(get(c), get(d)))),
      xor(get(b), xor(get(c), get(d))),
    ][(t / 20) | 0];
    // The rotation of a last: a is one round newer than b, which f needs, so a's path through
    // a round is two instructions (adding it before f measured 1.25x slower).
    rounds.push(set(e, add(add(add(get(e), `(i32.load offset=${WK + 4 * t} (i32.const 0))`), f), rotl(get(a), 5))));
    rounds.push(set(b, rotl(get(b), 30)));
    v = [e, a, b, c, d];
  }
  return blocksFunction('sha1_blocks', ['a', 'b', 'c', 'd', 'e'], [], rounds, ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'x', 'y', 'z']);
}

const vshr = (x, n) => `(i32x4.shr_u ${x} (i32.const ${n}))`;
const vshl = (x, n) => `(i32x4.shl ${x} (i32.const ${n}))`;

function sha256() {
  const K = words(SHA256_K);
  const WK = LAYOUT.wk;
  // The message schedule runs four words at a time in the vector units, interleaved with the
  // scalar rounds (a separate schedule loop before the rounds measured about 1.1x slower): each loop
  // pass of eight rounds computes the eight words two passes ahead, from a window of the last
  // four vectors in registers (never through memory, where overlapping loads would stall store
  // forwarding), and leaves W[t] + K[t] in memory for the rounds. σ1 needs W[t-2], which for the
  // upper two lanes is in the vector being computed: the lower half goes first, then the upper
  // half from it. The window is v0..v3; a pass writes v4 and v5 and slides the window by two
  // vector moves (cheaper in bytes than renaming, which would need sixteen rounds a pass). The
  // last two passes compute 16 words nobody reads, instead of a branch.
  const V = (q) => get(`v${q}`);
  const σ0 = (x) => vxor(vshr(x, 7), vshl(x, 25), vshr(x, 18), vshl(x, 14), vshr(x, 3));
  const σ1 = (x) => vxor(vshr(x, 17), vshl(x, 15), vshr(x, 19), vshl(x, 13), vshr(x, 10));
  // Window-relative step q = 4 or 5: the words 16 and 20 after this pass's first (byte offset $i).
  const step = (q) => [
    set('x', lanes(V(q - 4), V(q - 3), 1, 2, 3, 4)),
    set('s', vadd(vadd(V(q - 4), σ0(get('x'))), lanes(V(q - 2), V(q - 1), 1, 2, 3, 4))),
    set('x', lanes(V(q - 1), ZERO, 2, 3, 4, 4)),
    set('s', vadd(get('s'), σ1(get('x')))),
    set('x', lanes(get('s'), ZERO, 4, 4, 0, 1)),
    set(`v${q}`, vadd(get('s'), σ1(get('x')))),
    `(v128.store offset=${WK + 16 * (q - 4) + 64} (local.get $i) ${vadd(V(q), `(v128.load offset=${LAYOUT.k + 16 * (q - 4) + 64} (local.get $i))`)})`,
  ];
  const schedule = [];
  for (let q = 0; q < 4; q++) schedule.push(set(`v${q}`, vblock(q)), vstore(WK + 16 * q, vadd(V(q), `(v128.load offset=${LAYOUT.k + 16 * q} (i32.const 0))`)));
  let v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const rounds = [];
  for (let t = 0; t < 8; t++) {
    if (t % 4 === 0) rounds.push(...step(4 + t / 4));
    if (t === 7) rounds.push(...[0, 1, 2, 3].map((j) => set(`v${j}`, get(`v${j + 2}`))));
    const [a, b, , d, e, f, g, h] = v.map(get);
    const S1 = xor(rotr(e, 6), rotr(e, 11), rotr(e, 25));
    const S0 = xor(rotr(a, 2), rotr(a, 13), rotr(a, 22));
    const ch = xor(g, and(e, xor(f, g)));
    rounds.push(set('t', add(add(h, `(i32.load offset=${WK + 4 * t} (local.get $i))`), ch, S1)));
    rounds.push(set(v[3], add(d, get('t'))));
    rounds.push(set(`m${t & 1}`, xor(a, b)));
    rounds.push(set(v[7], add(get('t'), S0, xor(and(get(`m${t & 1}`), get(`m${(t + 1) & 1}`)), b))));
    v = [v[7], v[0], v[1], v[2], v[3], v[4], v[5], v[6]];
  }
  const body = [
    ...schedule,
    set('m1', xor(get('b'), get('c'))),
    set('i', k(0)),
    `(loop $rounds
        ${rounds.join('\n        ')}
        (br_if $rounds (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (i32.const 256))))`,
  ];
  return blocksFunction('sha256_blocks', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], ['t', 'm0', 'm1', 'i'], body, ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'x', 's', 'z']);
}

function initFunction() {
  // MD5's initial words are SHA-1's first four.
  return `
  (func $init (export "init") (param $alg i32)
    (i64.store (i32.const ${LAYOUT.length}) (i64.const 0))
    (memory.copy (i32.const 0) (select (i32.const ${LAYOUT.iv256}) (i32.const ${LAYOUT.iv1}) (i32.eq (local.get $alg) (i32.const 2))) (i32.const 32)))`;
}

/** The control code: buffering, padding, digest output and HMAC, identical for the three hashes. */
const control = `
  (func $blocks (param $alg i32) (param $p i32) (param $n i32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (if (i32.eqz (local.get $alg)) (then (call $md5_blocks (local.get $p) (local.get $n)) (return)))
    (if (i32.eq (local.get $alg) (i32.const 1)) (then (call $sha1_blocks (local.get $p) (local.get $n)) (return)))
    (call $sha256_blocks (local.get $p) (local.get $n)))

  ;; Hashes len bytes at p: tops up the partial block, compresses whole blocks in place, keeps the rest.
  (func $update (export "update") (param $alg i32) (param $p i32) (param $len i32) (local $pos i32) (local $take i32)
    (local.set $pos (i32.and (i32.wrap_i64 (i64.load (i32.const ${LAYOUT.length}))) (i32.const 63)))
    (i64.store (i32.const ${LAYOUT.length}) (i64.add (i64.load (i32.const ${LAYOUT.length})) (i64.extend_i32_u (local.get $len))))
    (if (local.get $pos) (then
      (local.set $take (i32.sub (i32.const 64) (local.get $pos)))
      (if (i32.lt_u (local.get $len) (local.get $take)) (then (local.set $take (local.get $len))))
      (memory.copy (i32.add (i32.const ${LAYOUT.block}) (local.get $pos)) (local.get $p) (local.get $take))
      (local.set $p (i32.add (local.get $p) (local.get $take)))
      (local.set $len (i32.sub (local.get $len) (local.get $take)))
      (if (i32.lt_u (i32.add (local.get $pos) (local.get $take)) (i32.const 64)) (then (return)))
      (call $blocks (local.get $alg) (i32.const ${LAYOUT.block}) (i32.const 1))))
    (call $blocks (local.get $alg) (local.get $p) (i32.shr_u (local.get $len) (i32.const 6)))
    (memory.copy (i32.const ${LAYOUT.block}) (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -64))) (i32.and (local.get $len) (i32.const 63))))

  ;; Pads (RFC 1321 §3.1-3.2, FIPS 180-4 §5.1.1) and writes the digest at out.
  (func $final (export "final") (param $alg i32) (local $pos i32) (local $bits i64) (local $z v128)
    (local.set $pos (i32.and (i32.wrap_i64 (i64.load (i32.const ${LAYOUT.length}))) (i32.const 63)))
    (local.set $bits (i64.shl (i64.load (i32.const ${LAYOUT.length})) (i64.const 3)))
    (i32.store8 offset=${LAYOUT.block} (local.get $pos) (i32.const 0x80))
    (memory.fill (i32.add (i32.const ${LAYOUT.block + 1}) (local.get $pos)) (i32.const 0) (i32.sub (i32.const 63) (local.get $pos)))
    (if (i32.ge_u (local.get $pos) (i32.const 56)) (then
      (call $blocks (local.get $alg) (i32.const ${LAYOUT.block}) (i32.const 1))
      (memory.fill (i32.const ${LAYOUT.block}) (i32.const 0) (i32.const 56))))
    (if (i32.eqz (local.get $alg))
      (then (i64.store offset=${LAYOUT.block + 56} (i32.const 0) (local.get $bits)))
      (else (i64.store offset=${LAYOUT.block + 56} (i32.const 0)
        (i64x2.extract_lane 0 (i8x16.shuffle 7 6 5 4 3 2 1 0 8 9 10 11 12 13 14 15 (i64x2.splat (local.get $bits)) ${ZERO})))))
    (call $blocks (local.get $alg) (i32.const ${LAYOUT.block}) (i32.const 1))
    (if (i32.eqz (local.get $alg)) (then (memory.copy (i32.const ${LAYOUT.out}) (i32.const 0) (i32.const 16)) (return)))
    ;; SHA output is big-endian: all eight words swapped (SHA-1 uses the first five).
    (v128.store offset=${LAYOUT.out} (i32.const 0) ${swapWords('(v128.load (i32.const 0))')})
    (v128.store offset=${LAYOUT.out + 16} (i32.const 0) ${swapWords('(v128.load (i32.const 16))')}))

  ;; Writes the digest at out as hex at hex: case 1 lowercase, 2 uppercase, 0 nothing. Signing
  ;; strings want hex, and one JS decode of ASCII bytes costs about a third of a JS nibble loop.
  (func $hex (param $case i32) (local $t v128) (local $x v128) (local $hi v128) (local $lo v128)
    (if (i32.eqz (local.get $case)) (then (return)))
    (local.set $t (select (v128.const i8x16 ${HEX_DIGITS.map((c) => c.charCodeAt(0)).join(' ')}) (v128.const i8x16 ${HEX_DIGITS.map((c) => c.toUpperCase().charCodeAt(0)).join(' ')}) (i32.eq (local.get $case) (i32.const 1))))
    ${[0, 1].map((h) => `(local.set $x (v128.load offset=${LAYOUT.out + 16 * h} (i32.const 0)))
    (local.set $hi (i8x16.shr_u (local.get $x) (i32.const 4)))
    (local.set $lo (v128.and (local.get $x) (i8x16.splat (i32.const 15))))
    (v128.store offset=${LAYOUT.hex + 32 * h} (i32.const 0) (i8x16.swizzle (local.get $t) (i8x16.shuffle ${range(8).flatMap((i) => [i, 16 + i]).join(' ')} (local.get $hi) (local.get $lo))))
    (v128.store offset=${LAYOUT.hex + 32 * h + 16} (i32.const 0) (i8x16.swizzle (local.get $t) (i8x16.shuffle ${range(8).flatMap((i) => [8 + i, 24 + i]).join(' ')} (local.get $hi) (local.get $lo))))`).join('\n    ')})

  ;; Hashes len input bytes into the context, finishes and writes the hex (see $hex). Called
  ;; directly on a restored context, it completes a hashed prefix with one call into WASM.
  (func $finish (export "finish") (param $alg i32) (param $len i32) (param $case i32)
    (call $update (local.get $alg) (i32.const ${LAYOUT.input}) (local.get $len))
    (call $final (local.get $alg))
    (call $hex (local.get $case)))

  ;; One-shot digest of len input bytes, and its hex.
  (func $digest (export "digest") (param $alg i32) (param $len i32) (param $case i32)
    (call $init (local.get $alg))
    (call $finish (local.get $alg) (local.get $len) (local.get $case)))

  ;; Resumes from a pad state (one block, 64 bytes, already hashed).
  (func $resume (param $pad i32)
    (memory.copy (i32.const 0) (local.get $pad) (i32.const 32))
    (i64.store (i32.const ${LAYOUT.length}) (i64.const 64)))

  ;; Finishes an HMAC whose inner hash is in the context: H(outer pad ‖ H(inner pad ‖ m)).
  (func $hmac_final (export "hmac_final") (param $alg i32)
    (call $final (local.get $alg))
    (call $resume (i32.const ${LAYOUT.outerPad}))
    (call $update (local.get $alg) (i32.const ${LAYOUT.out}) (call $digestLength (local.get $alg)))
    (call $final (local.get $alg)))

  (func $digestLength (param $alg i32) (result i32)
    (select (i32.const 16) (select (i32.const 20) (i32.const 32) (i32.eq (local.get $alg) (i32.const 1))) (i32.eqz (local.get $alg))))

  ;; The pad states of the key of len bytes at input (RFC 2104 §2-3): a key longer than a
  ;; block is hashed first; the key, zero-padded, XOR ipad and XOR opad, compressed once each.
  (func (export "hmac_key") (param $alg i32) (param $len i32) (local $i i32) (local $x i64)
    (if (i32.gt_u (local.get $len) (i32.const 64)) (then
      (call $digest (local.get $alg) (local.get $len) (i32.const 0))
      (local.set $len (call $digestLength (local.get $alg)))
      (memory.copy (i32.const ${LAYOUT.input}) (i32.const ${LAYOUT.out}) (local.get $len))))
    (memory.fill (i32.add (i32.const ${LAYOUT.input}) (local.get $len)) (i32.const 0) (i32.sub (i32.const 64) (local.get $len)))
    (loop $pad
      (local.set $x (i64.load offset=${LAYOUT.input} (local.get $i)))
      (i64.store offset=${LAYOUT.input + 64} (local.get $i) (i64.xor (local.get $x) (i64.const 0x3636363636363636)))
      (i64.store offset=${LAYOUT.input + 128} (local.get $i) (i64.xor (local.get $x) (i64.const 0x5c5c5c5c5c5c5c5c)))
      (br_if $pad (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 64))))
    (call $init (local.get $alg))
    (call $update (local.get $alg) (i32.const ${LAYOUT.input + 64}) (i32.const 64))
    (memory.copy (i32.const ${LAYOUT.innerPad}) (i32.const 0) (i32.const 32))
    (call $init (local.get $alg))
    (call $update (local.get $alg) (i32.const ${LAYOUT.input + 128}) (i32.const 64))
    (memory.copy (i32.const ${LAYOUT.outerPad}) (i32.const 0) (i32.const 32)))

  ;; The whole keyed HMAC of len input bytes in one call: short signing strings cross into WASM once.
  (func (export "hmac") (param $alg i32) (param $len i32) (param $case i32)
    (call $resume (i32.const ${LAYOUT.innerPad}))
    (call $update (local.get $alg) (i32.const ${LAYOUT.input}) (local.get $len))
    (call $hmac_final (local.get $alg))
    (call $hex (local.get $case)))`;

export function hashModuleText() {
  return `;; Generated by wasm/hash-kernels.mjs: MD5, SHA-1, SHA-256 and HMAC for @linkwire/hash.
(module
  (memory (export "memory") 2 2)
  (data (i32.const ${LAYOUT.k}) "${[...words(SHA256_K), ...words(IV.sha256), ...words(IV.sha1)].map(le).join('')}")
  ${md5()}
  ${sha1()}
  ${sha256()}
  ${initFunction()}
  ${control}
)
`;
}
