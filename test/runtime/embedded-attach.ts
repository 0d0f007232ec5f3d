/**
 * The engine side of the QuickJS legs: binds the host's functions (clock, timers, random bytes,
 * byte streams) through @linkwire/embedded and hands back the entry points the host calls.
 * Bundled into each engine flow (embedded-device.ts, embedded-enos.ts).
 */
import { createEmbeddedRuntime, type EmbeddedHost, type EmbeddedRuntime } from '@linkwire/embedded';

/** What the host calls; `bytes` cross the boundary as ArrayBuffers. */
export interface EngineEntry {
  timerFired(id: number): void;
  opened(id: number): void;
  received(id: number, bytes: ArrayBuffer): void;
  closed(id: number, reason?: string): void;
  pending(): string;
}

/** The host's functions as QuickJS sees them: ArrayBuffers instead of Uint8Arrays. */
export interface RawHost extends Omit<EmbeddedHost, 'randomBytes' | 'send'> {
  randomBytes(n: number): ArrayBuffer;
  send(id: number, bytes: ArrayBuffer): void;
}

let runtime: EmbeddedRuntime | undefined;

/** The runtime bound by the last `attach`. */
export function engineRuntime(): EmbeddedRuntime {
  if (runtime === undefined) throw new Error('attach the host first');
  return runtime;
}

/** Binds the host; returns the entry points the host calls back. */
export function attach(raw: RawHost): EngineEntry {
  runtime = createEmbeddedRuntime({
    ...raw,
    now: () => raw.now(),
    setTimer: (id, ms) => raw.setTimer(id, ms),
    clearTimer: (id) => raw.clearTimer(id),
    connect: (id, endpoint) => raw.connect(id, endpoint),
    close: (id) => raw.close(id),
    randomBytes: (n) => new Uint8Array(raw.randomBytes(n)),
    send: (id, bytes) => raw.send(id, bytes.slice().buffer),
  });
  const rt = runtime;
  return {
    timerFired: (id) => rt.timerFired(id),
    opened: (id) => rt.opened(id),
    received: (id, bytes) => rt.received(id, new Uint8Array(bytes)),
    closed: (id, reason) => rt.closed(id, reason),
    pending: () => JSON.stringify(rt.pending),
  };
}
