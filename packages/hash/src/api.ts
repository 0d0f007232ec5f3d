import { toHex, utf8Encode } from '@linkwire/base';

// What a wrong argument was, for a message: never String() of it (a symbol or a null-prototype
// object would throw). base's describe() says more, but the hash bundle stays small without it.
const kind = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.slice(0, 32)) : typeof v === 'number' ? `${v}` : v === null ? 'null' : typeof v);
import { DIGEST_LENGTH, type Context, type Engine, type EngineKey, type EnginePrefix } from './engine.ts';
import { HashError } from './errors.ts';
import { js } from './js.ts';
import { checkNativeBackend, nativeEngine } from './native.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot.ts';
import type { BackendName, HashAlgorithm, HashFunctions, HashInput, Hasher, HasherOptions, HashPrefix, HashPrefixTable, HmacKey, NativeHashBackend } from './types.ts';
import { loadWasm, wasmEngine } from './wasm.ts';

let native: { engine: Engine; minBytes: number } | undefined;
let choice: BackendName | 'auto' = 'auto';

function checkAlgorithm(algorithm: unknown): asserts algorithm is HashAlgorithm {
  if (typeof algorithm !== 'string' || !Object.hasOwn(DIGEST_LENGTH, algorithm)) {
    throw new HashError('unknown_algorithm', `unknown hash algorithm ${kind(algorithm)}; expected md5, sha1 or sha256`);
  }
}

