/**
 * MD5, SHA-1, SHA-256 and HMAC over each, one-shot and incremental, with resumable state.
 * WASM kernels by default, @noble/hashes where WebAssembly is absent, and a native backend an
 * adapter may register (the Node adapter registers node:crypto): identical results on all three.
 * @module
 */
export {
  availableHashBackends,
  createHash,
  hash,
  hashHex,
  hashPrefix,
  hashPrefixTable,
  hashWith,
  hmac,
  hmacHex,
  hmacKey,
  registerNativeHash,
  restoreHash,
  setHashBackend,
  wasmReady,
} from './api.ts';
export { HashError } from './errors.ts';
export type { BackendName, HashAlgorithm, HashFunctions, HashInput, Hasher, HasherOptions, HashPrefix, HashPrefixTable, HmacKey, NativeDigest, NativeHashBackend } from './types.ts';
