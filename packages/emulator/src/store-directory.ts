import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonError, parseJson, type JsonValue } from '@linkwire/base';
import { checkStoreKey, lineAndColumn, PlatformStoreError, stringifyRecord, type PlatformStore } from './store.ts';

/** A record larger than this is refused on read (the largest is a 64 MiB firmware image in base64). */
const MAX_RECORD_TEXT = 96 * 1024 * 1024;

/**
 * A {@link PlatformStore} in a directory: `{dir}/{collection}/{key}.json`, one file a record,
 * so a record is replaced whole and a damaged file damages one record, not the store.
 *
 * - **Atomic writes**: a record is written to a hidden temporary file beside its place, flushed
 *   to the disk (`fsync`) and renamed over the old one; a crash leaves the old record or the new
 *   one, never half of either. Temporary names start with `.`, and `list` skips them.
 * - **File names**: letters, digits, `_` and `-` of a key stay as they are; every other
 *   character is `%XX` per UTF-8 byte (`a1B2c3D4e5F&sensor-01` → `a1B2c3D4e5F%26sensor-01.json`),
 *   so a key can never name a path elsewhere (`..`, `/`).
 * - **Corrupt records** (a file edited by hand, a disk that lost bytes) reject with
 *   `corrupt_record`, naming the file and the line and column where the JSON breaks.
 * - **One process at a time**: `{dir}/lock` holds the owner's pid; a second live process gets
 *   `locked`. A lock left by a process that died is taken over.
 *
 * @example
 * const store = directoryStore('./state');
 * await store.put('devices', 'pk&dn', { secret: '…' });
 */
export function directoryStore(dir: string): PlatformStore {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(`cannot create the state directory ${dir}`, e);
  }
  const lockFile = join(dir, 'lock');
  takeLock(lockFile);
  let closed = false;
  let counter = 0;
  const madeDirs = new Set<string>();
  const fileOf = (collection: string, key: string): string => {
    if (closed) throw new PlatformStoreError('closed', 'the store is closed');
    checkStoreKey(collection, key);
    const name = encodeKey(key);
    // File systems take names of 255 bytes; the temporary name adds the pid and a counter.
    if (name.length > 220) throw new PlatformStoreError('invalid_key', `store key ${JSON.stringify(key)} is too long for a file name once encoded`, { collection, key });
    return join(dir, collection, `${name}.json`);
  };
  const collectionDir = async (collection: string): Promise<string> => {
    const d = join(dir, collection);
    if (!madeDirs.has(d)) {
      await mkdir(d, { recursive: true }).catch((e: unknown) => {
        throw ioError(`cannot create ${d}`, e);
      });
      madeDirs.add(d);
    }
    return d;
  };
  const read = async (file: string, collection: string, key: string): Promise<JsonValue | undefined> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError(`cannot read ${file}`, e, { collection, key, file });
    }
    return parseRecord(text, file, collection, key);
  };

  return {
    get: async (collection, key) => read(fileOf(collection, key), collection, key),
    async put(collection, key, value) {
      const file = fileOf(collection, key);
      const text = stringifyRecord(value, collection, key);
      const d = await collectionDir(collection);
      const tmp = join(d, `.${encodeKey(key)}.${process.pid}.${++counter}.tmp`);
      try {
        const handle = await open(tmp, 'w', 0o600);
        try {
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, file);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw ioError(`cannot write ${file}`, e, { collection, key, file });
      }
    },
    async delete(collection, key) {
      const file = fileOf(collection, key);
      try {
        await unlink(file);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw ioError(`cannot delete ${file}`, e, { collection, key, file });
      }
    },
    async list(collection) {
      fileOf(collection, 'x');
      const d = join(dir, collection);
      let names: string[];
      try {
        names = await readdir(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw ioError(`cannot list ${d}`, e, { collection });
      }
      const out: { key: string; value: JsonValue }[] = [];
      for (const name of names.sort()) {
        if (name.startsWith('.') || !name.endsWith('.json')) continue;
        const key = decodeKey(name.slice(0, -5));
        if (key === undefined) continue;
        const value = await read(join(d, name), collection, key);
        if (value !== undefined) out.push({ key, value });
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile);
      } catch {
        // Gone already: nothing to release.
      }
    },
  };
}

/** Reads a record's text: JSON (no `__proto__` keys, bounded depth) or `corrupt_record` with its line and column. */
export function parseRecord(text: string, file: string, collection: string, key: string): JsonValue {
  try {
    return parseJson(text, { maxBytes: MAX_RECORD_TEXT, maxDepth: 64 });
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    // The engine's parser gives no position; the exact one (which refuses duplicate keys too) does.
    let offset = e.offset;
    if (offset === undefined && e.code === 'syntax') {
      try {
        parseJson(text, { maxBytes: MAX_RECORD_TEXT, maxDepth: 64, duplicateKeys: 'reject' });
      } catch (exact) {
        if (exact instanceof JsonError) offset = exact.offset;
      }
    }
    const at = lineAndColumn(text, offset ?? text.length);
    const where = offset === undefined ? '' : ` at line ${at.line}, column ${at.column}`;
    throw new PlatformStoreError('corrupt_record', `${file} is not a valid record${where}: ${e.message}`, {
      file, collection, key, ...(offset === undefined ? {} : at),
    });
  }
}

const KEEP = /[A-Za-z0-9_-]/;

/** A key as a file name: unreserved ASCII kept, everything else `%XX` per UTF-8 byte. */
export function encodeKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (KEEP.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of {@link encodeKey}; undefined for a name it would not have made. */
export function decodeKey(name: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/.test(name)) return undefined;
  try {
    const key = decodeURIComponent(name);
    return encodeKey(key) === name ? key : undefined;
  } catch {
    return undefined;
  }
}

function takeLock(lockFile: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot create ${lockFile}`, e, { file: lockFile });
    }
    const owner = Number(readFileSafe(lockFile).trim());
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new PlatformStoreError('locked', `${lockFile}: process ${owner} is using this state directory`, { file: lockFile });
    }
    // A lock of a process that is gone (or of ours, reopened): take it over.
    try {
      unlinkSync(lockFile);
    } catch {
      // Raced with another taker: the next attempt settles it.
    }
  }
  throw new PlatformStoreError('locked', `${lockFile}: another process took the state directory`, { file: lockFile });
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ioError(message: string, cause: unknown, where: ConstructorParameters<typeof PlatformStoreError>[2] = {}): PlatformStoreError {
  return new PlatformStoreError('io', `${message}: ${(cause as Error)?.message ?? String(cause)}`, where, { cause });
}
