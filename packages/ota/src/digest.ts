/**
 * The digest engines a verifier streams through. A verifier needs three things from a hash:
 * feed bytes, finish, and (to survive a reboot) turn its running state into bytes and back.
 * This interface is that contract, so the engine is a parameter: @linkwire/hash resumable
 * (WASM kernels, or JS where WebAssembly is absent), @linkwire/hash streaming (a registered
 * native backend such as node:crypto), or anything else a caller brings.
 * @module
 */
import { createHash, restoreHash, type Hasher } from '@linkwire/hash';
import { OtaError } from './errors.ts';

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

const resumable = (h: Hasher): StreamDigest => ({
  update: (chunk) => void h.update(chunk),
  digest: () => h.digest(),
  snapshot: () => h.snapshot(),
});

/**
 * @linkwire/hash with resumable hashers: WASM kernels (JS without WebAssembly), whose
 * snapshots are the same bytes on either backend. The default engine.
 *
 * @example
 * ```ts
 * const d = hashDigestBackend.create('sha256');
 * d.update(firstHalf);
 * const saved = d.snapshot!();          // stored with the verifier state
 * const again = hashDigestBackend.restore!('sha256', saved);
 * again.update(secondHalf);
 * ```
 */
export const hashDigestBackend: DigestBackend = {
  name: 'linkwire-hash/1',
  create: (method) => resumable(createHash(method, { resumable: true })),
  restore(method, snapshot) {
    let h: Hasher;
    try {
      h = restoreHash(snapshot);
    } catch (e) {
      throw new OtaError('corrupt_state', `the saved digest state does not restore: ${(e as Error).message}`);
    }
    if (h.algorithm !== method) throw new OtaError('corrupt_state', `the saved digest state is ${h.algorithm}, not ${method}`);
    return resumable(h);
  },
};

/**
 * @linkwire/hash without the resumable guarantee: streams run on a registered native
 * backend (the Node adapter registers node:crypto) at platform speed, but the state cannot
 * be saved, so `verifier.save()` throws `not_resumable`.
 */
export const streamingDigestBackend: DigestBackend = {
  name: 'linkwire-hash-streaming/1',
  create(method) {
    const h = createHash(method);
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest() };
  },
};

/** The engine verifiers use unless told otherwise: resumable, available everywhere. */
export const defaultDigestBackend: DigestBackend = hashDigestBackend;
