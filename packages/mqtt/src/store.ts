import { MqttError } from './errors.ts';
/**
 * The seam for outgoing QoS 1 messages that must survive a process restart. The client puts a
 * message when `publish` accepts it and deletes it when the PUBACK arrives; at start it loads
 * what the last process left and sends it first, in order, with DUP set. Implementations:
 * {@link memoryStore} here, a file store in @linkwire/node, an IndexedDB store in @linkwire/web.
 */
export interface StoredPublish {
  /** Client-local order; increases with every accepted message. */
  readonly seq: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly retain: boolean;
}

export interface OutgoingStore {
  /** Every message put and not deleted, in `seq` order. Called once, before the first connection. */
  load(): Promise<readonly StoredPublish[]> | readonly StoredPublish[];
  put(message: StoredPublish): Promise<void> | void;
  delete(seq: number): Promise<void> | void;
  /** Writes what is pending and releases the store; called by the client's `end()`. */
  close?(): Promise<void> | void;
}

/** An in-memory {@link OutgoingStore}: outlives a client instance, but not a restart. */
export interface MemoryStore extends OutgoingStore {
  readonly size: number;
}

/**
 * @example
 * const store = memoryStore();
 * const a = createMqttClient({ …, store });   // a ends with messages unacknowledged
 * const b = createMqttClient({ …, store });   // b sends them first
 */
export function memoryStore(): MemoryStore {
  const messages = new Map<number, StoredPublish>();
  return {
    get size() {
      return messages.size;
    },
    load: () => [...messages.values()].sort((a, b) => a.seq - b.seq),
    put(m) {
      if (typeof m !== 'object' || m === null || typeof m.seq !== 'number') throw new MqttError('invalid_argument', 'a stored publish is an object with a numeric seq');
      messages.set(m.seq, m);
    },
    delete(seq) {
      messages.delete(seq);
    },
  };
}
