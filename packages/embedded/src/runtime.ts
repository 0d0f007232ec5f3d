import { describe, LinkwireError, requiredFunction, type Clock, type Dialer, type Random, type TransportEvents } from '@linkwire/base';

/**
 * What an embedding host provides: a clock, one-shot timers, random bytes and byte streams,
 * named by small integer ids so that nothing but numbers, strings and bytes crosses the
 * boundary between the host and the engine. Each call returns at once; results come back
 * through the {@link EmbeddedRuntime} entry points.
 */
export interface EmbeddedHost {
  /** Milliseconds since the Unix epoch (signing timestamps, NTP, token windows). */
  now(): number;
  /** Arms timer `id` to fire once after `ms`: the host then calls `runtime.timerFired(id)`. */
  setTimer(id: number, ms: number): void;
  /** Disarms timer `id`; a late `timerFired(id)` is ignored anyway. */
  clearTimer(id: number): void;
  /** `n` bytes from a cryptographically strong source. */
  randomBytes(n: number): Uint8Array;
  /**
   * Opens byte stream `id` to `endpoint` (whatever the host understands: `tcp://host:port`,
   * `tls://…`, `ws://…`). The host then calls `opened(id)` once it may carry bytes,
   * `received(id, bytes)` for each chunk, and `closed(id, reason?)` exactly once when it ends
   * (also when it never opened).
   */
  connect(id: number, endpoint: string): void;
  /** Writes bytes to stream `id`, in order. */
  send(id: number, bytes: Uint8Array): void;
  /** Closes stream `id`; the host reports nothing more for it. */
  close(id: number): void;
}

/** What the engine hands linkwire (the seams of @linkwire/base) and the host calls back. */
export interface EmbeddedRuntime {
  readonly clock: Clock;
  readonly random: Random;
  /** A dialer over the host's byte streams, for `createMqttClient` and the other clients. */
  readonly dial: Dialer<string>;
  timerFired(id: number): void;
  opened(id: number): void;
  received(id: number, bytes: Uint8Array): void;
  closed(id: number, reason?: string): void;
  /** Timers armed and streams open now: a host checks both are 0 after shutting down. */
  readonly pending: { readonly timers: number; readonly connections: number };
}

/** A host that breaks the contract: a missing function, short random bytes, a bad id. */
export class EmbeddedHostError extends LinkwireError {}

/** The most random bytes one call asks the host for (linkwire asks for at most a few dozen). */
const MAX_RANDOM_BYTES = 65_536;

const HOST_FUNCTIONS = ['now', 'setTimer', 'clearTimer', 'randomBytes', 'connect', 'send', 'close'] as const;

interface Stream {
  readonly events: TransportEvents;
  open: boolean;
}

/**
 * Builds linkwire's seams (Clock, Random, a dialer) over an {@link EmbeddedHost}. Everything
 * the engine is told by the host is delivered on a fresh microtask, so a host that answers
 * from inside `connect` or `send` cannot re-enter a client mid-step.
 *
 * @example
 * const runtime = createEmbeddedRuntime(host);
 * host.onTimer = (id) => runtime.timerFired(id); // and opened / received / closed likewise
 * const client = createMqttClient({ clock: runtime.clock, random: runtime.random, dial: runtime.dial, endpoint: 'tcp://broker:1883', … });
 */
export function createEmbeddedRuntime(host: EmbeddedHost): EmbeddedRuntime {
  for (const name of HOST_FUNCTIONS) {
    if (typeof (host as unknown as Record<string, unknown>)?.[name] !== 'function') {
      throw new EmbeddedHostError('invalid_host', `the host must provide ${name}() (it provides ${HOST_FUNCTIONS.filter((n) => typeof (host as unknown as Record<string, unknown>)?.[n] === 'function').join(', ') || 'nothing'})`);
    }
  }
  const timers = new Map<number, () => void>();
  const streams = new Map<number, Stream>();
  let nextTimer = 1;
  let nextStream = 1;
  const later = (fn: () => void): void => {
    void Promise.resolve().then(fn);
  };

  const clock: Clock = {
    now() {
      const t: unknown = host.now();
      if (typeof t !== 'number' || !Number.isFinite(t)) throw new EmbeddedHostError('invalid_clock', `the host's now() returned ${describe(t)}, not milliseconds`);
      return t;
    },
    setTimer(ms, fn) {
      requiredFunction('fn', fn);
      const id = nextTimer++;
      timers.set(id, fn);
      host.setTimer(id, Number.isFinite(ms) && ms > 0 ? ms : 0);
      return () => {
        if (timers.delete(id)) host.clearTimer(id);
      };
    },
  };

  const random: Random = (n) => {
    if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) throw new EmbeddedHostError('invalid_argument', `random(n) takes a whole number of bytes up to ${MAX_RANDOM_BYTES}, got ${describe(n)}`);
    const bytes = host.randomBytes(n);
    // Short or foreign randomness would weaken every nonce and jitter silently: refuse it.
    if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
      throw new EmbeddedHostError('invalid_random', `the host's randomBytes(${describe(n)}) returned ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes}`);
    }
    return bytes;
  };

  const dial: Dialer<string> = (endpoint, events) => {
    const id = nextStream++;
    const stream: Stream = { events, open: true };
    streams.set(id, stream);
    try {
      host.connect(id, endpoint);
    } catch (e) {
      streams.delete(id);
      stream.open = false;
      const error = e instanceof Error ? e : new EmbeddedHostError('connect_failed', `the host could not open ${endpoint}`);
      later(() => events.onClose(error));
    }
    return {
      send(bytes) {
        if (stream.open) host.send(id, bytes);
      },
      close() {
        if (!stream.open) return;
        stream.open = false;
        streams.delete(id);
        host.close(id);
      },
    };
  };

  // Host → engine: each event for a stream that is still ours, on a fresh microtask.
  const deliver = (id: number, fn: (s: Stream) => void): void => {
    later(() => {
      const s = streams.get(id);
      if (s !== undefined && s.open) fn(s);
    });
  };

  return {
    clock,
    random,
    dial,
    timerFired(id) {
      const fn = timers.get(id);
      if (fn === undefined) return;
      timers.delete(id);
      fn();
    },
    opened(id) {
      deliver(id, (s) => s.events.onOpen?.());
    },
    received(id, bytes) {
      if (!(bytes instanceof Uint8Array)) throw new EmbeddedHostError('invalid_bytes', `received(${describe(id)}, …) needs a Uint8Array, got ${describe(bytes)}`);
      deliver(id, (s) => s.events.onData(bytes));
    },
    closed(id, reason) {
      deliver(id, (s) => {
        s.open = false;
        streams.delete(id);
        s.events.onClose(reason === undefined ? undefined : new EmbeddedHostError('connection_closed', typeof reason === 'string' ? reason : describe(reason)));
      });
    },
    get pending() {
      return { timers: timers.size, connections: streams.size };
    },
  };
}
