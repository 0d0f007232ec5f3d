/**
 * The WASM backend. One module instance serves every hasher: its memory holds one active
 * digest context, and each hasher keeps its own 128-byte copy of that context in JS. Switching
 * hashers swaps the copies, so any number of hashers can be open while WASM memory stays at
 * its two fixed pages (the module declares maximum = minimum: it cannot grow).
 */
import { fromBase64, toHex, utf8EncodeInto } from '@linkwire/base';
import { BLOCK, STATE_WORDS, type Context, type DigestState, type Engine, type EngineKey, type EnginePrefixTable } from './engine.ts';
import type { HashAlgorithm, HashInput } from './types.ts';
import { WASM_BASE64 } from './wasm-bytes.ts';

// The memory layout of wasm/hash-kernels.mjs.
const H = 0;
const LENGTH = 32;
const BLOCK_AT = 64;
const CONTEXT = 128;
const OUT = 128;
const INNER_PAD = 160;
const OUTER_PAD = 192;
const HEX = 1344;
const INPUT = 65536;
const INPUT_SIZE = 65536;
// A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4 bytes).
const STRING_SLICE = INPUT_SIZE / 3;
// Prefix-table tails up to this many bytes live in the table's tail arena.
const TAIL = 64;
// Strings this short are staged by a JS loop: the platform encoder's call costs more.
const SHORT_STRING = 24;

interface Kernel {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  init(alg: number): void;
  update(alg: number, at: number, length: number): void;
  final(alg: number): void;
  /** `hexCase`: 0 no hex, 1 lowercase, 2 uppercase hex at HEX. */
  digest(alg: number, length: number, hexCase: number): void;
  /** Hashes `length` input bytes into the active context, finishes, writes hex like `digest`. */
  finish(alg: number, length: number, hexCase: number): void;
  hmac(alg: number, length: number, hexCase: number): void;
  hmac_final(alg: number): void;
  hmac_key(alg: number, length: number): void;
}

/** The part of the WebAssembly JS API this backend uses; the core compiles without the DOM lib. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }>;
}

const wasmApi = (): WasmApi | undefined => {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === 'object' && api !== null && typeof api.Module === 'function' ? api : undefined;
};

/** The embedded module, decoded. */
export function wasmBytes(): Uint8Array {
  return fromBase64(WASM_BASE64);
}

const ALG: Readonly<Record<HashAlgorithm, number>> = { md5: 0, sha1: 1, sha256: 2 };
const ALGORITHMS: readonly HashAlgorithm[] = ['md5', 'sha1', 'sha256'];

// Where the platform has them, its codecs move strings across the WASM boundary: a signing
// string is usually a rope of template parts, which a JS charCodeAt loop must flatten first
// (3x slower than encodeInto for 100 characters), and one native decode of the kernel's hex
// beats a JS nibble loop. Without them (QuickJS has neither, nor WebAssembly) the JS codecs run.
type NativeEncoder = { encodeInto(s: string, into: Uint8Array): { written: number } };
type NativeDecoder = { decode(b: Uint8Array): string };
const platform = globalThis as unknown as { TextEncoder?: new () => NativeEncoder; TextDecoder?: new (label: string) => NativeDecoder };
const encoder = typeof platform.TextEncoder === 'function' ? new platform.TextEncoder() : undefined;
const decoder = typeof platform.TextDecoder === 'function' ? new platform.TextDecoder('utf-8') : undefined;
const HEX_CASE = { lower: 1, upper: 2 } as const;

let engine: Engine | undefined;
let memory: { readonly buffer: ArrayBuffer; grow(pages: number): number } | undefined;

/** Internal, for tests: the instance's memory (bounded-memory checks), once instantiated. */
export function wasmMemory(): { readonly buffer: ArrayBuffer; grow(pages: number): number } | undefined {
  return memory;
}
let unavailable = false;
let pending: Promise<Engine | undefined> | undefined;

/**
 * The WASM engine, compiled synchronously on first use. Where the runtime refuses synchronous
 * compilation (a browser main thread may) or has no WebAssembly, this returns undefined and
 * the caller falls back to JS until {@link loadWasm} has finished.
 */
