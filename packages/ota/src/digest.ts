/**
 * The digest engines a verifier streams through. A verifier needs three things from a hash:
 * feed bytes, finish, and (to survive a reboot) turn its running state into bytes and back.
 * This interface is that contract, so the engine is a parameter: the built-in JS engine, the
 * @linkwire/hash engine, or an adapter's native one (node:crypto) for OpenSSL speed.
 * @module
 */
import { createHash } from '@linkwire/hash';
import { OtaError } from './errors.ts';
import { mdFinal, mdInit, mdUpdate, type MdState } from './md.ts';

/** The digest methods the platforms use for firmware, config files and model config. */
export type DigestMethod = 'md5' | 'sha256';

/** A running digest. `snapshot` is absent when the engine cannot save its state. */
export interface StreamDigest {
  update(chunk: Uint8Array): void;
  digest(): Uint8Array;
  snapshot?(): Uint8Array;
}

/**
 * Creates running digests. `name` identifies the snapshot format: a saved verifier state
 * records it, and only an engine with the same name may restore that state.
 */
export interface DigestBackend {
  readonly name: string;
  create(method: DigestMethod): StreamDigest;
  restore?(method: DigestMethod, snapshot: Uint8Array): StreamDigest;
}

const FORMAT = 1;
const ALG_BYTE: Record<DigestMethod, number> = { md5: 1, sha256: 2 };
const WORDS: Record<DigestMethod, number> = { md5: 4, sha256: 8 };

function mdDigest(s: MdState): StreamDigest {
  return {
    update: (chunk) => mdUpdate(s, chunk),
    digest: () => mdFinal(s),
    snapshot() {
      // Layout: format, algorithm, byte count (u64 LE), chaining words (u32 LE), partial block.
      const n = s.h.length;
      const out = new Uint8Array(10 + 4 * n + s.pos);
      const view = new DataView(out.buffer);
      out[0] = FORMAT;
      out[1] = ALG_BYTE[s.algorithm];
      view.setUint32(2, s.length >>> 0, true);
      view.setUint32(6, Math.floor(s.length / 2 ** 32), true);
      for (let i = 0; i < n; i++) view.setInt32(10 + 4 * i, s.h[i]!, true);
      out.set(s.block.subarray(0, s.pos), 10 + 4 * n);
      return out;
    },
  };
}

function corrupt(why: string): OtaError {
  return new OtaError('corrupt_state', `digest snapshot is corrupt: ${why}`);
}

/**
 * The built-in engine: MD5 and SHA-256 in plain TypeScript whose state snapshots to 42–138
 * bytes. Runs in every runtime (no WebAssembly, no TextEncoder).
 *
 * @example
 * ```ts
 * const d = jsDigestBackend.create('sha256');
 * d.update(firstHalf);
 * const saved = d.snapshot!();          // store it with the verifier state
 * const again = jsDigestBackend.restore!('sha256', saved);
 * again.update(secondHalf);
 * ```
 */
export const jsDigestBackend: DigestBackend = {
  name: 'linkwire-js/1',
  create: (method) => mdDigest(mdInit(method)),
  restore(method, snap) {
    const n = WORDS[method];
    if (snap.length < 10 + 4 * n) throw corrupt('too short');
    if (snap[0] !== FORMAT) throw corrupt(`unknown format ${snap[0]}`);
    if (snap[1] !== ALG_BYTE[method]) throw corrupt(`it is not a ${method} state`);
    const view = new DataView(snap.buffer, snap.byteOffset, snap.length);
    const length = view.getUint32(2, true) + view.getUint32(6, true) * 2 ** 32;
    if (length > Number.MAX_SAFE_INTEGER) throw corrupt('byte count out of range');
    const pos = snap.length - 10 - 4 * n;
    if (pos !== length % 64) throw corrupt('partial block does not match the byte count');
    const s = mdInit(method);
    for (let i = 0; i < n; i++) s.h[i] = view.getInt32(10 + 4 * i, true);
    s.block.set(snap.subarray(10 + 4 * n));
    s.pos = pos;
    s.length = length;
    return mdDigest(s);
  },
};

/**
 * The @linkwire/hash engine (its fastest available path). It cannot save state yet, so a
 * verifier built on it is not resumable; use it when a download never needs to survive a
 * reboot.
 */
export const hashDigestBackend: DigestBackend = {
  name: 'linkwire-hash/0',
  create(method) {
    const h = createHash(method);
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest() };
  },
};

/** The engine verifiers use unless told otherwise: resumable and available everywhere. */
export const defaultDigestBackend: DigestBackend = jsDigestBackend;
