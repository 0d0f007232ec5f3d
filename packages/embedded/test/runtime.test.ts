import { describe, expect, it } from 'vitest';
import { EmbeddedHostError, createEmbeddedRuntime, type EmbeddedHost } from '@linkwire/embedded';

/** A host that records every call, as a C host's test double would. */
function recordingHost(overrides: Partial<EmbeddedHost> = {}) {
  const calls: string[] = [];
  const host: EmbeddedHost = {
    now: () => 1_700_000_000_000,
    setTimer: (id, ms) => void calls.push(`setTimer ${id} ${ms}`),
    clearTimer: (id) => void calls.push(`clearTimer ${id}`),
    randomBytes: (n) => new Uint8Array(n).fill(7),
    connect: (id, endpoint) => void calls.push(`connect ${id} ${endpoint}`),
    send: (id, bytes) => void calls.push(`send ${id} ${Array.from(bytes).join(',')}`),
    close: (id) => void calls.push(`close ${id}`),
    ...overrides,
  };
  return { host, calls };
}
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('createEmbeddedRuntime', () => {
  it('refuses a host that lacks a function, naming it', () => {
    const { host } = recordingHost();
    const { send: _omitted, ...partial } = host;
    expect(() => createEmbeddedRuntime(partial as EmbeddedHost)).toThrow(EmbeddedHostError);
    expect(() => createEmbeddedRuntime(partial as EmbeddedHost)).toThrow(/must provide send\(\)/);
    expect(() => createEmbeddedRuntime(null as unknown as EmbeddedHost)).toThrow(/must provide now\(\) \(it provides nothing\)/);
  });

  it('clock: timers fire once through timerFired, cancel tells the host, late and unknown ids are ignored', () => {
    const { host, calls } = recordingHost();
    const rt = createEmbeddedRuntime(host);
    const fired: string[] = [];
    rt.clock.setTimer(100, () => fired.push('a'));
    const cancelB = rt.clock.setTimer(-5, () => fired.push('b'));
    rt.clock.setTimer(Number.NaN, () => fired.push('c'));
    expect(calls).toEqual(['setTimer 1 100', 'setTimer 2 0', 'setTimer 3 0']);
    expect(rt.pending.timers).toBe(3);
    cancelB();
    cancelB();
    expect(calls.filter((c) => c.startsWith('clearTimer'))).toEqual(['clearTimer 2']);
    rt.timerFired(2);
    rt.timerFired(1);
    rt.timerFired(1);
    rt.timerFired(99);
    rt.timerFired(3);
    expect(fired).toEqual(['a', 'c']);
    expect(rt.pending.timers).toBe(0);
    expect(rt.clock.now()).toBe(1_700_000_000_000);
  });

  it('random: passes the host bytes through and refuses short or foreign randomness', () => {
    expect(createEmbeddedRuntime(recordingHost().host).random(4)).toEqual(new Uint8Array([7, 7, 7, 7]));
    const short = createEmbeddedRuntime(recordingHost({ randomBytes: (n) => new Uint8Array(n - 1) }).host);
    expect(() => short.random(16)).toThrow(expect.objectContaining({ code: 'invalid_random' }));
    const foreign = createEmbeddedRuntime(recordingHost({ randomBytes: () => [1, 2] as unknown as Uint8Array }).host);
    expect(() => foreign.random(2)).toThrow(expect.objectContaining({ code: 'invalid_random' }));
  });

  it('dial: events arrive on a later microtask, in order, and nothing after close', async () => {
    const { host, calls } = recordingHost();
    const rt = createEmbeddedRuntime(host);
    const seen: string[] = [];
    const t = rt.dial('tcp://127.0.0.1:1883', {
      onOpen: () => seen.push('open'),
      onData: (b) => seen.push(`data ${Array.from(b).join(',')}`),
      onClose: (e) => seen.push(`close ${e?.message ?? ''}`),
    });
    expect(calls).toEqual(['connect 1 tcp://127.0.0.1:1883']);
    rt.opened(1);
    rt.received(1, new Uint8Array([1, 2]));
    expect(seen).toEqual([]); // never from inside the host's call
    await tick();
    expect(seen).toEqual(['open', 'data 1,2']);
    t.send(new Uint8Array([9]));
    expect(calls.at(-1)).toBe('send 1 9');
    expect(rt.pending.connections).toBe(1);
    t.close();
    t.close();
    expect(calls.filter((c) => c.startsWith('close'))).toEqual(['close 1']);
    t.send(new Uint8Array([10]));
    rt.received(1, new Uint8Array([3]));
    rt.closed(1, 'reset');
    await tick();
    expect(seen).toEqual(['open', 'data 1,2']);
    expect(calls.at(-1)).toBe('close 1');
    expect(rt.pending.connections).toBe(0);
  });

  it('dial: the host closing reports once with the reason; a host that throws from connect reports a close', async () => {
    const { host } = recordingHost();
    const rt = createEmbeddedRuntime(host);
    const seen: string[] = [];
    const events = { onData: () => undefined, onClose: (e?: Error) => seen.push(`close ${e instanceof EmbeddedHostError ? e.code : e?.message}`) };
    rt.dial('tcp://a', events);
    rt.closed(1, 'connection refused');
    rt.closed(1, 'again');
    await tick();
    expect(seen).toEqual(['close connection_closed']);
    const throwing = createEmbeddedRuntime(recordingHost({ connect: () => { throw new Error('no route'); } }).host);
    throwing.dial('tcp://b', events);
    await tick();
    expect(seen).toEqual(['close connection_closed', 'close no route']);
    expect(throwing.pending.connections).toBe(0);
    expect(() => rt.received(1, 'text' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'invalid_bytes' }));
  });
});

describe('hostile input (npm run fuzz, issue 24)', () => {
  it('hostile ids, bytes, reasons, byte counts, callbacks and clock readings are typed errors (seeds 1384671837, 1388683192)', async () => {
    const { host } = recordingHost();
    const rt = createEmbeddedRuntime(host);
    // The reproducers: a null-prototype id in received() (String() threw), 2^32 + 1 random bytes (the host's RangeError).
    expect(() => rt.received(Object.create(null) as never, 0 as never)).toThrow(expect.objectContaining({ code: 'invalid_bytes' }));
    expect(() => rt.random(2 ** 32 + 1)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => rt.random(-1)).toThrow(EmbeddedHostError);
    expect(() => rt.clock.setTimer(10, 5 as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    const late = createEmbeddedRuntime(recordingHost({ now: () => undefined as never }).host);
    expect(() => late.clock.now()).toThrow(expect.objectContaining({ code: 'invalid_clock' }));
    let reason: unknown;
    rt.dial('tcp://h:1', { onData: () => undefined, onClose: (e) => (reason = e) });
    rt.closed(1, Object.create(null) as never);
    await tick();
    expect(reason).toBeInstanceOf(EmbeddedHostError);
    expect((reason as EmbeddedHostError).code).toBe('connection_closed');
  });
});