export function wasmEngine(): Engine | undefined {
  if (engine !== undefined || unavailable) return engine;
  const api = wasmApi();
  if (api === undefined) {
    unavailable = true;
    return undefined;
  }
  try {
    engine = engineOver(new api.Instance(new api.Module(wasmBytes()), {}).exports as Kernel);
  } catch {
    if (pending === undefined) void loadWasm();
  }
  return engine;
}

/** Compiles the module asynchronously; resolves to the engine, or undefined without WebAssembly. */
export function loadWasm(): Promise<Engine | undefined> {
  if (engine !== undefined || unavailable) return Promise.resolve(engine);
  const api = wasmApi();
  if (api === undefined) {
    unavailable = true;
    return Promise.resolve(undefined);
  }
  pending ??= api.instantiate(wasmBytes(), {}).then(
    (r) => (engine ??= engineOver(r.instance.exports as Kernel)),
    () => {
      unavailable = true;
      return undefined;
    },
  );
  return pending;
}

function putWords(out: Uint8Array, at: number, words: Int32Array): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out[at + 4 * i] = w;
    out[at + 4 * i + 1] = w >>> 8;
    out[at + 4 * i + 2] = w >>> 16;
    out[at + 4 * i + 3] = w >>> 24;
  }
}

function getWords(from: Uint8Array, at: number, n: number): Int32Array {
  const w = new Int32Array(n);
  for (let i = 0; i < n; i++) w[i] = from[at + 4 * i]! | (from[at + 4 * i + 1]! << 8) | (from[at + 4 * i + 2]! << 16) | (from[at + 4 * i + 3]! << 24);
  return w;
}

interface WasmContext {
  readonly algorithm: HashAlgorithm;
  /** Bytes 0..128 of WASM memory while this context is not the active one. */
  readonly saved: Uint8Array;
  /** HMAC only: the outer pad's chaining words, as in WASM memory. */
  readonly outer: Uint8Array | undefined;
}

