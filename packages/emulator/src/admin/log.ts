import { topicMatches } from '@linkwire/mqtt';

/**
 * What the console and the admin API show of the traffic: every message a device sent
 * (`up`) and every message the platform sent (`down`), and the devices' comings and goings
 * (`online`, `offline`, `refused`), in one numbered, bounded log.
 */
export type LogEntry = MessageEntry | PresenceEntry;

export interface MessageEntry {
  readonly seq: number;
  readonly time: number;
  readonly kind: 'message';
  readonly direction: 'up' | 'down';
  readonly productKey: string | undefined;
  readonly deviceName: string | undefined;
  readonly topic: string;
  /** The payload as text (`<n bytes>` when it is not UTF-8), cut at {@link MAX_LOGGED_PAYLOAD} characters. */
  readonly payload: string;
  readonly truncated: boolean;
  /** The Alink `code` of a reply, when the payload is one. */
  readonly code: number | undefined;
  /** The Alink `method` of a request, when the payload names one. */
  readonly method: string | undefined;
}

export interface PresenceEntry {
  readonly seq: number;
  readonly time: number;
  /** `fault`: a fault changed how the platform answered a request (`detail` says how). */
  readonly kind: 'online' | 'offline' | 'refused' | 'fault';
  readonly productKey: string;
  readonly deviceName: string;
  readonly detail: string;
}

/** Entries kept: older ones fall off the front. With the payload cap this bounds the log's memory (~20 MB). */
export const LOG_CAPACITY = 5000;
/** Characters of a payload kept per entry. */
export const MAX_LOGGED_PAYLOAD = 4096;

export interface LogQuery {
  /** `{productKey}/{deviceName}`, or a product key alone. */
  readonly device?: string;
  /** An MQTT topic filter (`+`, `#`) or a topic. */
  readonly topic?: string;
  /** Entries with a sequence number below this (the next page of a newest-first listing). */
  readonly before?: number;
  /** Entries with a sequence number above this (what came since). */
  readonly after?: number;
  readonly limit: number;
}

export interface MessageLog {
  add(entry: Omit<MessageEntry, 'seq'> | Omit<PresenceEntry, 'seq'>): LogEntry;
  /** Newest first, at most `limit`; `next` is the `before` of the following page, when there is one. */
  query(q: LogQuery): { readonly entries: readonly LogEntry[]; readonly next: number | undefined };
  /** Called with every entry added; returns the function that stops it. */
  listen(listener: (entry: LogEntry) => void): () => void;
  readonly size: number;
}

export function createMessageLog(capacity = LOG_CAPACITY): MessageLog {
  // A ring: `start` is the oldest entry's slot once the ring has wrapped.
  const ring: LogEntry[] = [];
  let start = 0;
  let seq = 0;
  const listeners = new Set<(entry: LogEntry) => void>();
  const at = (i: number): LogEntry => ring[(start + i) % ring.length]!;

  return {
    add(e) {
      const entry = { ...e, seq: ++seq } as LogEntry;
      if (ring.length < capacity) ring.push(entry);
      else {
        ring[start] = entry;
        start = (start + 1) % capacity;
      }
      for (const l of listeners) {
        try {
          l(entry);
        } catch {
          // A listener's failure (a closed stream) is its own.
        }
      }
      return entry;
    },
    query(q) {
      const entries: LogEntry[] = [];
      let next: number | undefined;
      for (let i = ring.length - 1; i >= 0; i--) {
        const e = at(i);
        if (q.before !== undefined && e.seq >= q.before) continue;
        if (q.after !== undefined && e.seq <= q.after) break;
        if (!matches(e, q)) continue;
        if (entries.length === q.limit) {
          next = entries[entries.length - 1]!.seq;
          break;
        }
        entries.push(e);
      }
      return { entries, next };
    },
    listen(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get size() {
      return ring.length;
    },
  };
}

/** Whether an entry passes a query's device and topic filters. */
export function matches(e: LogEntry, q: Pick<LogQuery, 'device' | 'topic'>): boolean {
  if (q.device !== undefined) {
    const slash = q.device.indexOf('/');
    if (slash < 0 ? e.productKey !== q.device : `${e.productKey}/${e.deviceName}` !== q.device) return false;
  }
  if (q.topic !== undefined) {
    if (e.kind !== 'message') return false;
    if (e.topic !== q.topic && !topicMatches(q.topic, e.topic)) return false;
  }
  return true;
}
