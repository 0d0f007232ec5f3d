import type { OutgoingStore, StoredPublish } from '@linkwire/mqtt';

// The slice of IndexedDB this store uses, declared here: Deno has no IndexedDB (nor its types),
// and this module must type-check there too. Browsers' IDBFactory satisfies it.
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbObjectStore {
  getAll(): IdbRequest<unknown[]>;
  put(value: unknown): IdbRequest<unknown>;
  delete(key: number): IdbRequest<unknown>;
}
interface IdbTransaction {
  readonly error: unknown;
  objectStore(name: string): IdbObjectStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface IdbDatabase {
  createObjectStore(name: string, options: { keyPath: string }): unknown;
  transaction(name: string, mode: 'readonly' | 'readwrite', options?: { durability?: 'strict' | 'relaxed' | 'default' }): IdbTransaction;
  close(): void;
}
/** What `indexedDB` is in a browser: pass another (fake-indexeddb, a worker's) where there is none. */
export interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}

const OBJECTS = 'outgoing';

/**
 * An IndexedDB {@link OutgoingStore}: unacknowledged QoS 1 messages survive a page reload or a
 * browser restart. One object store keyed by `seq`; every put and delete is its own `strict`
 * transaction, which IndexedDB has made durable when the promise resolves.
 *
 * @example
 * const client = createWebMqttClient({ …, store: indexedDbStore('device-outgoing') });
 */
export function indexedDbStore(name: string, factory?: IdbFactory): OutgoingStore {
  let db: Promise<IdbDatabase> | undefined;
  const open = (): Promise<IdbDatabase> =>
    (db ??= new Promise<IdbDatabase>((resolve, reject) => {
      const f = factory ?? (globalThis as { indexedDB?: IdbFactory }).indexedDB;
      if (f === undefined) return reject(new Error('this runtime has no IndexedDB: pass a factory, or use another store'));
      const req = f.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(OBJECTS, { keyPath: 'seq' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error(`cannot open IndexedDB ${name}`));
    }));
  const run = <T>(mode: 'readonly' | 'readwrite', op: (s: IdbObjectStore) => IdbRequest<T>): Promise<T> =>
    open().then((d) => new Promise<T>((resolve, reject) => {
      const tx = d.transaction(OBJECTS, mode, { durability: 'strict' });
      const req = op(tx.objectStore(OBJECTS));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error(`IndexedDB ${mode} failed`));
    }));
  return {
    load: () => run('readonly', (s) => s.getAll()).then((all) => all as StoredPublish[]),
    put: (m) => run('readwrite', (s) => s.put({ seq: m.seq, topic: m.topic, payload: m.payload, retain: m.retain })).then(() => {}),
    delete: (seq) => run('readwrite', (s) => s.delete(seq)).then(() => {}),
    close: () => {
      const d = db;
      db = undefined;
      return d?.then((x) => x.close(), () => {});
    },
  };
}
