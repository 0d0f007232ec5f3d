import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, seededRandom, utf8Decode } from '@linkwire/base';
import {
  MqttConnectError, backoffDelay, createMqttClient, encodePacket, memoryStore,
  type MqttClientEvent, type MqttClientOptions, type PublishPacket,
} from '@linkwire/mqtt';
import { numRuns } from '../../../test/support/fast-check.ts';
import { clientOperation, malformedBytes, scriptedNetwork, settle, type FakeConnection } from '@linkwire/mqtt/testing';

function harness(extra: Partial<MqttClientOptions<string>> = {}) {
  const clock = manualClock(1_000_000);
  const net = scriptedNetwork();
  const events: MqttClientEvent[] = [];
  const messages: PublishPacket[] = [];
  const attempts: number[] = [];
  const client = createMqttClient({
    clock, random: seededRandom(7), dial: net.dial, endpoint: 'broker',
    credentials: (attempt) => {
      attempts.push(attempt);
      return { clientId: 'c1', username: 'u', password: `p${attempt}` };
    },
    backoff: { minMs: 1000, maxMs: 30_000 },
    onEvent: (e) => events.push(e),
    onMessage: (m) => messages.push(m),
    ...extra,
  });
  return { clock, net, events, messages, attempts, client, types: () => events.map((e) => e.type) };
}

async function connectedHarness(extra: Partial<MqttClientOptions<string>> = {}, sessionPresent = false) {
  const h = harness(extra);
  await settle();
  h.net.last().accept(sessionPresent);
  await h.client.whenConnected();
  return h;
}

const publishes = (c: FakeConnection) => c.received.filter((p): p is PublishPacket => p.type === 'publish');
const codeOf = (e: MqttClientEvent | undefined) => (e !== undefined && 'reason' in e ? (e.reason as { code?: string }).code : undefined);

/** Lets the reconnect delay elapse and the next attempt dial. */
async function nextAttempt(h: ReturnType<typeof harness>) {
  const r = [...h.events].reverse().find((e) => e.type === 'reconnecting') as { delayMs: number };
  h.clock.advance(r.delayMs);
  await settle();
}

describe('createMqttClient: connecting', () => {
  it('asks for credentials on every attempt and sends them in CONNECT', async () => {
    const h = harness({ keepalive: 45 });
    await settle();
    const first = h.net.last();
    first.open();
    expect(first.received[0]).toMatchObject({ type: 'connect', clientId: 'c1', username: 'u', keepalive: 45, cleanSession: true });
    expect(utf8Decode((first.received[0] as { password: Uint8Array }).password)).toBe('p1');
    first.drop(new Error('reset'));
    await nextAttempt(h);
    h.net.last().open();
    expect(utf8Decode((h.net.last().received[0] as { password: Uint8Array }).password)).toBe('p2');
    expect(h.attempts).toEqual([1, 2]);
    h.net.last().reply({ type: 'connack', sessionPresent: false, returnCode: 0 });
    expect(h.client.state).toBe('connected');
    expect(h.types()).toEqual(['connecting', 'disconnected', 'reconnecting', 'connecting', 'connected']);
    await h.client.end();
    expect(h.clock.pending()).toBe(0);
  });

  it('takes keepalive from the credentials, and refuses the keepAlive spelling by type and at run time', async () => {
    const h = harness({ credentials: () => ({ clientId: 'k', keepalive: 300 }) });
    await settle();
    h.net.last().open();
    expect(h.net.last().received[0]).toMatchObject({ keepalive: 300 });
    await h.client.end();
    const bad = { keepAlive: 300 } as unknown as { keepAlive?: never };
    expect(() => createMqttClient({ clock: manualClock(), random: seededRandom(1), dial: scriptedNetwork().dial, endpoint: 'x', credentials: { clientId: 'x' }, ...bad })).toThrowError(/spelled `keepalive`/);
    // @ts-expect-error: the other spelling does not type-check
    const typed: Parameters<typeof createMqttClient>[0]['credentials'] = { clientId: 'x', keepAlive: 30 };
    const events: MqttClientEvent[] = [];
    const c = createMqttClient({ clock: manualClock(), random: seededRandom(1), dial: scriptedNetwork().dial, endpoint: 'x', credentials: typed, onEvent: (e) => events.push(e) });
    await settle();
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: { code: 'invalid_option' } });
    await c.end();
  });

  it('fails a dead host within connectTimeoutMs and retries', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    await settle();
    h.clock.advance(4999);
    expect(h.client.state).toBe('connecting');
    h.clock.advance(1);
    expect(codeOf(h.events.find((e) => e.type === 'disconnected'))).toBe('connect_timeout');
    expect(h.net.last().closedByClient).toBe(true);
    expect(h.client.state).toBe('reconnecting');
    await h.client.end();
    expect(h.clock.pending()).toBe(0);
  });

  it('a dialer or credentials callback that throws is a failed attempt, retried', async () => {
    let n = 0;
    const h = harness({ credentials: () => { if (++n === 1) throw new Error('token service down'); return { clientId: 'x' }; } });
    await settle();
    expect(h.types()).toEqual(['connecting', 'disconnected', 'reconnecting']);
    await nextAttempt(h);
    h.net.last().accept();
    expect(h.client.state).toBe('connected');
    await h.client.end();
  });
});

