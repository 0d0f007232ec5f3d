import { LinkwireError, type Clock } from '@linkwire/base';

/** A request whose reply never came, or a tracker that is full or closed. */
export class DeviceError extends LinkwireError {}

export interface ReplyTrackerOptions {
  readonly clock: Clock;
  /** How long a request waits for its reply, default 10 s. */
  readonly timeoutMs?: number;
  /** Most requests awaiting replies at once, default 1000. */
  readonly maxPending?: number;
}

/**
 * Correlates Alink replies with requests. A reply matches on both its topic and its id, so a
 * late or colliding id on another topic never settles the wrong request; every entry expires,
 * so the table cannot grow without bound.
 */
export interface ReplyTracker<T> {
  /** Registers a request; the promise settles with the reply or rejects on timeout. */
  expect(replyTopic: string, id: string): Promise<T>;
  /** Offers a received message; true when it settled a pending request. */
  settle(replyTopic: string, id: string, reply: T): boolean;
  /** Rejects everything pending (the connection closed). */
  cancelAll(reason: Error): void;
  readonly pending: number;
}

export function createReplyTracker<T>(options: ReplyTrackerOptions): ReplyTracker<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxPending = options.maxPending ?? 1000;
  const table = new Map<string, { resolve(v: T): void; reject(e: Error): void; cancel: () => void }>();
  const key = (topic: string, id: string): string => `${topic}\u0000${id}`;
  return {
    get pending() {
      return table.size;
    },
    expect(replyTopic, id) {
      const k = key(replyTopic, id);
      if (table.has(k)) return Promise.reject(new DeviceError('duplicate_id', `a request with id ${id} already awaits ${replyTopic}`));
      if (table.size >= maxPending) return Promise.reject(new DeviceError('too_many_pending', `${maxPending} requests already await replies`));
      return new Promise<T>((resolve, reject) => {
        const cancel = options.clock.setTimer(timeoutMs, () => {
          table.delete(k);
          reject(new DeviceError('reply_timeout', `no reply on ${replyTopic} for id ${id} within ${timeoutMs} ms`));
        });
        table.set(k, { resolve, reject, cancel });
      });
    },
    settle(replyTopic, id, reply) {
      const k = key(replyTopic, id);
      const entry = table.get(k);
      if (entry === undefined) return false;
      table.delete(k);
      entry.cancel();
      entry.resolve(reply);
      return true;
    },
    cancelAll(reason) {
      for (const e of table.values()) {
        e.cancel();
        e.reject(reason);
      }
      table.clear();
    },
  };
}

/**
 * Alink message ids: decimal strings of at most 10 digits, unique per device (seed §4),
 * counting up from `start` and wrapping before 2^32.
 */
export function messageIds(start = 1): () => string {
  let next = Math.max(1, Math.floor(start)) % 4294967296 || 1;
  return () => {
    const id = String(next);
    next = next === 4294967295 ? 1 : next + 1;
    return id;
  };
}
