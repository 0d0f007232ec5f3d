/**
 * node:crypto as @linkwire/hash's native backend: large inputs and streams run at OpenSSL
 * speed (with the CPU's SHA instructions), while the core package never imports node:*.
 */
import { createHash, createHmac } from 'node:crypto';
import { registerNativeHash, type HashAlgorithm, type NativeDigest, type NativeHashBackend } from '@linkwire/hash';

// Below this many bytes one node:crypto call (an object, a C++ crossing, a Buffer) costs more
// than hashing in WASM: measured with `npm run bench -- hash` (see packages/hash/README.md).
const MIN_BYTES = 1024;

// A digest Buffer may be a view on a shared pool; callers get their own plain Uint8Array.
const own = (b: Uint8Array): Uint8Array => new Uint8Array(b);

function digestOf(h: { update(d: Uint8Array): unknown; digest(): Uint8Array }): NativeDigest {
  return {
    update: (data) => void h.update(data),
    digest: () => own(h.digest()),
  };
}

/** The node:crypto backend, for {@link registerNativeHash} or for direct use. */
export const nodeHashBackend: NativeHashBackend = {
  name: 'node:crypto',
  minBytes: MIN_BYTES,
  hash: (algorithm: HashAlgorithm, data) => own(createHash(algorithm).update(data).digest()),
  hmac: (algorithm: HashAlgorithm, key, data) => own(createHmac(algorithm, key).update(data).digest()),
  createHash: (algorithm) => digestOf(createHash(algorithm)),
  createHmac: (algorithm, key) => digestOf(createHmac(algorithm, key)),
};

/**
 * Registers node:crypto with @linkwire/hash. Inputs of 1 KiB and more, and streaming hashers
 * not created with `{ resumable: true }`, then run in OpenSSL; short signing strings stay on
 * the faster WASM path.
 *
 * @example
 * import { registerNodeHash } from '@linkwire/node';
 * registerNodeHash();
 */
export function registerNodeHash(): void {
  registerNativeHash(nodeHashBackend);
}