describe('createMqttClient: the reconnect schedule', () => {
  async function schedule(seed: number, failures: number) {
    const h = harness({ random: seededRandom(seed), backoff: { minMs: 500, maxMs: 20_000, factor: 2 } });
    await settle();
    for (let i = 0; i < failures; i++) {
      h.net.last().drop(new Error('refused'));
      await nextAttempt(h);
    }
    await h.client.end();
    expect(h.clock.pending()).toBe(0);
    return h.events.filter((e): e is Extract<MqttClientEvent, { type: 'reconnecting' }> => e.type === 'reconnecting');
  }

  it('is exponential with full jitter, capped, and exactly reproducible under a fixed Random', async () => {
    const a = await schedule(42, 12);
    const b = await schedule(42, 12);
    expect(a).toEqual(b);
    expect(a.map((e) => e.attempt)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const random = seededRandom(42);
    a.forEach((e, i) => {
      const cap = Math.min(20_000, 500 * 2 ** i);
      expect(e.delayMs).toBeGreaterThanOrEqual(0);
      expect(e.delayMs).toBeLessThanOrEqual(cap);
      expect(e.delayMs).toBe(backoffDelay(i + 1, { minMs: 500, maxMs: 20_000, factor: 2 }, random));
    });
    // The exact schedule for seed 42: a change here changes every fleet's storm shape.
    expect(a.map((e) => e.delayMs)).toMatchSnapshot();
    expect((await schedule(43, 12)).map((e) => e.delayMs)).not.toEqual(a.map((e) => e.delayMs));
  });

  it('spreads a fleet: 1000 clients failing at once are not synchronized', () => {
    const random = seededRandom(9);
    const delays = Array.from({ length: 1000 }, () => backoffDelay(5, { minMs: 1000, maxMs: 120_000 }, random));
    const buckets = new Array(16).fill(0);
    for (const d of delays) buckets[Math.min(15, Math.floor(d / 1000))]++;
    for (const b of buckets) expect(b).toBeGreaterThan(30); // uniform over 0..16 s: ~62 each
  });

  it('resets to the first step after a stable connection, not after a flapping one', async () => {
    const h = harness({ stableAfterMs: 10_000, backoff: { minMs: 1000, maxMs: 1_000_000 } });
    await settle();
    for (let i = 0; i < 5; i++) {
      h.net.last().accept();
      h.net.last().drop(new Error('flap'));
      await nextAttempt(h);
    }
    const flapping = h.events.filter((e) => e.type === 'reconnecting').map((e) => (e as { attempt: number }).attempt);
    expect(flapping).toEqual([2, 3, 4, 5, 6]);
    h.net.last().accept();
    h.clock.advance(10_000);
    h.net.last().reply({ type: 'pingresp' });
    h.net.last().drop(new Error('after a stable hour'));
    expect(h.events.at(-1)).toMatchObject({ type: 'reconnecting', attempt: 1 });
    await h.client.end();
  });
});

describe('createMqttClient: CONNACK refusals', () => {
  for (const [code, fatal] of [[1, true], [2, true], [3, false], [4, true], [5, true], [6, false]] as const) {
    it(`return code ${code} ${fatal ? 'stops the loop with MqttConnectError' : 'retries'}`, async () => {
      const h = harness();
      await settle();
      h.net.last().open();
      h.net.last().reply({ type: 'connack', sessionPresent: false, returnCode: code });
      const disconnected = h.events.find((e) => e.type === 'disconnected') as unknown as { reason: MqttConnectError };
      expect(disconnected.reason).toBeInstanceOf(MqttConnectError);
      expect(disconnected.reason.returnCode).toBe(code);
      if (fatal) {
        expect(h.client.state).toBe('closed');
        expect(h.events.at(-1)).toMatchObject({ type: 'closed', error: { returnCode: code } });
        await expect(h.client.whenConnected()).rejects.toBeInstanceOf(MqttConnectError);
        expect(h.clock.pending()).toBe(0);
      } else {
        expect(h.client.state).toBe('reconnecting');
        await h.client.end();
      }
    });
  }

  it('retries a refusal when the caller’s policy says so', async () => {
    const h = harness({ retryRefused: (c) => c === 4 });
    await settle();
    h.net.last().open();
    h.net.last().reply({ type: 'connack', sessionPresent: false, returnCode: 4 });
    expect(h.client.state).toBe('reconnecting');
    await nextAttempt(h);
    h.net.last().accept();
    expect(h.client.state).toBe('connected');
    await h.client.end();
  });
});

describe('createMqttClient: after a reconnect', () => {
  it('resubscribes every filter when the broker has no session, and only pending ones when it has', async () => {
    const h = await connectedHarness();
    const s = h.client.subscribe([{ topic: 'a/+', qos: 1 }, { topic: 'b/#', qos: 0 }]);
    const sub = h.net.last().received.find((p) => p.type === 'subscribe') as { messageId: number };
    h.net.last().reply({ type: 'suback', messageId: sub.messageId, granted: [1, 0] });
    expect(await s).toEqual([1, 0]);
    const pending = h.client.subscribe('c');
    h.net.last().drop(new Error('cut'));
    await nextAttempt(h);
    h.net.last().accept(false);
    const subs = h.net.last().received.filter((p) => p.type === 'subscribe') as unknown as { messageId: number; subscriptions: unknown[] }[];
    expect(subs.map((p) => p.subscriptions)).toEqual([[{ topic: 'a/+', qos: 1 }, { topic: 'b/#', qos: 0 }], [{ topic: 'c', qos: 1 }]]);
    h.net.last().reply({ type: 'suback', messageId: subs[0]!.messageId, granted: [1, 0] }, { type: 'suback', messageId: subs[1]!.messageId, granted: [1] });
    expect(await pending).toEqual([1]);
    h.net.last().drop(new Error('cut'));
    await nextAttempt(h);
    h.net.last().accept(true);
    expect(h.net.last().received.filter((p) => p.type === 'subscribe')).toEqual([]);
    await h.client.end();
  });

  it('reports a refused resubscription and stops asking for it', async () => {
    const h = await connectedHarness();
    const s = h.client.subscribe('x');
    h.net.last().reply({ type: 'suback', messageId: (h.net.last().received[1] as { messageId: number }).messageId, granted: [1] });
    await s;
    h.net.last().drop();
    await nextAttempt(h);
    h.net.last().accept();
    const sub = h.net.last().received.find((p) => p.type === 'subscribe') as { messageId: number };
    h.net.last().reply({ type: 'suback', messageId: sub.messageId, granted: [0x80] });
    expect(h.events.find((e) => e.type === 'error')).toMatchObject({ error: { code: 'resubscribe_refused' } });
    h.net.last().drop();
    await nextAttempt(h);
    h.net.last().accept();
    expect(h.net.last().received.filter((p) => p.type === 'subscribe')).toEqual([]);
    await h.client.end();
  });

  it('retransmits unacknowledged QoS 1 publishes in order, with DUP and their ids, then the queue', async () => {
    const h = await connectedHarness();
    const done = [0, 1, 2, 3].map((i) => h.client.publish('t', `m${i}`, { qos: 1 }));
    const first = publishes(h.net.last());
    h.net.last().reply({ type: 'puback', messageId: first[1]!.messageId! });
    await done[1];
    h.net.last().drop(new Error('cut'));
    const later = h.client.publish('t', 'offline', { qos: 1 });
    await nextAttempt(h);
    h.net.last().accept();
    const again = publishes(h.net.last());
    expect(again.map((p) => [utf8Decode(p.payload), p.dup, p.messageId])).toEqual([
      ['m0', true, first[0]!.messageId], ['m2', true, first[2]!.messageId], ['m3', true, first[3]!.messageId], ['offline', false, expect.any(Number)],
    ]);
    const ids = again.map((p) => p.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of again) h.net.last().reply({ type: 'puback', messageId: p.messageId! });
    await Promise.all([...done, later]);
    expect(h.client.inflight).toBe(0);
    await h.client.end();
  });

  it('holds the retransmission of a message while holdRetransmit says so, across a second drop, then sends it with DUP and its id', async () => {
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined;
    const asked: string[] = [];
    const h = await connectedHarness({
      holdRetransmit: (topic) => {
        asked.push(topic);
        return topic.startsWith('/sub/') ? gate : undefined;
      },
    });
    const held = h.client.publish('/sub/a', 'held', { qos: 1 });
    const free = h.client.publish('/own', 'free', { qos: 1 });
    const first = publishes(h.net.last());
    gate = new Promise<void>((r) => (release = r));
    h.net.last().drop(new Error('cut'));
    await nextAttempt(h);
    h.net.last().accept();
    await settle();
    expect(publishes(h.net.last()).map((p) => utf8Decode(p.payload))).toEqual(['free']);
    // Dropped again while held: the next connection asks again, and the message still waits.
    h.net.last().drop(new Error('cut again'));
    await nextAttempt(h);
    h.net.last().accept();
    await settle();
    expect(publishes(h.net.last()).map((p) => utf8Decode(p.payload))).toEqual(['free']);
    release();
    await settle();
    const again = publishes(h.net.last());
    expect(again.map((p) => [utf8Decode(p.payload), p.dup, p.messageId])).toEqual([['free', true, first[1]!.messageId], ['held', true, first[0]!.messageId]]);
    expect(asked).toEqual(['/sub/a', '/own', '/sub/a', '/own']);
    for (const p of again) h.net.last().reply({ type: 'puback', messageId: p.messageId! });
    await Promise.all([held, free]);
    await h.client.end();
  });

  it('a throwing holdRetransmit is reported and the message is sent at once', async () => {
    const h = await connectedHarness({ holdRetransmit: () => { throw new Error('hook broke'); } });
    const p = h.client.publish('t', 'm', { qos: 1 });
    h.net.last().drop(new Error('cut'));
    await nextAttempt(h);
    h.net.last().accept();
    expect(publishes(h.net.last()).map((x) => utf8Decode(x.payload))).toEqual(['m']);
    expect(h.events.some((e) => e.type === 'error' && e.error.message === 'hook broke')).toBe(true);
    h.net.last().reply({ type: 'puback', messageId: publishes(h.net.last())[0]!.messageId! });
    await p;
    await h.client.end();
  });

  it('never hands out an id that is in flight, across 70 000 publishes with one stuck PUBACK', async () => {
    const h = await connectedHarness({ maxInflight: 10 });
    const stuck = h.client.publish('t', 'stuck', { qos: 1 });
    const stuckId = publishes(h.net.last())[0]!.messageId!;
    const conn = h.net.last();
    const ids = new Set<number>();
    let reused = 0;
    for (let i = 0; i < 70_000; i++) {
      void h.client.publish('t', 'x', { qos: 1 });
      const p = conn.received[conn.received.length - 1] as PublishPacket;
      if (p.messageId === stuckId) reused++;
      ids.add(p.messageId!);
      conn.received.length = 0;
      conn.reply({ type: 'puback', messageId: p.messageId! });
    }
    expect(reused).toBe(0);
    expect(ids.size).toBe(65534); // every id but the stuck one, after wrapping around
    conn.reply({ type: 'puback', messageId: stuckId });
    await stuck;
    await h.client.end();
  }, 60_000);
});

describe('createMqttClient: the offline queue', () => {
  it('rejects the new publish when full under "reject", counting messages and bytes', async () => {
    const h = harness({ offlineQueue: { maxMessages: 3, maxBytes: 100 } });
    const ok = [1, 2, 3].map((i) => h.client.publish('t', `m${i}`, { qos: 1 }));
    await expect(h.client.publish('t', 'm4', { qos: 1 })).rejects.toMatchObject({ code: 'queue_full' });
    expect(h.client.queued).toBe(3);
    const byBytes = harness({ offlineQueue: { maxMessages: 100, maxBytes: 10 } });
    byBytes.client.publish('t', '12345678').catch(() => {});
    await expect(byBytes.client.publish('t', '12')).rejects.toMatchObject({ code: 'queue_full' });
    await settle();
    h.net.last().accept();
    const sent = publishes(h.net.last());
    expect(sent.map((p) => utf8Decode(p.payload))).toEqual(['m1', 'm2', 'm3']);
    for (const p of sent) h.net.last().reply({ type: 'puback', messageId: p.messageId! });
    await Promise.all(ok);
    await h.client.end();
    await byBytes.client.end().catch(() => {});
  });

  it('drops the oldest under "drop-oldest": its promise rejects and an event names it', async () => {
    const h = harness({ offlineQueue: { maxMessages: 2, whenFull: 'drop-oldest' } });
    const a = h.client.publish('t/a', 'a', { qos: 1 });
    const b = h.client.publish('t/b', 'b', { qos: 0 });
    const c = h.client.publish('t/c', 'c', { qos: 1 });
    await expect(a).rejects.toMatchObject({ code: 'dropped' });
    expect(h.events.filter((e) => e.type === 'dropped')).toEqual([{ type: 'dropped', topic: 't/a', qos: 1 }]);
    await settle();
    h.net.last().accept();
    await b;
    const sent = publishes(h.net.last());
    expect(sent.map((p) => p.topic)).toEqual(['t/b', 't/c']);
    h.net.last().reply({ type: 'puback', messageId: sent[1]!.messageId! });
    await c;
    await h.client.end();
  });

  it('keeps QoS 0 while offline by default, and rejects it with not_connected under qos0: "drop"', async () => {
    const keep = harness();
    const kept = keep.client.publish('t', 'zero');
    const drop = harness({ offlineQueue: { qos0: 'drop' } });
    await expect(drop.client.publish('t', 'zero')).rejects.toMatchObject({ code: 'not_connected' });
    await settle();
    keep.net.last().accept();
    await kept;
    expect(publishes(keep.net.last()).map((p) => p.qos)).toEqual([0]);
    await keep.client.end();
    await drop.client.end();
  });

  it('holds publishes beyond maxInflight in the queue and sends them as PUBACKs free the window', async () => {
    const h = await connectedHarness({ maxInflight: 2 });
    for (let i = 0; i < 5; i++) void h.client.publish('t', `${i}`, { qos: 1 });
    expect(h.client.inflight).toBe(2);
    expect(h.client.queued).toBe(3);
    const conn = h.net.last();
    for (let i = 0; i < 5; i++) conn.reply({ type: 'puback', messageId: publishes(conn)[i]!.messageId! });
    expect(publishes(conn).map((p) => utf8Decode(p.payload))).toEqual(['0', '1', '2', '3', '4']);
    expect(h.client.inflight).toBe(0);
    await h.client.end();
  });
});

describe('createMqttClient: the store', () => {
  it('a new client sends what the last one left unacknowledged, first, with DUP', async () => {
    const store = memoryStore();
    const h = await connectedHarness({ store });
    const a = h.client.publish('t', 'one', { qos: 1 });
    const b = h.client.publish('t', 'two', { qos: 1 });
    h.net.last().reply({ type: 'puback', messageId: publishes(h.net.last())[0]!.messageId! });
    await a;
    expect(store.size).toBe(1);
    await h.client.end({ flush: false });
    await expect(b).rejects.toMatchObject({ code: 'client_ended' });
    expect(store.size).toBe(1);
    const next = harness({ store });
    void next.client.publish('t', 'three', { qos: 1 });
    await settle();
    next.net.last().accept();
    const sent = publishes(next.net.last());
    expect(sent.map((p) => [utf8Decode(p.payload), p.dup])).toEqual([['two', true], ['three', false]]);
    for (const p of sent) next.net.last().reply({ type: 'puback', messageId: p.messageId! });
    expect(store.size).toBe(0);
    await next.client.end();
  });

  it('a failing store is reported, not thrown, and publishing goes on', async () => {
    const h = await connectedHarness({ store: { load: () => [], put: () => Promise.reject(new Error('disk full')), delete: () => {} } });
    const p = h.client.publish('t', 'x', { qos: 1 });
    await settle();
    expect(h.events.find((e) => e.type === 'error')).toMatchObject({ error: { message: 'disk full' } });
    h.net.last().reply({ type: 'puback', messageId: publishes(h.net.last())[0]!.messageId! });
    await p;
    await h.client.end();
  });
});

describe('createMqttClient: bad input from the broker ends the connection with a typed error, and the client reconnects', () => {
  const cases: [string, (c: FakeConnection) => void, string][] = [
    ['a malformed packet', (c) => c.raw(new Uint8Array([0x30, 0x03, 0x00, 0x05, 0x61])), ''],
    ['a reserved packet type', (c) => c.raw(new Uint8Array([0xf0, 0x00])), ''],
    ['an oversized packet', (c) => c.raw(new Uint8Array([0x30, 0xff, 0xff, 0x7f])), 'packet_too_large'],
    ['a PUBACK for an unknown id', (c) => c.reply({ type: 'puback', messageId: 999 }), 'unexpected_ack'],
    ['a SUBACK for an unknown id', (c) => c.reply({ type: 'suback', messageId: 999, granted: [0] }), 'unexpected_ack'],
    ['a CONNACK out of place', (c) => c.reply({ type: 'connack', sessionPresent: false, returnCode: 0 }), 'protocol_error'],
    ['a PUBREC we never asked for', (c) => c.reply({ type: 'pubrec', messageId: 3 }), 'protocol_error'],
  ];
  for (const [name, inject, code] of cases) {
    it(name, async () => {
      const h = await connectedHarness({ maxPacketSize: 1000 });
      const p = h.client.publish('t', 'survives', { qos: 1 });
      inject(h.net.last());
      const d = h.events.find((e) => e.type === 'disconnected') as unknown as { reason: { code: string; name: string } };
      expect(d.reason.name).toMatch(/^Mqtt(Decode)?Error$/);
      if (code) expect(d.reason.code).toBe(code);
      expect(h.net.last().closedByClient).toBe(true);
      await nextAttempt(h);
      h.net.last().accept();
      const again = publishes(h.net.last());
      expect(again).toHaveLength(1);
      expect(again[0]!.dup).toBe(true);
      h.net.last().reply({ type: 'puback', messageId: again[0]!.messageId! });
      await p;
      await h.client.end();
      expect(h.clock.pending()).toBe(0);
    });
  }

  it('any bytes at all from the broker: never a throw, only typed errors, and the client comes back', async () => {
    await fc.assert(fc.asyncProperty(fc.array(malformedBytes(encodePacket), { minLength: 1, maxLength: 5 }), async (chunks) => {
      const h = await connectedHarness();
      const p = h.client.publish('t', 'kept', { qos: 1 });
      for (const c of chunks) expect(() => h.net.last().raw(c)).not.toThrow();
      for (const e of h.events) if (e.type === 'disconnected') expect(['MqttDecodeError', 'MqttError', 'MqttConnectError']).toContain(e.reason.name);
      // Bytes that were valid (or half a packet) leave it connected: cut it, and check it comes back.
      if (h.client.state === 'connected') h.net.last().drop(new Error('cut'));
      {
        if (h.client.state === 'reconnecting') await nextAttempt(h);
        if (h.client.state === 'connecting') h.net.last().accept();
      }
      if (h.client.state === 'connected') {
        for (const m of publishes(h.net.last())) if (m.qos === 1) h.net.last().reply({ type: 'puback', messageId: m.messageId! });
        await p;
      } else {
        p.catch(() => {});
        expect(h.client.state).toBe('closed'); // a refusing CONNACK among the bytes
      }
      await h.client.end();
      expect(h.clock.pending()).toBe(0);
    }), { numRuns: numRuns(100) });
  });

  it('packets completed before a malformed one in the same chunk are handled first, then the connection ends', async () => {
    const h = await connectedHarness();
    const p = h.client.publish('t', 'x', { qos: 1 });
    const id = publishes(h.net.last())[0]!.messageId!;
    const good = encodePacket({ type: 'puback', messageId: id });
    const incoming = encodePacket({ type: 'publish', topic: 'in', payload: new Uint8Array([1]), qos: 1, retain: false, dup: false, messageId: 9 });
    h.net.last().raw(Uint8Array.from([...good, ...incoming, 0xf0, 0x00]));
    await p; // the PUBACK before the bad bytes counted
    expect(h.messages.map((m) => m.topic)).toEqual(['in']);
    expect(h.net.last().received.at(-1)).toEqual({ type: 'puback', messageId: 9 });
    expect(h.events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: { name: 'MqttDecodeError' } });
    await h.client.end();
  });

  it('delivers the same messages in order however the stream is cut (whole-packet chunks decode in place, the rest through a parser)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ topic: fc.constantFrom('a/b', 'a/c', '/sys/pk/dn/thing/event/property/post_reply'), size: fc.nat({ max: 300 }), qos: fc.constantFrom(0 as const, 1 as const) }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      async (sent, cuts) => {
        const h = await connectedHarness();
        const packets = sent.map((m, i) => encodePacket({ type: 'publish', topic: m.topic, payload: new Uint8Array(m.size).fill(i), qos: m.qos, retain: false, dup: false, ...(m.qos === 1 ? { messageId: i + 1 } : {}) }));
        const stream = Uint8Array.from(packets.flatMap((p) => [...p]));
        const at = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
        [0, ...at].forEach((from, i) => {
          const to = at[i] ?? stream.length;
          if (to > from) h.net.last().raw(stream.slice(from, to));
        });
        expect(h.messages.map((m) => [m.topic, m.payload.length, m.payload[0] ?? -1])).toEqual(sent.map((m, i) => [m.topic, m.size, m.size === 0 ? -1 : i]));
        expect(h.net.last().received.filter((p) => p.type === 'puback').map((p) => (p as { messageId: number }).messageId)).toEqual(sent.flatMap((m, i) => (m.qos === 1 ? [i + 1] : [])));
        await h.client.end();
      },
    ), { numRuns: numRuns(60) });
  });

  it('a packet before CONNACK', async () => {
    const h = harness();
    await settle();
    h.net.last().open();
    h.net.last().reply({ type: 'pingresp' });
    expect(codeOf(h.events.find((e) => e.type === 'disconnected'))).toBe('protocol_error');
    await h.client.end();
  });
});

