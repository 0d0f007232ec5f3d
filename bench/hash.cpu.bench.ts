// The throughput targets of @linkwire/hash measured on a shared machine: the tasks run
// interleaved, round after round, each timed by the process's CPU time (time spent descheduled
// by other processes does not count), and the best round of each is reported. hash.bench.ts
// measures wall time with tinybench; on a loaded 2-core machine its ratios swing by ±50%.
// Run with `npm run bench -- hash` (both files) or `npm run bench -- hash.cpu`.
import { createHash as nodeHash, createHmac as nodeHmac } from 'node:crypto';
import { createHMAC, createMD5, createSHA1, createSHA256, type IHasher } from 'hash-wasm';
import { md5 as nobleMd5, sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createHash, hash, hashWith, registerNativeHash, type HashAlgorithm } from '@linkwire/hash';
import { nodeHashBackend } from '../packages/node/src/hash.ts';

const ROUNDS = 11;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function best(tasks: readonly { name: string; fn: () => unknown }[]): number[] {
  const top = tasks.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    tasks.forEach((t, i) => {
      const start = cpuMs();
      t.fn();
      const ms = cpuMs() - start;
      if (r > 0) top[i] = Math.min(top[i]!, ms); // round 0 warms up (tier-up to optimized code)
    });
  }
  return top;
}

function table(title: string, unit: string, names: readonly string[], values: readonly number[], baseline: number): void {
  console.log(`\n## ${title}`);
  console.log(`| task | ${unit} | × ${names[baseline]} |`);
  console.log('|---|---:|---:|');
  names.forEach((n, i) => console.log(`| ${n} | ${unit === 'MB/s' ? values[i]!.toFixed(0) : Math.round(values[i]!).toLocaleString('en-US')} | ${(values[i]! / values[baseline]!).toFixed(2)} |`));
}

const ALGS: readonly HashAlgorithm[] = ['md5', 'sha1', 'sha256'];
const wasm = hashWith('wasm');
const hw: Record<HashAlgorithm, IHasher> = { md5: await createMD5(), sha1: await createSHA1(), sha256: await createSHA256() };
const CHUNK = new Uint8Array(64 * 1024).map((_, i) => (i * 131 + 7) & 0xff);
const TOTAL = 32 * 1024 * 1024;
const stream = (update: (c: Uint8Array) => void): void => {
  for (let n = 0; n < TOTAL; n += CHUNK.length) update(CHUNK);
};

for (const alg of ALGS) {
  const tasks = [
    { name: 'hash-wasm', fn: () => { const h = hw[alg]; h.init(); stream((c) => h.update(c)); return h.digest('binary'); } },
    { name: 'node:crypto', fn: () => { const h = nodeHash(alg); stream((c) => h.update(c)); return h.digest(); } },
    { name: '@linkwire/hash wasm', fn: () => { const h = wasm.createHash(alg); stream((c) => h.update(c)); return h.digest(); } },
  ];
  const ms = best(tasks);
  table(`${alg.toUpperCase()} streaming, 32 MiB in 64 KiB chunks (best of ${ROUNDS - 1}, CPU time)`, 'MB/s', tasks.map((t) => t.name), ms.map((m) => TOTAL / 1e3 / m), 0);
}

const SECRET = 'deviceSecret0123456789abcdefDEVICE';
const CONTENT = 'clientIda1B2c3D4e5F.device42deviceNamedevice42productKeya1B2c3D4e5Ftimestamp1700000000000';
const N = 100_000;
let i = 0;
const content = (): string => CONTENT.slice(0, 76) + String(1000 + (i++ % 9000));
for (const alg of ALGS) {
  const h = await createHMAC(alg === 'md5' ? createMD5() : alg === 'sha1' ? createSHA1() : createSHA256(), SECRET);
  const key = wasm.hmacKey(alg, SECRET);
  const tasks = [
    { name: 'node:crypto createHmac', fn: () => { for (let n = 0; n < N; n++) nodeHmac(alg, SECRET).update(content()).digest('hex'); } },
    { name: 'hash-wasm (reused hasher)', fn: () => { for (let n = 0; n < N; n++) { h.init(); h.update(content()); h.digest('hex'); } } },
    { name: '@linkwire/hash hmacKey (wasm)', fn: () => { for (let n = 0; n < N; n++) key.signHex(content()); } },
  ];
  const ms = best(tasks);
  table(`HMAC-${alg.toUpperCase()}, 80-byte signing string, cached key, hex out (best of ${ROUNDS - 1}, CPU time)`, 'ops/s', tasks.map((t) => t.name), ms.map((m) => (N * 1000) / m), 0);
}

