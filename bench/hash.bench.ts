// @linkwire/hash against the libraries a user would otherwise pick: node:crypto (OpenSSL),
// hash-wasm and @noble/hashes. `npm run bench -- hash`; the tables go into packages/hash/README.md.
import { createHash as nodeHash, createHmac as nodeHmac } from 'node:crypto';
import { createHMAC, createMD5, createSHA1, createSHA256 } from 'hash-wasm';
import { md5 as nobleMd5, sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createHash, hash, hashWith, registerNativeHash, type HashAlgorithm } from '@linkwire/hash';
import { nodeHashBackend } from '../packages/node/src/hash.ts';
import { compare } from './support.ts';

const ALGS: readonly HashAlgorithm[] = ['md5', 'sha1', 'sha256'];
const hashWasm = { md5: await createMD5(), sha1: await createSHA1(), sha256: await createSHA256() };
const noble = { md5: nobleMd5, sha1: nobleSha1, sha256: nobleSha256 };
const wasm = hashWith('wasm');
const js = hashWith('js');

// Streaming: 32 MiB in 64 KiB chunks, the shape of a firmware download.
const CHUNK = new Uint8Array(64 * 1024).map((_, i) => (i * 131 + 7) & 0xff);
const TOTAL = 32 * 1024 * 1024;
const stream = (update: (c: Uint8Array) => void): void => {
  for (let n = 0; n < TOTAL; n += CHUNK.length) update(CHUNK);
};
for (const alg of ALGS) {
  await compare(`${alg.toUpperCase()} streaming, 32 MiB in 64 KiB chunks`, [
    { name: 'hash-wasm', fn: () => { const h = hashWasm[alg]; h.init(); stream((c) => h.update(c)); return h.digest('binary'); } },
    { name: 'node:crypto', fn: () => { const h = nodeHash(alg); stream((c) => h.update(c)); return h.digest(); } },
    { name: '@linkwire/hash wasm', fn: () => { const h = wasm.createHash(alg); stream((c) => h.update(c)); return h.digest(); } },
  ], { bytesPerOp: TOTAL, time: 1500 });
}

// The pure-JS fallback (runtimes without WebAssembly), on 1 MiB: tinybench runs at least 64
// iterations, which at noble's speed would take minutes on 32 MiB.
const MIB = new Uint8Array(1 << 20).map((_, k) => k & 0xff);
for (const alg of ALGS) {
  await compare(`${alg.toUpperCase()} pure JS (no WebAssembly), one-shot 1 MiB`, [
    { name: '@noble/hashes', fn: () => noble[alg](MIB) },
    { name: '@linkwire/hash js', fn: () => js.hash(alg, MIB) },
  ], { bytesPerOp: MIB.length });
}

// The hottest path of the project: HMAC over an ~80-byte signing string with a cached key, hex out.
const SECRET = 'deviceSecret0123456789abcdefDEVICE';
const CONTENT = 'clientIda1B2c3D4e5F.device42deviceNamedevice42productKeya1B2c3D4e5Ftimestamp1700000000000';
let i = 0;
const content = (): string => CONTENT.slice(0, 76) + String(1000 + (i++ % 9000));
for (const alg of ALGS) {
  const hw = await createHMAC(alg === 'md5' ? createMD5() : alg === 'sha1' ? createSHA1() : createSHA256(), SECRET);
  const nobleKey = nobleHmac.create(noble[alg], new TextEncoder().encode(SECRET));
  const ours = wasm.hmacKey(alg, SECRET);
  const oursJs = js.hmacKey(alg, SECRET);
  await compare(`HMAC-${alg.toUpperCase()}, 80-byte signing string, cached key, hex out`, [
    { name: 'node:crypto createHmac', fn: () => nodeHmac(alg, SECRET).update(content()).digest('hex') },
    { name: 'hash-wasm (reused hasher)', fn: () => { hw.init(); hw.update(content()); return hw.digest('hex'); } },
    { name: '@noble/hashes (cloned key)', fn: () => bytesToHex(nobleKey.clone().update(new TextEncoder().encode(content())).digest()) },
    { name: '@linkwire/hash hmacKey (wasm)', fn: () => ours.signHex(content()) },
    { name: '@linkwire/hash hmacKey (js)', fn: () => oursJs.signHex(content()) },
  ]);
}

// With node:crypto registered, large inputs go to OpenSSL: the cost over calling it directly.
registerNativeHash(nodeHashBackend);
for (const alg of ALGS) {
  await compare(`${alg.toUpperCase()} one-shot 1 MiB, node:crypto registered as the native backend`, [
    { name: 'node:crypto', fn: () => nodeHash(alg).update(MIB).digest() },
    { name: '@linkwire/hash hash() (auto: native)', fn: () => hash(alg, MIB) },
  ], { bytesPerOp: MIB.length });
  await compare(`${alg.toUpperCase()} streaming 32 MiB in 64 KiB chunks, node:crypto registered`, [
    { name: 'node:crypto', fn: () => { const h = nodeHash(alg); stream((c) => h.update(c)); return h.digest(); } },
    { name: '@linkwire/hash createHash() (auto: native)', fn: () => { const h = createHash(alg); stream((c) => h.update(c)); return h.digest(); } },
  ], { bytesPerOp: TOTAL });
}
registerNativeHash(undefined);