describe('createMqttClient: incoming messages', () => {
  it('answers QoS 1 with PUBACK and QoS 2 with PUBREC/PUBCOMP, delivering a resent QoS 2 once', async () => {
    const h = await connectedHarness();
    const c = h.net.last();
    c.reply({ type: 'publish', topic: 'in/1', payload: new Uint8Array([1]), qos: 1, retain: false, dup: false, messageId: 7 });
    c.reply({ type: 'publish', topic: 'in/2', payload: new Uint8Array([2]), qos: 2, retain: false, dup: false, messageId: 8 });
    c.reply({ type: 'publish', topic: 'in/2', payload: new Uint8Array([2]), qos: 2, retain: false, dup: true, messageId: 8 });
    c.reply({ type: 'pubrel', messageId: 8 });
    c.reply({ type: 'publish', topic: 'in/3', payload: new Uint8Array([3]), qos: 2, retain: false, dup: false, messageId: 8 });
    expect(h.messages.map((m) => m.topic)).toEqual(['in/1', 'in/2', 'in/3']);
    expect(c.received.slice(1)).toEqual([
      { type: 'puback', messageId: 7 }, { type: 'pubrec', messageId: 8 }, { type: 'pubrec', messageId: 8 }, { type: 'pubcomp', messageId: 8 }, { type: 'pubrec', messageId: 8 },
    ]);
    await h.client.end();
  });

  it('a throwing onMessage is reported as an error event and the connection lives on', async () => {
    const h = await connectedHarness({ onMessage: () => { throw new Error('handler bug'); } });
    h.net.last().reply({ type: 'publish', topic: 'x', payload: new Uint8Array(0), qos: 1, retain: false, dup: false, messageId: 1 });
    expect(h.events.find((e) => e.type === 'error')).toMatchObject({ error: { message: 'handler bug' } });
    expect(h.client.state).toBe('connected');
    expect(h.net.last().received.at(-1)).toEqual({ type: 'puback', messageId: 1 });
    await h.client.end();
  });
});