// A digest of prefix + suffix where the prefix repeats: an EnOS CONNECT password, 65 bytes of
// `clientId…deviceKey…productKey…timestamp` fixed per device, then 13 digits and the secret.
// 900 devices' prefixes hashed once, against hashing the whole content every time.
const ENOS_SECRET = 'deviceSecret0123456789abcdef';
const enosPrefixes = Array.from({ length: 900 }, (_, d) => `clientIddevice${100 + d}deviceKeydevice${100 + d}productKeya1B2c3D4e5Ftimestamp`);
const prefixed = enosPrefixes.map((p) => wasm.hashPrefix('sha256', p));
// The same prefixes in slots of one table, the secret as each slot's tail: only the timestamp goes in.
const slots = wasm.hashPrefixTable(900);
enosPrefixes.forEach((p, d) => slots.set(d, 'sha256', p, ENOS_SECRET));
const ts = (): string => String(1700000000000 + (i++ % 9000));
{
  const tasks = [
    { name: 'node:crypto createHash, whole content', fn: () => { for (let n = 0; n < N; n++) nodeHash('sha256').update(enosPrefixes[n % 900]! + ts() + ENOS_SECRET).digest('hex'); } },
    { name: '@linkwire/hash hashHex, whole content', fn: () => { for (let n = 0; n < N; n++) wasm.hashHex('sha256', enosPrefixes[n % 900]! + ts() + ENOS_SECRET, true); } },
    { name: '@linkwire/hash hashPrefix(…).hashHex(suffix)', fn: () => { for (let n = 0; n < N; n++) prefixed[n % 900]!.hashHex(ts() + ENOS_SECRET, true); } },
    { name: '@linkwire/hash hashPrefixTable: hashHex(slot, timestamp), secret as tail', fn: () => { for (let n = 0; n < N; n++) slots.hashHex(n % 900, ts(), true); } },
  ];
  const ms = best(tasks);
  table(`SHA-256 of a repeated 65-byte prefix + 41-byte suffix, hex out (best of ${ROUNDS - 1}, CPU time)`, 'ops/s', tasks.map((t) => t.name), ms.map((m) => (N * 1000) / m), 0);
}

// With node:crypto registered (registerNodeHash), large inputs and streams go to OpenSSL: the
// cost of going through @linkwire/hash instead of calling node:crypto directly.
const MIB = new Uint8Array(1 << 20).map((_, k) => k & 0xff);
registerNativeHash(nodeHashBackend);
for (const alg of ALGS) {
  const tasks = [
    { name: 'node:crypto, 1 MiB one-shot', fn: () => { for (let n = 0; n < 32; n++) nodeHash(alg).update(MIB).digest(); } },
    { name: '@linkwire/hash hash(), 1 MiB one-shot', fn: () => { for (let n = 0; n < 32; n++) hash(alg, MIB); } },
    { name: 'node:crypto, 32 MiB stream', fn: () => { const h = nodeHash(alg); stream((c) => h.update(c)); return h.digest(); } },
    { name: '@linkwire/hash createHash(), 32 MiB stream', fn: () => { const h = createHash(alg); stream((c) => h.update(c)); return h.digest(); } },
  ];
  const ms = best(tasks);
  table(`${alg.toUpperCase()} with node:crypto registered as the native backend (best of ${ROUNDS - 1}, CPU time)`, 'MB/s', tasks.map((t) => t.name), ms.map((m) => TOTAL / 1e3 / m), 0);
}
registerNativeHash(undefined);

// The pure-JS fallback, for runtimes without WebAssembly.
const noble = { md5: nobleMd5, sha1: nobleSha1, sha256: nobleSha256 };
const js = hashWith('js');
for (const alg of ALGS) {
  const tasks = [
    { name: '@noble/hashes', fn: () => { for (let n = 0; n < 4; n++) noble[alg](MIB); } },
    { name: '@linkwire/hash js', fn: () => { for (let n = 0; n < 4; n++) js.hash(alg, MIB); } },
  ];
  const ms = best(tasks);
  table(`${alg.toUpperCase()} pure JS, 1 MiB one-shot (best of ${ROUNDS - 1}, CPU time)`, 'MB/s', tasks.map((t) => t.name), ms.map((m) => (4 << 20) / 1e3 / m), 0);
}
