/** The digests every Link-style platform uses: signatures, firmware checks, CoAP keys. */
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';

/** Bytes, or a string hashed as its UTF-8 encoding. */
export type HashInput = Uint8Array | string;

/** Where the work runs: WASM kernels, pure JS (@noble/hashes), or a registered native backend. */
export type BackendName = 'wasm' | 'js' | 'native';

/** An incremental digest: `update` any number of times, then `digest` once. */
export interface Hasher {
  readonly algorithm: HashAlgorithm;
  /** The backend this hasher runs on; it never changes during the hasher's life. */
  readonly backend: BackendName;
  update(data: HashInput): Hasher;
  digest(): Uint8Array;
  digestHex(): string;
  /**
   * The digest state so far as bytes, for {@link restoreHash}; the hasher stays usable.
   * An HMAC hasher's snapshot holds its key's pad states: store it like the secret itself.
   */
  snapshot(): Uint8Array;
}

/** A secret whose HMAC pads are computed once and reused for every message. */
export interface HmacKey {
  readonly algorithm: HashAlgorithm;
  sign(data: HashInput): Uint8Array;
  signHex(data: HashInput): string;
  create(options?: HasherOptions): Hasher;
}

/**
 * A prefix hashed once: digests of prefix + suffix resume from the state after the prefix's
 * whole blocks, so only the suffix (and the prefix's last partial block) is compressed per call.
 */
export interface HashPrefix {
  readonly algorithm: HashAlgorithm;
  /** The digest of prefix + suffix. */
  hash(suffix: HashInput): Uint8Array;
  /** The same as hex: lowercase unless `uppercase`. */
  hashHex(suffix: HashInput, uppercase?: boolean): string;
}

/** Hashed prefixes in numbered slots; see `hashPrefixTable`. Bad slots throw `invalid_input`. */
export interface HashPrefixTable {
  readonly size: number;
  /** The algorithm of the prefix in `slot`, or undefined while it is empty. */
  algorithm(slot: number): HashAlgorithm | undefined;
  /** Hashes `prefix` into `slot` and keeps `tail` (default empty), replacing what it held. */
  set(slot: number, algorithm: HashAlgorithm, prefix: HashInput, tail?: HashInput): void;
  /** The digest of the slot's prefix + data + its tail. */
  hash(slot: number, data: HashInput): Uint8Array;
  /** The same as hex: lowercase unless `uppercase`. */
  hashHex(slot: number, data: HashInput, uppercase?: boolean): string;
}

export interface HasherOptions {
  /**
   * Guarantees that `snapshot()` works: the hasher then runs on the WASM or JS backend even
   * when a native backend (which cannot export its state) is registered.
   */
  readonly resumable?: boolean;
}

/** The whole API bound to one backend, from {@link hashWith}. */
export interface HashFunctions {
  readonly backend: BackendName;
  hash(algorithm: HashAlgorithm, data: HashInput): Uint8Array;
  /** Lowercase hex unless `uppercase` (EnOS signs in uppercase). */
  hashHex(algorithm: HashAlgorithm, data: HashInput, uppercase?: boolean): string;
  createHash(algorithm: HashAlgorithm, options?: HasherOptions): Hasher;
  hmac(algorithm: HashAlgorithm, secret: HashInput, data: HashInput): Uint8Array;
  hmacHex(algorithm: HashAlgorithm, secret: HashInput, data: HashInput): string;
  hmacKey(algorithm: HashAlgorithm, secret: HashInput): HmacKey;
  hashPrefix(algorithm: HashAlgorithm, prefix: HashInput): HashPrefix;
  hashPrefixTable(size: number): HashPrefixTable;
  restoreHash(snapshot: Uint8Array): Hasher;
}

/** A streaming digest on a native backend. */
export interface NativeDigest {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/**
 * What an adapter registers with {@link registerNativeHash}: the platform's own digests
 * (node:crypto, for instance). Inputs below `minBytes` stay on the portable backends, where
 * a call costs less than the platform's per-call overhead.
 */
export interface NativeHashBackend {
  readonly name: string;
  readonly minBytes?: number;
  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  createHash(algorithm: HashAlgorithm): NativeDigest;
  createHmac(algorithm: HashAlgorithm, key: Uint8Array): NativeDigest;
}