describe('createMqttClient: a transport that throws', () => {
  it('ends the connection instead of throwing out of publish, and the message goes out on the next one', async () => {
    const net = scriptedNetwork();
    let failNext = false;
    const dial: typeof net.dial = (endpoint, events) => {
      const t = net.dial(endpoint, events);
      return { send: (b) => { if (failNext) { failNext = false; throw new Error('EPIPE'); } t.send(b); }, close: () => t.close() };
    };
    const events: MqttClientEvent[] = [];
    const clock = manualClock();
    const client = createMqttClient({ clock, random: seededRandom(1), dial, endpoint: 'x', credentials: { clientId: 'c' }, onEvent: (e) => events.push(e) });
    await settle();
    net.last().accept();
    failNext = true;
    const p = client.publish('t', 'x', { qos: 1 });
    const zero = client.publish('t', 'zero');
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: { message: 'EPIPE' } });
    clock.advance(2000);
    await settle();
    net.last().accept();
    const sent = publishes(net.last());
    expect(sent.map((m) => [m.qos, m.dup])).toEqual([[1, true], [0, false]]);
    await zero; // queued behind the failed one, written after the reconnect
    net.last().reply({ type: 'puback', messageId: sent[0]!.messageId! });
    await p;
    await client.end();
    expect(clock.pending()).toBe(0);
  });
});

