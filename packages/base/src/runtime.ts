import { functionOption, integerOption, numberOption } from './options.ts';
/**
 * The seams between the pure core and the outside world. Codecs take `now: number` where time
 * matters; state machines that need timers take a Clock; randomness is a Random. A test passes
 * a manual clock and a seeded random, so every timeout and backoff is exact.
 */

/** Milliseconds since the Unix epoch, and timers. `setTimer` returns a function that cancels. */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): () => void;
}

/** Returns `n` random bytes. Production adapters pass a CSPRNG (crypto.getRandomValues). */
export type Random = (n: number) => Uint8Array;

/** What an adapter hands a session: a way to send bytes and to close. */
export interface ByteTransport {
  send(bytes: Uint8Array): void;
  close(): void;
}

/** What a session hands an adapter: where received bytes, close and errors go. Call them as methods (`events.onData(b)`): they may be prototype methods. */
export interface TransportEvents {
  /** The connection is open and `send` may be called (TCP connected, TLS handshake done, WebSocket open). */
  onOpen?(): void;
  onData(bytes: Uint8Array): void;
  /** Called at most once, after which the transport sends and delivers nothing. */
  onClose(error?: Error): void;
}

/**
 * Opens a byte transport to `endpoint` and reports through `events`. It must not call `events`
 * synchronously from inside `dial`, and calls `onClose` at most once (a failed open included);
 * after the caller's own `close()` it need not call it at all. Bytes sent before `onOpen` may be dropped: callers wait for it. The adapters in
 * @linkwire/node (TCP, TLS, WebSocket) and @linkwire/web (WebSocket) implement it; an embedded
 * engine supplies its own.
 */
export type Dialer<E> = (endpoint: E, events: TransportEvents) => ByteTransport;

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told: `advance(ms)` fires due timers in time order. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Number of timers still pending. */
  pending(): number;
}

/** A deterministic {@link Clock} for tests and simulations. */
export function manualClock(start = 0): ManualClock {
  let now = numberOption('start', start, 0, -Number.MAX_VALUE, Number.MAX_VALUE);
  let seq = 0;
  let timers: PendingTimer[] = [];
  return {
    now: () => now,
    setTimer(ms, fn) {
      numberOption('ms', ms, 0, -Infinity, Infinity);
      functionOption('fn', fn);
      const t: PendingTimer = { at: now + Math.max(0, ms), seq: seq++, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    advance(ms) {
      numberOption('ms', ms, 0, 0, Number.MAX_VALUE);
      const end = now + ms;
      for (;;) {
        let next: PendingTimer | undefined;
        for (const t of timers) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
        if (next === undefined) break;
        timers = timers.filter((x) => x !== next);
        now = next.at;
        next.fn();
      }
      now = end;
    },
    pending: () => timers.length,
  };
}

/**
 * A seeded pseudo-random byte source (xorshift32) for tests and simulations. Never use it for
 * secrets: production code takes a CSPRNG from its adapter.
 */
export function seededRandom(seed: number): Random {
  let x = numberOption('seed', seed, 0, -Infinity, Infinity) >>> 0 || 0x9e3779b9;
  return (n) => {
    integerOption('n', n, 0, 0, 1 << 20);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}