function checkInput(data: unknown, what = 'data'): asserts data is HashInput {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new HashError('invalid_input', `${what} must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
  }
}

const bytesOf = (data: HashInput): Uint8Array => (typeof data === 'string' ? utf8Encode(data) : data);

function unavailable(name: string): never {
  throw new HashError('backend_unavailable', `the ${name} hash backend is not available in this runtime`);
}

/** The engine a name stands for, or a typed error when this runtime lacks it. */
function engineNamed(name: BackendName): Engine {
  if (name === 'js') return js;
  if (name === 'wasm') return wasmEngine() ?? unavailable('wasm');
  if (name === 'native') return native?.engine ?? unavailable('native');
  return unavailable(kind(name));
}

/** WASM where it exists, else JS; a forced `js` wins. Cannot export state: never the native engine. */
function portable(): Engine {
  if (choice === 'js') return js;
  return wasmEngine() ?? js;
}

/** The engine for a one-shot call over `size` input units (bytes, or UTF-16 units for strings). */
function engineFor(size: number): Engine {
  if (choice === 'auto') return native !== undefined && size >= native.minBytes ? native.engine : portable();
  return choice === 'native' && native !== undefined ? native.engine : portable();
}

function streamingEngine(options: HasherOptions | undefined): Engine {
  if (options?.resumable !== true && native !== undefined && choice !== 'js' && choice !== 'wasm') return native.engine;
  return portable();
}

function hasher(algorithm: HashAlgorithm, backend: BackendName, ctx: Context): Hasher {
  let done = false;
  const open = (what: string): void => {
    if (done) throw new HashError('finished', `${what} after digest`);
  };
  const self: Hasher = {
    algorithm,
    backend,
    update(data) {
      open('update');
      checkInput(data);
      ctx.update(data);
      return self;
    },
    digest() {
      open('digest');
      done = true;
      return ctx.digest();
    },
    digestHex: () => toHex(self.digest()),
    snapshot() {
      open('snapshot');
      return encodeSnapshot(ctx.save());
    },
  };
  return self;
}

/** Which engine serves each kind of call: per call for the defaults, one fixed for {@link hashWith}. */
interface Policy {
  oneShot(size: number): Engine;
  stream(options?: HasherOptions): Engine;
  /** Where keys and restored states live (a portable engine, unless native is forced). */
  portable(): Engine;
  /** Whether a key sends large messages to a native backend registered at call time. */
  readonly routeNative: boolean;
}

function keyOn(policy: Policy, algorithm: HashAlgorithm, secret: HashInput): HmacKey {
  const engine = policy.portable();
  const secretBytes = bytesOf(secret);
  const k: EngineKey = engine.key(algorithm, secretBytes);
  // Large messages may go to a native backend, even one registered after the key was made;
  // short ones (signing strings) never leave `k`.
  let nativeKey: EngineKey | undefined;
  let nativeOf: Engine | undefined;
  const keyFor = (e: Engine): EngineKey => {
    if (e === engine) return k;
    if (nativeOf !== e) {
      nativeOf = e;
      nativeKey = e.key(algorithm, secretBytes);
    }
    return nativeKey!;
  };
  const route = (data: HashInput): EngineKey =>
    !policy.routeNative || native === undefined || choice !== 'auto' || data.length < native.minBytes ? k : keyFor(native.engine);
  return {
    algorithm,
    sign(data) {
      checkInput(data);
      return route(data).sign(data);
    },
    signHex(data) {
      checkInput(data);
      return route(data).signHex(data);
    },
    create(options) {
      const e = policy.stream(options).name === 'native' ? policy.stream(options) : engine;
      return hasher(algorithm, e.name, keyFor(e).create());
    },
  };
}

function prefixOn(policy: Policy, algorithm: HashAlgorithm, prefix: HashInput): HashPrefix {
  const bytes = bytesOf(prefix);
  const p = policy.portable().prefix(algorithm, bytes);
  // As with keys: a large suffix goes to a native backend registered at call time, which
  // rehashes the prefix (it cannot resume a state); signing-sized suffixes stay on `p`.
  let nativePrefix: EnginePrefix | undefined;
  let nativeOf: Engine | undefined;
  const route = (suffix: HashInput): EnginePrefix => {
    if (!policy.routeNative || native === undefined || choice !== 'auto' || bytes.length + suffix.length < native.minBytes) return p;
    if (nativeOf !== native.engine) {
      nativeOf = native.engine;
      nativePrefix = nativeOf.prefix(algorithm, bytes);
    }
    return nativePrefix!;
  };
  return {
    algorithm,
    hash(suffix) {
      checkInput(suffix, 'suffix');
      return route(suffix).hash(suffix);
    },
    hashHex(suffix, uppercase) {
      checkInput(suffix, 'suffix');
      return route(suffix).hashHex(suffix, uppercase === true);
    },
  };
}

/** Slots live on the portable engine of the moment the table is made, like a key's pads. */
function prefixTableOn(policy: Policy, size: number): HashPrefixTable {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PREFIX_SLOTS) {
    throw new HashError('invalid_input', `a prefix table has 1 to ${MAX_PREFIX_SLOTS} slots, got ${kind(size)}`);
  }
  const table = policy.portable().prefixTable(size);
  const algorithms: (HashAlgorithm | undefined)[] = new Array<HashAlgorithm | undefined>(size).fill(undefined);
  const filled = (slot: number): number => {
    if (algorithms[slot] === undefined) {
      throw new HashError('invalid_input', Number.isInteger(slot) && slot >= 0 && slot < size ? `prefix slot ${slot} is empty` : `prefix slot ${kind(slot)} is not in 0..${size - 1}`);
    }
    return slot;
  };
  return {
    size,
    algorithm: (slot) => algorithms[slot],
    set(slot, algorithm, prefix, tail = EMPTY) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= size) throw new HashError('invalid_input', `prefix slot ${kind(slot)} is not in 0..${size - 1}`);
      checkAlgorithm(algorithm);
      checkInput(prefix, 'prefix');
      checkInput(tail, 'tail');
      table.set(slot, algorithm, bytesOf(prefix), bytesOf(tail));
      algorithms[slot] = algorithm;
    },
    hash(slot, data) {
      checkInput(data);
      return table.hash(filled(slot), data);
    },
    hashHex(slot, data, uppercase) {
      checkInput(data);
      return table.hashHex(filled(slot), data, uppercase === true);
    },
  };
}

// 2^20 slots of 128 bytes is 128 MiB of WASM-backend arena: a bound, not a suggestion.
const EMPTY = new Uint8Array(0);
const MAX_PREFIX_SLOTS = 1 << 20;

type Api = Omit<HashFunctions, 'backend'>;

/** Every public function, over the engines a policy picks. */
function functions(policy: Policy): Api {
  const at = policy.oneShot;
  return {
    hash(algorithm, data) {
      checkAlgorithm(algorithm);
      checkInput(data);
      return at(data.length).hash(algorithm, data);
    },
    hashHex(algorithm, data, uppercase) {
      checkAlgorithm(algorithm);
      checkInput(data);
      return at(data.length).hashHex(algorithm, data, uppercase === true);
    },
    createHash(algorithm, options) {
      checkAlgorithm(algorithm);
      const e = policy.stream(options);
      return hasher(algorithm, e.name, e.create(algorithm));
    },
    hmac(algorithm, secret, data) {
      checkAlgorithm(algorithm);
      checkInput(secret, 'secret');
      checkInput(data);
      return at(data.length).hmac(algorithm, bytesOf(secret), data);
    },
    hmacHex(algorithm, secret, data) {
      checkAlgorithm(algorithm);
      checkInput(secret, 'secret');
      checkInput(data);
      return at(data.length).hmacHex(algorithm, bytesOf(secret), data);
    },
    hmacKey(algorithm, secret) {
      checkAlgorithm(algorithm);
      checkInput(secret, 'secret');
      return keyOn(policy, algorithm, secret);
    },
    hashPrefix(algorithm, prefix) {
      checkAlgorithm(algorithm);
      checkInput(prefix, 'prefix');
      return prefixOn(policy, algorithm, prefix);
    },
    hashPrefixTable: (size) => prefixTableOn(policy, size),
    restoreHash(snapshot) {
      const s = decodeSnapshot(snapshot);
      const e = policy.portable();
      return hasher(s.algorithm, e.name, e.restore(s));
    },
  };
}

const auto = functions({ oneShot: engineFor, stream: streamingEngine, portable, routeNative: true });

/**
 * The digest of `data` (a string is hashed as UTF-8).
 *
 * @example
 * hash('sha256', 'abc') // Uint8Array(32) [0xba, 0x78, …]
 */
export const hash: (algorithm: HashAlgorithm, data: HashInput) => Uint8Array = auto.hash;

/**
 * The digest of `data` as lowercase hex, or uppercase when `uppercase` is true.
 *
 * @example
 * hashHex('md5', '') // 'd41d8cd98f00b204e9800998ecf8427e'
 * hashHex('md5', '', true) // 'D41D8CD98F00B204E9800998ECF8427E'
 */
export const hashHex: (algorithm: HashAlgorithm, data: HashInput, uppercase?: boolean) => string = auto.hashHex;

/**
 * An incremental digest. Pass `{ resumable: true }` when you will call `snapshot()`.
 *
 * @example
 * const h = createHash('sha256', { resumable: true });
 * h.update(firstChunk);
 * const saved = h.snapshot(); // store it; after a restart:
 * restoreHash(saved).update(rest).digestHex();
 */
export const createHash: (algorithm: HashAlgorithm, options?: HasherOptions) => Hasher = auto.createHash;

/**
 * HMAC (RFC 2104) of `data` under `secret`.
 *
 * @example
 * hmacHex('sha1', 'secret', 'clientId12345deviceNamedeviceproductKeypktimestamp789')
 * // 'fafd82a3d602b37fb0fa8b7892f24a477f851a14'
 */
export const hmac: (algorithm: HashAlgorithm, secret: HashInput, data: HashInput) => Uint8Array = auto.hmac;

/**
 * HMAC as lowercase hex.
 *
 * @example
 * hmacHex('md5', 'secret', 'clientId12345deviceNamedeviceproductKeypktimestamp789')
 * // '14b198324fe55e1d3c88f2e705e201ee'
 */
export const hmacHex: (algorithm: HashAlgorithm, secret: HashInput, data: HashInput) => string = auto.hmacHex;

/**
 * Precomputes the HMAC pad states of `secret` once; signing with the key never rehashes it.
 *
 * @example
 * const key = hmacKey('sha256', deviceSecret);
 * const password = key.signHex(content);
 */
export const hmacKey: (algorithm: HashAlgorithm, secret: HashInput) => HmacKey = auto.hmacKey;

/**
 * Hashes `prefix` once, for digests of `prefix + suffix` with many suffixes: each call
 * compresses only the suffix and the prefix's last partial block. For contents that start
 * the same every time, such as an EnOS CONNECT's `clientId…deviceKey…productKey…timestamp`.
 *
 * @example
 * const p = hashPrefix('sha256', 'clientId123456deviceKeytestproductKey654321timestamp');
 * p.hashHex('1548753362502abcdefg', true)
 * // 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166'
 */
export const hashPrefix: (algorithm: HashAlgorithm, prefix: HashInput) => HashPrefix = auto.hashPrefix;

/**
 * `size` hashed prefixes in numbered slots of one arena, for a caller that keeps many of them
 * (a table of devices, each with its own content): `set(slot, algorithm, prefix, tail?)` hashes
 * a prefix into a slot and keeps an optional tail, replacing what the slot held, and
 * `hashHex(slot, data)` is the digest of prefix + data + tail — the shape of a signature whose
 * content and secret are fixed around a varying timestamp. On the WASM backend the states sit
 * side by side, 128 bytes a slot, instead of one object graph per prefix. Slots stay on the
 * backend of the moment the table was made (never a native one: it cannot resume a state).
 *
 * @example
 * const t = hashPrefixTable(1024);
 * t.set(7, 'sha256', 'clientId123456deviceKeytestproductKey654321timestamp', 'abcdefg');
 * t.hashHex(7, '1548753362502', true)
 * // 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166'
 */
export const hashPrefixTable: (size: number) => HashPrefixTable = auto.hashPrefixTable;

/**
 * A hasher that continues from `snapshot()` bytes, on any backend that can hold state.
 * Corrupt or truncated bytes throw `invalid_snapshot`, never resume a wrong state.
 *
 * @example
 * const saved = createHash('md5', { resumable: true }).update('ab').snapshot();
 * restoreHash(saved).update('c').digestHex() // '900150983cd24fb0d6963f7d28e17f72'
 */
export const restoreHash: (snapshot: Uint8Array) => Hasher = auto.restoreHash;

/**
 * The same functions, forced onto one backend (tests, benchmarks, or a deployment that wants
 * `js` only). Throws `backend_unavailable` when the runtime lacks it.
 *
 * @example
 * hashWith('js').hashHex('sha1', 'abc') === hashWith('wasm').hashHex('sha1', 'abc') // true
 */
export function hashWith(backend: BackendName): HashFunctions {
  const engine = engineNamed(backend);
  const only = (): Engine => engine;
  return { backend, ...functions({ oneShot: only, stream: only, portable: only, routeNative: false }) };
}

/**
 * Sets the backend the default functions use: `auto` (WASM, or JS without WebAssembly, with
 * a registered native backend for large inputs and streams) or one forced backend.
 *
 * @example
 * setHashBackend('js'); // e.g. where WebAssembly is disallowed by policy
 */
export function setHashBackend(backend: BackendName | 'auto'): void {
  if (backend !== 'auto') engineNamed(backend);
  choice = backend;
}

/**
 * Registers a platform backend (the Node adapter registers node:crypto); `undefined` removes
 * it. The core never imports one itself, so it stays free of platform modules.
 *
 * @example
 * registerNativeHash({ name: 'node:crypto', minBytes: 1024, hash, hmac, createHash, createHmac });
 */
export function registerNativeHash(backend: NativeHashBackend | undefined): void {
  if (backend === undefined) {
    native = undefined;
    if (choice === 'native') choice = 'auto';
    return;
  }
  checkNativeBackend(backend);
  native = { engine: nativeEngine(backend), minBytes: backend.minBytes ?? 0 };
}

/**
 * The backends this runtime has right now, fastest first. Without synchronous WebAssembly
 * compilation `wasm` appears once {@link wasmReady} has resolved.
 */
export function availableHashBackends(): BackendName[] {
  const list: BackendName[] = [];
  if (native !== undefined) list.push('native');
  if (wasmEngine() !== undefined) list.push('wasm');
  list.push('js');
  return list;
}

/**
 * Compiles the WASM module asynchronously, for runtimes that refuse synchronous compilation
 * (a browser main thread may). Resolves to whether WASM is in use; hashing works either way.
 *
 * @example
 * await wasmReady();
 */
export async function wasmReady(): Promise<boolean> {
  return (await loadWasm()) !== undefined;
}
