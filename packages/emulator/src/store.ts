import { LinkwireError, describe, type JsonValue } from '@linkwire/base';

/**
 * Where the platform keeps what must outlive its process: keyed JSON records in named
 * collections. The emulator holds its working state in memory and writes changed records
 * through this seam (see `persistence.ts`); it reads them back once, at start. Anything that can
 * get, put, delete and list JSON by key can be a store: {@link memoryStore} (tests, the
 * default), `directoryStore` (a file per record, atomic writes), a Redis one for cluster mode.
 *
 * Collections the emulator uses (each record's shape is in `persistence.ts`):
 * - `devices`, key `{productKey}&{deviceName}`: the secret (also one issued by dynamic
 *   registration), activated, enabled, the `regnwl` device token, the gateway, tags, and the
 *   firmware version informed per module;
 * - `shadows`, key `{productKey}&{deviceName}`: the shadow document (state, metadata, version);
 * - `ota-jobs`, key the job id: the upgrade pushed and each device's state;
 * - `firmware`, key the random segment of the download path (`/ota/{key}/…`): the path and the
 *   image (base64), so a restored job's URL serves the same bytes.
 *
 * Every method may reject with a {@link PlatformStoreError}. A store serves one platform; the
 * emulator calls `close()` after its last write.
 */
export interface PlatformStore {
  /** The record, or undefined when there is none. */
  get(collection: string, key: string): Promise<JsonValue | undefined>;
  /** Creates or replaces a record; once the promise resolves, a restart reads it back. */
  put(collection: string, key: string, value: JsonValue): Promise<void>;
  /** Removes a record; true when there was one. */
  delete(collection: string, key: string): Promise<boolean>;
  /** Every record of a collection, in no particular order. */
  list(collection: string): Promise<{ readonly key: string; readonly value: JsonValue }[]>;
  close(): Promise<void>;
}

/**
 * Thrown (as a rejection) by stores: `invalid_key` (a collection or key the seam refuses),
 * `corrupt_record` (a stored record that is not the JSON written: `file`, `line` and `column`
 * say where), `invalid_record` (JSON of the wrong shape for its collection), `io` (the medium
 * failed; `cause` has the system error), `locked` (another live process holds the store),
 * `closed` (used after `close()`).
 */
export class PlatformStoreError extends LinkwireError {
  constructor(
    code: 'invalid_key' | 'corrupt_record' | 'invalid_record' | 'io' | 'locked' | 'closed',
    message: string,
    readonly where: { readonly file?: string; readonly line?: number; readonly column?: number; readonly collection?: string; readonly key?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, undefined);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

const COLLECTION = /^[a-z][a-z0-9-]{0,31}$/;
/** Longest key: a productKey and a deviceName (32 each) with room to spare, and short enough for a file name. */
export const STORE_KEY_MAX = 128;

/**
 * Checks a collection name (lower-case letters, digits and `-`, at most 32) and a key (1–128
 * characters, no control characters, no unpaired surrogates): the same rules for every store, so a record a memory store
 * takes is one a directory or Redis store takes too.
 */
export function checkStoreKey(collection: unknown, key: unknown): void {
  if (typeof collection !== 'string' || !COLLECTION.test(collection)) {
    throw new PlatformStoreError('invalid_key', `store collection ${describe(collection)} must be 1-32 of a-z, 0-9 and -, starting with a letter`);
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > STORE_KEY_MAX || /[\u0000-\u001f\u007f]|\p{Cs}/u.test(key)) {
    throw new PlatformStoreError('invalid_key', `store key ${describe(key)} must be 1-${STORE_KEY_MAX} characters without control characters or unpaired surrogates`, { collection });
  }
}

/**
 * A store in this process's memory: what the emulator uses when none is given, and a reference
 * for other stores' tests. Records are copied in and out (as JSON text), so a caller that keeps
 * mutating an object it put does not change what is stored, exactly as with a real medium.
 */
export function memoryStore(): PlatformStore {
  const collections = new Map<string, Map<string, string>>();
  let closed = false;
  const open = (collection: string, key?: string): Map<string, string> => {
    if (closed) throw new PlatformStoreError('closed', 'the store is closed');
    checkStoreKey(collection, key ?? 'x');
    let c = collections.get(collection);
    if (c === undefined) collections.set(collection, (c = new Map()));
    return c;
  };
  return {
    get: async (collection, key) => {
      const text = open(collection, key).get(key);
      return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
    },
    put: async (collection, key, value) => {
      open(collection, key).set(key, stringifyRecord(value, collection, key));
    },
    delete: async (collection, key) => open(collection, key).delete(key),
    list: async (collection) => [...open(collection)].map(([key, text]) => ({ key, value: JSON.parse(text) as JsonValue })),
    close: async () => {
      closed = true;
    },
  };
}

/** JSON text of a record; a value JSON cannot hold (a cycle, a bigint, a function at the top) is `invalid_record`. */
export function stringifyRecord(value: JsonValue, collection: string, key: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new PlatformStoreError('invalid_record', `record ${collection}/${key} is not JSON: ${(e as Error).message}`, { collection, key });
  }
  if (text === undefined) throw new PlatformStoreError('invalid_record', `record ${collection}/${key} is not JSON`, { collection, key });
  return text;
}

/** The 1-based line and column of a character offset, as editors count them (columns in UTF-16 units). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}
