import type { OutgoingStore, StoredPublish } from '@linkwire/mqtt';

const OBJECTS = 'outgoing';

/**
 * An IndexedDB {@link OutgoingStore}: unacknowledged QoS 1 messages survive a page reload or a
 * browser restart. One object store keyed by `seq`; every put and delete is its own
 * transaction, which IndexedDB commits durably before the promise resolves.
 *
 * @example
 * const client = createWebMqttClient({ …, store: indexedDbStore('device-outgoing') });
 */
export function indexedDbStore(name: string, factory: IDBFactory = globalThis.indexedDB): OutgoingStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(OBJECTS, { keyPath: 'seq' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error(`cannot open IndexedDB ${name}`));
    }));
  const run = <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> =>
    open().then((d) => new Promise<T>((resolve, reject) => {
      const tx = d.transaction(OBJECTS, mode, { durability: 'strict' });
      const req = op(tx.objectStore(OBJECTS));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error(`IndexedDB ${mode} failed`));
    }));
  return {
    load: () => run('readonly', (s) => s.getAll() as IDBRequest<StoredPublish[]>),
    put: (m) => run('readwrite', (s) => s.put({ seq: m.seq, topic: m.topic, payload: m.payload, retain: m.retain })).then(() => {}),
    delete: (seq) => run('readwrite', (s) => s.delete(seq)).then(() => {}),
    close: () => {
      const d = db;
      db = undefined;
      return d?.then((x) => x.close(), () => {});
    },
  };
}