describe('createMqttClient: keepalive', () => {
  it('pings after silence and treats a missing PINGRESP as a half-open connection', async () => {
    const h = await connectedHarness({ keepalive: 30, pingTimeoutMs: 5000 });
    h.clock.advance(30_000);
    expect(h.net.last().received.at(-1)).toEqual({ type: 'pingreq' });
    h.net.last().reply({ type: 'pingresp' });
    h.clock.advance(30_000);
    expect(h.net.last().received.filter((p) => p.type === 'pingreq')).toHaveLength(2);
    h.clock.advance(5000);
    expect(codeOf(h.events.find((e) => e.type === 'disconnected'))).toBe('keepalive_timeout');
    await h.client.end();
    expect(h.clock.pending()).toBe(0);
  });

  it('a publisher that only sends still notices when nothing comes back', async () => {
    const h = await connectedHarness({ keepalive: 10, pingTimeoutMs: 2000 });
    for (let t = 0; t < 20; t++) {
      void h.client.publish('t', 'x').catch(() => {});
      h.clock.advance(1000);
    }
    expect(h.net.last().received.some((p) => p.type === 'pingreq')).toBe(true);
    expect(codeOf(h.events.find((e) => e.type === 'disconnected'))).toBe('keepalive_timeout');
    await h.client.end();
  });
});

