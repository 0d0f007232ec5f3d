// The reconnecting client against real brokers through a proxy that breaks the connection at
// random points: resets, cuts in the middle of a packet, black holes, and (mosquitto) a broker
// restart with persistence. Property: every publish whose promise resolved reaches the
// subscriber at least once, every publish resolves, and duplicates are counted.
//
// Default: 1000 QoS 1 publishes, 10 cuts per broker. The full run (10 000 publishes, 50
// cuts, one restart): LINKWIRE_FAULT_FULL=1 npx vitest run test/integration/mqtt-client-faults.test.ts
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, utf8Decode } from '@linkwire/base';
import type { MqttClient, MqttClientEvent } from '@linkwire/mqtt';
import { createNodeMqttClient } from '@linkwire/node';
import { startAedes, startMosquitto, type TestBroker } from '../support/brokers.ts';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.ts';

const FULL = process.env['LINKWIRE_FAULT_FULL'] === '1';
const COUNT = FULL ? 10_000 : 1000;
const CUTS = FULL ? 50 : 10;
const SEED = Number(process.env['LINKWIRE_FAULT_SEED'] ?? 20261207);

function uniform(seed: number): () => number {
  const bytes = seededRandom(seed);
  return () => {
    const b = bytes(4);
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 0x1_0000_0000;
  };
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface RunResult {
  resolved: number;
  received: number;
  lost: number;
  duplicates: number;
  dupRetransmissions: number;
  dupFlagged: number;
  reconnects: number;
  cuts: Record<Fault, number>;
  ms: number;
}

async function faultRun(broker: TestBroker, name: string, restartMidway: boolean): Promise<RunResult> {
  const random = uniform(SEED);
  const proxy: FaultProxy = await startFaultProxy(broker.port, random);
  const counts = new Map<string, number>();
  let dupFlagged = 0;
  const subscriber = createNodeMqttClient({
    endpoint: { host: '127.0.0.1', port: broker.port },
    credentials: { clientId: `${name}-sub` }, cleanSession: false, keepalive: 5,
    backoff: { minMs: 20, maxMs: 200 },
    onMessage: (m) => {
      const k = utf8Decode(m.payload);
      if (m.dup) dupFlagged++;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
  });
  const events: MqttClientEvent[] = [];
  let publisher: MqttClient | undefined;
  try {
    await subscriber.subscribe([{ topic: `${name}/#`, qos: 1 }]);
    publisher = createNodeMqttClient({
      endpoint: { host: '127.0.0.1', port: proxy.port },
      credentials: { clientId: `${name}-pub` }, keepalive: 1, pingTimeoutMs: 700, connectTimeoutMs: 2000,
      backoff: { minMs: 20, maxMs: 300 }, maxInflight: 50,
      offlineQueue: { maxMessages: COUNT, maxBytes: 64 << 20 },
      onEvent: (e) => events.push(e),
    });
    const cutAt = Array.from({ length: CUTS }, () => 1 + Math.floor(random() * COUNT * 0.9)).sort((a, b) => a - b);
    const cuts: Record<Fault, number> = { reset: 0, 'mid-packet': 0, stall: 0 };
    let resolved = 0;
    let restarted: Promise<void> | undefined;
    const started = Date.now();
    const onResolved = (): void => {
      resolved++;
      // A cut that finds no live connection (the client is between two) waits for the next one.
      while (cutAt.length > 0 && resolved >= cutAt[0]!) {
        const r = random();
        const fault: Fault = r < 0.4 ? 'reset' : r < 0.8 ? 'mid-packet' : 'stall';
        if (proxy.cut(fault) === 0) break;
        cutAt.shift();
        cuts[fault]++;
      }
      if (restartMidway && restarted === undefined && resolved >= COUNT / 2) restarted = broker.restart();
    };
    const all = Array.from({ length: COUNT }, (_, i) => publisher!.publish(`${name}/t`, `${i}`, { qos: 1 }).then(onResolved));
    await Promise.all(all);
    await restarted;
    expect(cutAt).toEqual([]);
    const ms = Date.now() - started;
    const missing = () => Array.from({ length: COUNT }, (_, i) => `${i}`).filter((k) => !counts.has(k));
    await until(`${name}: the subscriber to receive every acknowledged publish (missing ${missing().length})`, 30_000, () => missing().length === 0);
    let duplicates = 0;
    for (const n of counts.values()) duplicates += n - 1;
    return {
      resolved, received: counts.size, lost: missing().length, duplicates, dupRetransmissions: proxy.publishes.dup, dupFlagged,
      reconnects: events.filter((e) => e.type === 'connected').length - 1, cuts, ms,
    };
  } finally {
    await publisher?.end({ flush: false });
    await subscriber.end({ flush: false });
    await proxy.close();
  }
}

describe('the MQTT client through cuts, black holes and a broker restart', () => {
  let mosquitto: TestBroker;
  let aedes: TestBroker;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
    aedes = await startAedes();
  });
  afterAll(async () => {
    await mosquitto?.close();
    await aedes?.close();
  });

  it(`aedes: ${COUNT} QoS 1 publishes through ${CUTS} random cuts, none lost`, async () => {
    const r = await faultRun(aedes, 'aedes', false);
    console.log(`[fault run, aedes] ${JSON.stringify(r)}`);
    expect(r.resolved).toBe(COUNT);
    expect(r.lost).toBe(0);
    // Every duplicate is accounted for: the publisher's DUP retransmissions or the broker's own redeliveries.
    expect(r.duplicates).toBeLessThanOrEqual(r.dupRetransmissions + r.dupFlagged);
    expect(r.reconnects).toBeGreaterThanOrEqual(CUTS / 2);
  }, FULL ? 600_000 : 60_000);

  it(`mosquitto (persistent, restarted midway): ${COUNT} QoS 1 publishes through ${CUTS} random cuts, none lost`, async () => {
    const r = await faultRun(mosquitto, 'mosquitto', true);
    // The restart went through mosquitto's database, not around it.
    expect(existsSync(join(mosquitto.dir, 'mosquitto.db'))).toBe(true);
    console.log(`[fault run, mosquitto] ${JSON.stringify(r)}`);
    expect(r.resolved).toBe(COUNT);
    expect(r.lost).toBe(0);
    // Every duplicate is accounted for: the publisher's DUP retransmissions or the broker's own redeliveries.
    expect(r.duplicates).toBeLessThanOrEqual(r.dupRetransmissions + r.dupFlagged);
    expect(r.reconnects).toBeGreaterThanOrEqual(CUTS / 2);
  }, FULL ? 600_000 : 60_000);

  it('a dead host behind a live port fails within connectTimeoutMs, and the client connects once it answers', async () => {
    const proxy = await startFaultProxy(mosquitto.port);
    proxy.blackhole = true;
    const events: { at: number; e: MqttClientEvent }[] = [];
    const t0 = Date.now();
    const client = createNodeMqttClient({
      endpoint: { host: '127.0.0.1', port: proxy.port }, credentials: { clientId: 'blackhole' },
      connectTimeoutMs: 500, backoff: { minMs: 10, maxMs: 50 }, onEvent: (e) => events.push({ at: Date.now() - t0, e }),
    });
    try {
      await until('a connect timeout', 5000, () => events.some((x) => x.e.type === 'disconnected'));
      const first = events.find((x) => x.e.type === 'disconnected')!;
      expect((first.e as unknown as { reason: { code: string } }).reason.code).toBe('connect_timeout');
      expect(first.at).toBeLessThan(1500);
      proxy.blackhole = false;
      await client.whenConnected();
      await client.publish('blackhole/t', 'through', { qos: 1 });
    } finally {
      await client.end();
      await proxy.close();
    }
  });

  it('a stalled connection is detected by keepalive and the publish goes through on the next one', async () => {
    const proxy = await startFaultProxy(aedes.port);
    const events: MqttClientEvent[] = [];
    const client = createNodeMqttClient({
      endpoint: { host: '127.0.0.1', port: proxy.port }, credentials: { clientId: 'stall' },
      keepalive: 1, pingTimeoutMs: 300, backoff: { minMs: 10, maxMs: 50 }, onEvent: (e) => events.push(e),
    });
    try {
      await client.whenConnected();
      proxy.cut('stall');
      await client.publish('stall/t', 'late', { qos: 1 });
      expect(events.some((e) => e.type === 'disconnected' && (e.reason as { code?: string }).code === 'keepalive_timeout')).toBe(true);
    } finally {
      await client.end();
      await proxy.close();
    }
  });
});