function engineOver(kernel: Kernel): Engine {
  memory = kernel.memory;
  // Memory cannot grow (maximum = minimum), so these views never detach.
  const mem = new Uint8Array(kernel.memory.buffer);
  const context = mem.subarray(0, CONTEXT);
  const pads = mem.subarray(INNER_PAD, OUTER_PAD + 32);
  const outerPad = mem.subarray(OUTER_PAD, OUTER_PAD + 32);
  const outViews: Readonly<Record<HashAlgorithm, Uint8Array>> = {
    md5: mem.subarray(OUT, OUT + 16),
    sha1: mem.subarray(OUT, OUT + 20),
    sha256: mem.subarray(OUT, OUT + 32),
  };
  const hexViews: Readonly<Record<HashAlgorithm, Uint8Array>> = {
    md5: mem.subarray(HEX, HEX + 32),
    sha1: mem.subarray(HEX, HEX + 40),
    sha256: mem.subarray(HEX, HEX + 64),
  };
  // encodeInto writes from the start of the view it is given: one view, made once.
  const inputWindow = mem.subarray(INPUT, INPUT + INPUT_SIZE);
  let active: WasmContext | undefined;
  let activePads: Uint8Array | undefined;

  /** The digest at OUT as hex: decoded from the kernel's hex when a decoder exists. */
  const hexOut = (algorithm: HashAlgorithm, upper: boolean): string => {
    if (decoder !== undefined) return decoder.decode(hexViews[algorithm]);
    const hex = toHex(outViews[algorithm]);
    return upper ? hex.toUpperCase() : hex;
  };
  const hexCase = (upper: boolean): number => (decoder === undefined ? 0 : upper ? HEX_CASE.upper : HEX_CASE.lower);

  // Parks the active context in its JS copy, so the WASM context area is free.
  const park = (): void => {
    if (active !== undefined) {
      active.saved.set(context);
      active = undefined;
    }
  };
  const activate = (c: WasmContext): void => {
    if (active === c) return;
    park();
    context.set(c.saved);
    active = c;
  };
  const usePads = (p: Uint8Array): void => {
    if (activePads !== p) {
      pads.set(p);
      activePads = p;
    }
  };

  /**
   * Copies `data` into the input window and returns its length in bytes when it fits in one go
   * (callers of the one-call paths check that first); otherwise feeds it through `update` window
   * by window and returns -1.
   */
  const stage = (alg: number, data: HashInput): number => {
    if (typeof data === 'string') {
      if (data.length <= STRING_SLICE) return encoder !== undefined && data.length > SHORT_STRING ? encoder.encodeInto(data, inputWindow).written : utf8EncodeInto(data, mem, INPUT) - INPUT;
      for (let i = 0; i < data.length; ) {
        let j = Math.min(data.length, i + STRING_SLICE);
        // Never split a surrogate pair between two windows.
        if (j < data.length && (data.charCodeAt(j - 1) & 0xfc00) === 0xd800) j--;
        kernel.update(alg, INPUT, utf8EncodeInto(data.slice(i, j), mem, INPUT) - INPUT);
        i = j;
      }
      return -1;
    }
    if (data.length <= INPUT_SIZE) {
      mem.set(data, INPUT);
      return data.length;
    }
    for (let i = 0; i < data.length; i += INPUT_SIZE) {
      const n = Math.min(INPUT_SIZE, data.length - i);
      mem.set(data.subarray(i, i + n), INPUT);
      kernel.update(alg, INPUT, n);
    }
    return -1;
  };

  const update = (c: WasmContext, data: HashInput): void => {
    activate(c);
    const alg = ALG[c.algorithm];
    const n = stage(alg, data);
    if (n >= 0) kernel.update(alg, INPUT, n);
  };

  const digest = (c: WasmContext): Uint8Array => {
    activate(c);
    if (c.outer === undefined) kernel.final(ALG[c.algorithm]);
    else {
      outerPad.set(c.outer);
      activePads = undefined;
      kernel.hmac_final(ALG[c.algorithm]);
    }
    active = undefined;
    return outViews[c.algorithm].slice();
  };

  const wrap = (c: WasmContext): Context => ({
    update: (data) => update(c, data),
    digest: () => digest(c),
    save(): DigestState {
      if (active === c) c.saved.set(context);
      const s = c.saved;
      const length = (s[LENGTH]! | (s[LENGTH + 1]! << 8) | (s[LENGTH + 2]! << 16)) + s[LENGTH + 3]! * 2 ** 24 +
        (s[LENGTH + 4]! | (s[LENGTH + 5]! << 8) | (s[LENGTH + 6]! << 16)) * 2 ** 32;
      const words = STATE_WORDS[c.algorithm];
      return {
        algorithm: c.algorithm,
        h: getWords(s, H, words),
        length,
        pending: s.slice(BLOCK_AT, BLOCK_AT + (length % BLOCK)),
        outer: c.outer === undefined ? undefined : getWords(c.outer, 0, words),
      };
    },
  });

  const fresh = (algorithm: HashAlgorithm, outer?: Uint8Array): WasmContext => ({ algorithm, saved: new Uint8Array(CONTEXT), outer });

  // A one-shot digest: the common case fits the input window and costs one call into WASM.
  const hashInto = (algorithm: HashAlgorithm, data: HashInput, hex = 0): Uint8Array => {
    park();
    const alg = ALG[algorithm];
    if (fits(data)) kernel.digest(alg, stage(alg, data), hex);
    else {
      kernel.init(alg);
      stage(alg, data);
      kernel.final(alg);
    }
    return outViews[algorithm];
  };

  /** Leaves the pad states of `secret` in the pad area (anonymous: no key object owns them). */
  const loadKey = (algorithm: HashAlgorithm, secret: Uint8Array): void => {
    park();
    // A key beyond the input window is hashed here first, as the kernel would (RFC 2104 §3).
    const k = secret.length > INPUT_SIZE ? hashInto(algorithm, secret).slice() : secret;
    mem.set(k, INPUT);
    kernel.hmac_key(ALG[algorithm], k.length);
    activePads = undefined;
  };

  const fits = (data: HashInput): boolean => (typeof data === 'string' ? data.length <= STRING_SLICE : data.length <= INPUT_SIZE);

  // One-shot HMAC: two calls into WASM, nothing allocated but the result.
  const hmacInto = (algorithm: HashAlgorithm, secret: Uint8Array, data: HashInput, hex = 0): Uint8Array => {
    loadKey(algorithm, secret);
    const alg = ALG[algorithm];
    kernel.hmac(alg, stage(alg, data), hex);
    return outViews[algorithm];
  };

  const key = (algorithm: HashAlgorithm, secret: Uint8Array): EngineKey => {
    loadKey(algorithm, secret);
    const keyPads = pads.slice();
    activePads = keyPads;
    const alg = ALG[algorithm];
    const out = outViews[algorithm];
    // The hot path of every signature: encode straight into WASM memory, one call, no garbage
    // but the result.
    const run = (data: HashInput, hex: number): void => {
      park();
      usePads(keyPads);
      kernel.hmac(alg, stage(alg, data), hex);
    };
    return {
      sign(data) {
        if (!fits(data)) return digest(longHmac(data));
        run(data, 0);
        return out.slice();
      },
      signHex(data) {
        if (!fits(data)) return toHex(digest(longHmac(data)));
        run(data, hexCase(false));
        return hexOut(algorithm, false);
      },
      create: () => wrap(started()),
    };

    function started(): WasmContext {
      const c = fresh(algorithm, keyPads.slice(32));
      c.saved.set(keyPads.subarray(0, 32), H);
      c.saved[LENGTH] = BLOCK;
      return c;
    }

    function longHmac(data: HashInput): WasmContext {
      const c = started();
      update(c, data);
      return c;
    }
  };

  /** The digest of a saved context continued with data (and a tail), streamed through the input window. */
  const finishFrom = (algorithm: HashAlgorithm, state: Uint8Array, data: HashInput, tail: Uint8Array | undefined): Uint8Array => {
    const c = fresh(algorithm);
    c.saved.set(state);
    update(c, data);
    if (tail !== undefined) update(c, tail);
    return digest(c);
  };

  // Prefix states side by side in one arena, 128 bytes (the context) a slot: a table of
  // thousands of devices stays a few hundred KiB of contiguous memory, where separate prefix
  // objects (a closure, a context copy and its buffer each) scattered over the heap and cost
  // cache misses at every lookup. Resuming copies only the words the state uses. Tails of up
  // to TAIL bytes sit in a second arena, made when the first tail is set; longer ones apart.
  const context32 = new Int32Array(kernel.memory.buffer, 0, CONTEXT / 4);
  function prefixTable(size: number): EnginePrefixTable {
    const arena = new Int32Array(size * (CONTEXT / 4));
    const arenaBytes = new Uint8Array(arena.buffer);
    const algs = new Uint8Array(size);
    const tailLength = new Int32Array(size);
    let tails: Uint8Array | undefined;
    const longTails: (Uint8Array | undefined)[] = [];
    const resume = (slot: number): number => {
      park();
      const at = slot * (CONTEXT / 4);
      // The chaining words, the 64-bit length, then the pending bytes' words.
      for (let i = 0; i < 10; i++) context32[i] = arena[at + i]!;
      const pending = (arena[at + LENGTH / 4]! & (BLOCK - 1)) + 3;
      for (let i = BLOCK_AT / 4, end = BLOCK_AT / 4 + (pending >>> 2); i < end; i++) context32[i] = arena[at + i]!;
      return algs[slot]!;
    };
    const tailOf = (slot: number): Uint8Array => longTails[slot] ?? tails!.subarray(slot * TAIL, slot * TAIL + tailLength[slot]!);
    /** Stages data + tail in the input window; -1 when they do not fit in one go. */
    const stageWithTail = (slot: number, alg: number, data: HashInput): number => {
      const t = tailLength[slot]!;
      if (t === 0) return fits(data) ? stage(alg, data) : -1;
      if (t > TAIL || (typeof data === 'string' ? data.length * 3 : data.length) > INPUT_SIZE - TAIL) return -1;
      const n = stage(alg, data);
      for (let i = 0, from = slot * TAIL; i < t; i++) mem[INPUT + n + i] = tails![from + i]!;
      return n + t;
    };
    const long = (slot: number, data: HashInput): Uint8Array =>
      finishFrom(ALGORITHMS[algs[slot]!]!, arenaBytes.subarray(slot * CONTEXT, (slot + 1) * CONTEXT), data, tailLength[slot]! > 0 ? tailOf(slot) : undefined);
    return {
      set(slot, algorithm, prefix, tail) {
        const alg = ALG[algorithm];
        park();
        kernel.init(alg);
        const n = stage(alg, prefix);
        if (n >= 0) kernel.update(alg, INPUT, n);
        arenaBytes.set(context, slot * CONTEXT);
        algs[slot] = alg;
        tailLength[slot] = tail.length;
        longTails[slot] = undefined;
        if (tail.length > TAIL) longTails[slot] = tail.slice();
        else if (tail.length > 0) (tails ??= new Uint8Array(size * TAIL)).set(tail, slot * TAIL);
      },
      hash(slot, data) {
        const alg = resume(slot);
        const n = stageWithTail(slot, alg, data);
        if (n < 0) return long(slot, data);
        kernel.finish(alg, n, 0);
        return outViews[ALGORITHMS[alg]!].slice();
      },
      hashHex(slot, data, uppercase) {
        const alg = resume(slot);
        const n = stageWithTail(slot, alg, data);
        if (n < 0) {
          const hex = toHex(long(slot, data));
          return uppercase ? hex.toUpperCase() : hex;
        }
        kernel.finish(alg, n, hexCase(uppercase));
        return hexOut(ALGORITHMS[alg]!, uppercase);
      },
    };
  }

  const self: Engine = {
    name: 'wasm',
    hash: (algorithm, data) => hashInto(algorithm, data).slice(),
    hashHex(algorithm, data, uppercase = false) {
      if (!fits(data)) {
        const hex = toHex(hashInto(algorithm, data));
        return uppercase ? hex.toUpperCase() : hex;
      }
      hashInto(algorithm, data, hexCase(uppercase));
      return hexOut(algorithm, uppercase);
    },
    create(algorithm) {
      const c = fresh(algorithm);
      park();
      kernel.init(ALG[algorithm]);
      c.saved.set(context);
      return wrap(c);
    },
    key,
    hmac: (algorithm, secret, data) => (fits(data) ? hmacInto(algorithm, secret, data).slice() : key(algorithm, secret).sign(data)),
    hmacHex(algorithm, secret, data) {
      if (!fits(data)) return key(algorithm, secret).signHex(data);
      hmacInto(algorithm, secret, data, hexCase(false));
      return hexOut(algorithm, false);
    },
    prefix(algorithm, prefix) {
      const alg = ALG[algorithm];
      park();
      kernel.init(alg);
      const n = stage(alg, prefix);
      if (n >= 0) kernel.update(alg, INPUT, n);
      // The chaining words after the prefix's whole blocks, its length and its leftover bytes:
      // a suffix resumes from them, so the prefix's blocks are never compressed again.
      const saved = context.slice();
      const out = outViews[algorithm];
      const run = (suffix: HashInput, hex: number): void => {
        park();
        context.set(saved);
        kernel.finish(alg, stage(alg, suffix), hex);
      };
      const long = (suffix: HashInput): Uint8Array => finishFrom(algorithm, saved, suffix, undefined);
      return {
        hash(suffix) {
          if (!fits(suffix)) return long(suffix);
          run(suffix, 0);
          return out.slice();
        },
        hashHex(suffix, uppercase) {
          if (!fits(suffix)) {
            const hex = toHex(long(suffix));
            return uppercase ? hex.toUpperCase() : hex;
          }
          run(suffix, hexCase(uppercase));
          return hexOut(algorithm, uppercase);
        },
      };
    },
    prefixTable,
    restore(s) {
      const c = fresh(s.algorithm, s.outer === undefined ? undefined : new Uint8Array(32));
      putWords(c.saved, H, s.h);
      let n = s.length;
      for (let i = 0; i < 8; i++, n = Math.floor(n / 256)) c.saved[LENGTH + i] = n % 256;
      c.saved.set(s.pending, BLOCK_AT);
      if (s.outer !== undefined) putWords(c.outer!, 0, s.outer);
      return wrap(c);
    },
  };
  return self;
}