describe('createMqttClient: end()', () => {
  it('flushes in-flight publishes before DISCONNECT, and leaves no timer', async () => {
    const h = await connectedHarness();
    const p = h.client.publish('t', 'x', { qos: 1 });
    const ended = h.client.end();
    expect(h.client.state).toBe('connected');
    await expect(h.client.publish('t', 'late')).rejects.toMatchObject({ code: 'client_ended' });
    h.net.last().reply({ type: 'puback', messageId: publishes(h.net.last())[0]!.messageId! });
    await p;
    await ended;
    expect(h.net.last().received.at(-1)).toEqual({ type: 'disconnect' });
    expect(h.client.state).toBe('closed');
    expect(h.types().at(-1)).toBe('closed');
    expect(h.clock.pending()).toBe(0);
  });

  it('drops by option or after the flush limit, rejecting what is left', async () => {
    const h = await connectedHarness();
    const p = h.client.publish('t', 'x', { qos: 1 });
    const ended = h.client.end({ timeoutMs: 1000 });
    h.clock.advance(1000);
    await ended;
    await expect(p).rejects.toMatchObject({ code: 'client_ended' });
    expect(h.clock.pending()).toBe(0);
  });

  it('while reconnecting stops the loop at once', async () => {
    const h = harness();
    await settle();
    h.net.last().drop();
    const s = h.client.subscribe('x');
    await h.client.end();
    await expect(s).rejects.toMatchObject({ code: 'client_ended' });
    expect(h.clock.pending()).toBe(0);
    expect(h.client.state).toBe('closed');
  });
});

describe('createMqttClient: a random storm, replayed', () => {
  it('every resolved QoS 1 publish was acknowledged by the broker; every accepted one arrives; ids never collide', async () => {
    await fc.assert(fc.asyncProperty(fc.array(clientOperation(), { maxLength: 60 }), fc.integer(), async (ops, seed) => {
      const h = harness({ random: seededRandom(seed), maxInflight: 5, keepalive: 20, offlineQueue: { maxMessages: 1000 } });
      await settle();
      const ackedPayloads = new Set<string>();
      const ackedIds = new Set<string>(); // connection number:id
      const delivered = new Set<string>();
      const resolved = new Set<string>();
      const accepted: string[] = [];
      let n = 0;
      const key = (id: number, connection = h.net.connections.length) => `${connection}:${id}`;
      const ack = (c: FakeConnection, p: PublishPacket) => {
        ackedIds.add(key(p.messageId!));
        ackedPayloads.add(utf8Decode(p.payload));
        c.reply({ type: 'puback', messageId: p.messageId! });
      };
      /** What the broker saw on one connection: everything delivered, and no id reused while open. */
      const audit = (c: FakeConnection, connection: number) => {
        // An id acknowledged on this connection may come back later for another message; an
        // id never acknowledged here must not appear twice.
        const seen = new Set<number>();
        for (const p of c.received) {
          if (p.type !== 'publish' || p.qos !== 1) continue;
          delivered.add(utf8Decode(p.payload));
          if (!ackedIds.has(key(p.messageId!, connection))) expect(seen.has(p.messageId!)).toBe(false);
          seen.add(p.messageId!);
        }
        for (const p of c.received) if (p.type === 'publish' && p.qos === 0) delivered.add(utf8Decode(p.payload));
      };
      for (const o of ops) {
        const c = h.net.last();
        if (o.kind === 'publish') {
          const body = `m${n++}`;
          if (o.qos === 1) accepted.push(body);
          h.client.publish('t', body, { qos: o.qos }).then(() => resolved.add(body), () => {});
        } else if (o.kind === 'ack' && h.client.state === 'connected') {
          const open = c.received.filter((p): p is PublishPacket => p.type === 'publish' && p.qos === 1 && !ackedIds.has(key(p.messageId!)));
          const target = open[o.which % Math.max(1, open.length)];
          if (target !== undefined) ack(c, target);
        } else if (o.kind === 'drop') c.drop(new Error('cut'));
        else if (o.kind === 'tick') h.clock.advance(o.ms);
        else if (o.kind === 'reconnect' && !c.closed && c.received.length === 0) c.accept(o.sessionPresent);
        await settle();
      }
      // Only what the broker acknowledged may have resolved.
      for (const b of resolved) if (accepted.includes(b)) expect(ackedPayloads.has(b)).toBe(true);
      // Drain: a healthy connection acknowledges everything; every accepted QoS 1 must arrive.
      for (let round = 0; round < 200 && (h.client.inflight > 0 || h.client.queued > 0 || h.client.state !== 'connected'); round++) {
        const c = h.net.last();
        if (h.client.state === 'reconnecting') h.clock.advance(200_000);
        else if (h.client.state === 'connecting' && c.received.length === 0 && !c.closed) c.accept(false);
        else if (h.client.state === 'connected') {
          for (const p of [...c.received]) if (p.type === 'publish' && p.qos === 1 && !ackedIds.has(key(p.messageId!))) ack(c, p);
        }
        await settle();
      }
      h.net.connections.forEach((c, i) => audit(c, i + 1));
      for (const b of accepted) expect(delivered.has(b)).toBe(true);
      for (const b of accepted) expect(resolved.has(b)).toBe(true);
      await h.client.end();
      expect(h.clock.pending()).toBe(0);
    }), { numRuns: numRuns(60) });
  });
});
