// The sans-IO core under a manual clock and a scripted broker: the documented signature on the
// wire, exact deadlines, the bounded reply table, reconnection off, and properties: hostile
// commands and replies never throw, every command with an id is answered.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, seededRandom, utf8Decode } from '@linkwire/base';
import { DeviceClient, DeviceInfo, Emitter, EnosError, GatewayClient, SECURE_MODE, SubDeviceInfo, parseBrokerUrl, type EnosRuntime } from '@linkwire/enos';
import { enosApimSignature, enosMqttCredentials } from '@linkwire/sign';
import { numRuns } from '../../../test/support/fast-check.ts';
import { scriptedBroker, settle, type Scripted } from './support/scripted.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function setup(start = 1_548_753_362_502, extra: Record<string, unknown> = {}) {
  const clock = manualClock(start);
  const broker = scriptedBroker((pk, dk) => (pk === '654321' && dk === 'test' ? 'abcdefg' : undefined));
  const runtime: EnosRuntime = { clock, random: seededRandom(1), dial: broker.dial };
  const client = new DeviceClient({ brokerUrl: 'tcp://broker.invalid', productKey: '654321', deviceKey: 'test', deviceSecret: 'abcdefg', ...extra }, runtime);
  const errors: EnosError[] = [];
  client.on('error', (e) => errors.push(e as EnosError));
  return { clock, broker, client, errors };
}

async function connected(s: ReturnType<typeof setup>): Promise<void> {
  const p = s.client.connect();
  await settle();
  await p;
}

describe('signature vectors (PROTOCOL-NOTES.md, EnOS)', () => {
  it('the documented mode-2 vector, and the CONNECT the client sends at that timestamp', async () => {
    expect(enosMqttCredentials({ clientId: '123456', deviceKey: 'test', productKey: '654321', timestamp: '1548753362502', deviceSecret: 'abcdefg' }).password)
      .toBe('B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166');
    const s = setup();
    await connected(s);
    const c = s.broker.seen.find((p) => p.type === 'connect')!;
    expect(c).toMatchObject({ clientId: 'test|securemode=2,signmethod=sha256,timestamp=1548753362502|', username: 'test&654321', keepalive: 60, cleanSession: true });
    expect(utf8Decode((c as { password: Uint8Array }).password)).toBe(sha256('clientIdtestdeviceKeytestproductKey654321timestamp1548753362502abcdefg').toUpperCase());
    await s.client.close();
  });

  it('the APIM signature of the seed sample query equals SHA-256 over the sorted query (node:crypto)', () => {
    const query = 'action=invokeService&deviceKey=yourDeviceKey&pendingTtl=1000&productKey=yourProductKey&serviceId=identifier&orgId=yourOrgId&timeout=30';
    const body = '{"inputData":{"canshu2":22.2,"canshu1":11}}';
    const sorted = 'actioninvokeServicedeviceKeyyourDeviceKeyorgIdyourOrgIdpendingTtl1000productKeyyourProductKeyserviceIdidentifiertimeout30';
    expect(enosApimSignature({ accessToken: 'tok', appSecret: 'sec', timestamp: 1700000000000, query, body })).toBe(sha256(`tok${sorted}${body}1700000000000sec`));
  });
});

describe('deadlines and bounds under a manual clock', () => {
  it('a request rejects with reply_timeout exactly at replyTimeout, not a millisecond before', async () => {
    const s = setup(0, { replyTimeout: 10 });
    await connected(s);
    let outcome: unknown;
    s.client.deviceData.postMeasurepoint({ point: { measurepoints: { a: 1 } } }).then((r) => (outcome = r), (e: unknown) => (outcome = e));
    await settle();
    s.clock.advance(9_999);
    await settle();
    expect(outcome).toBeUndefined();
    s.clock.advance(1);
    await settle();
    expect(outcome).toMatchObject({ code: 'reply_timeout' });
    await s.client.close();
  });

  it('the reply table is bounded: beyond maxPendingReplies a request rejects with too_many_pending', async () => {
    const s = setup(0, { maxPendingReplies: 3 });
    await connected(s);
    const all = [1, 2, 3, 4].map((n) => s.client.deviceData.postMeasurepoint({ point: { measurepoints: { n } } }).catch((e: EnosError) => e.code));
    await settle();
    await s.client.close();
    expect((await Promise.all(all)).sort()).toEqual(['closed', 'closed', 'closed', 'too_many_pending']);
  });

  it('reconnectPeriod 0: a dropped connection emits close and is not dialed again', async () => {
    const s = setup(0, { mqttOptions: { reconnectPeriod: 0, keepAlive: 0 } });
    const log: string[] = [];
    s.client.on('connect', () => log.push('connect'));
    s.client.on('close', () => log.push('close'));
    await connected(s);
    expect((s.broker.seen[0] as { keepalive: number }).keepalive).toBe(0);
    s.broker.drop();
    await settle();
    s.clock.advance(60_000);
    await settle();
    expect(log).toEqual(['connect', 'close']);
    expect(s.broker.connects).toBe(1);
    expect(s.client.connected).toBe(false);
  });

  it('connect() while reconnecting waits for the running client instead of dialing a second one', async () => {
    const s = setup(0, { mqttOptions: { reconnectPeriod: 3 } });
    await connected(s);
    s.broker.drop();
    await settle();
    let done = false;
    void s.client.connect().then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    s.clock.advance(3_000);
    await settle();
    await settle();
    expect(done).toBe(true);
    expect(s.broker.connects).toBe(2);
    await s.client.close();
  });

  it('reconnects with backoff, signs a fresh timestamp, and emits connect again with reconnected', async () => {
    const s = setup(1000, { mqttOptions: { reconnectPeriod: 3 } });
    await connected(s);
    s.broker.drop();
    await settle();
    s.clock.advance(3_000);
    await settle();
    await settle();
    expect(s.broker.connects).toBe(2);
    expect(s.client.reconnected).toBe(true);
    const second = s.broker.seen.filter((p) => p.type === 'connect')[1] as { clientId: string };
    expect(second.clientId).not.toBe('test|securemode=2,signmethod=sha256,timestamp=1000|');
    await s.client.close();
  });
});

describe('hostile input from the broker (properties)', () => {
  const base = '/sys/654321/test';

  it('any payload on a command topic: never a throw, an answer whenever an id can be read', async () => {
    const s = setup(0);
    await s.client.deviceCommand.onInvokeService('svc', (req, res) => res.send(200, req.params));
    await connected(s);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json().map((j) => new TextEncoder().encode(j)), fc.record({ id: fc.stringMatching(/^[0-9]{1,8}$/), params: fc.jsonValue() }).map((r) => new TextEncoder().encode(JSON.stringify({ ...r, method: 'thing.service.svc', version: '1.0' })))), async (payload) => {
        const before = s.broker.published.length;
        const errorsBefore = s.errors.length;
        s.broker.push(`${base}/thing/service/svc`, payload);
        await settle();
        const answered = s.broker.published.length > before;
        const text = new TextDecoder().decode(payload);
        const hasId = /"id"\s*:\s*"?[A-Za-z0-9_-]/.test(text.slice(0, 200));
        if (hasId && text.trimStart().startsWith('{')) expect(answered || s.errors.length > errorsBefore).toBe(true);
        for (const p of s.broker.published.slice(before)) {
          expect(p.topic).toBe(`${base}/thing/service/svc_reply`);
          expect(JSON.parse(p.text)).toHaveProperty('code');
        }
      }),
      { numRuns: numRuns(150) },
    );
    await s.client.close();
  });

  it('any payload on a reply topic: never a throw, a waiting request resolves only with its own id', async () => {
    const s = setup(0);
    await connected(s);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => new TextEncoder().encode(j))), async (junk) => {
        const r = s.client.deviceData.postMeasurepoint({ point: { measurepoints: { v: 1 } } });
        await settle();
        const sent = s.broker.published.at(-1)!;
        const id = (JSON.parse(sent.text) as { id: string }).id;
        s.broker.push(`${base}/thing/measurepoint/post_reply`, junk);
        await settle();
        s.broker.push(`${base}/thing/measurepoint/post_reply`, `{"id":"${id}","code":200,"data":""}`);
        await expect(r).resolves.toMatchObject({ id, code: 200 });
      }),
      { numRuns: numRuns(100) },
    );
    await s.client.close();
  });
});

describe('the seed classes and helpers', () => {
  it('DeviceInfo and SubDeviceInfo keep the seed fields and refuse missing keys', () => {
    expect(new DeviceInfo({ productKey: 'p', deviceKey: 'd', deviceSecret: 's' })).toMatchObject({ productKey: 'p', deviceKey: 'd', deviceSecret: 's', productSecret: undefined });
    expect(new SubDeviceInfo({ productKey: 'p', deviceKey: 'd', productSecret: 'ps', timestamp: 1, clientId: 'c', cleanSession: true })).toMatchObject({ productSecret: 'ps', timestamp: 1, clientId: 'c', cleanSession: true });
    expect(() => new DeviceInfo({ productKey: '', deviceKey: 'd' })).toThrow(EnosError);
    expect(SECURE_MODE).toEqual({ VIA_DEVICE_SECRET: 2, VIA_PRODUCT_SECRET: 3, VIA_INTEGRATION_CHANNEL: 4 });
  });

  it('constructor options are checked with typed errors', () => {
    const rt: EnosRuntime = { clock: manualClock(0), random: seededRandom(1), dial: scriptedBroker(() => undefined).dial };
    const base = { brokerUrl: 'tcp://h', productKey: 'p', deviceKey: 'dddd', deviceSecret: 's' };
    expect(() => new DeviceClient(base)).toThrow(/no runtime/);
    expect(() => new DeviceClient({ ...base, deviceSecret: undefined }, rt)).toThrow(EnosError);
    expect(() => new DeviceClient({ ...base, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET }, rt)).toThrow(/productSecret/);
    expect(() => new DeviceClient({ ...base, secureMode: 7 as 2 }, rt)).toThrow(/secureMode/);
    expect(() => new DeviceClient({ ...base, brokerUrl: 'http://h' }, rt)).toThrow(/brokerUrl/);
    expect(() => new GatewayClient({ ...base, replyTimeout: 0 }, rt)).toThrow(/replyTimeout/);
  });

  it('parseBrokerUrl: EnOS default ports, IPv6, paths; TLS material only for TLS', () => {
    expect(parseBrokerUrl('tcp://h')).toMatchObject({ protocol: 'tcp', host: 'h', port: 11883 });
    expect(parseBrokerUrl('ssl://h', { ca: 'x' })).toMatchObject({ protocol: 'tls', port: 18883, tls: { ca: 'x' } });
    expect(parseBrokerUrl('tcp://h:1', { ca: 'x' }).tls).toBeUndefined();
    expect(parseBrokerUrl('wss://h/mqtt')).toMatchObject({ protocol: 'wss', port: 18885 });
    expect(parseBrokerUrl('mqtt://[::1]:1883')).toMatchObject({ host: '::1', port: 1883 });
    for (const bad of ['h:1', 'tcp://', 'tcp://h:0', 'tcp://h:70000', 'ftp://h', 'tcp://a b']) expect(() => parseBrokerUrl(bad)).toThrow(EnosError);
  });

  it('Emitter: once, off, a throwing listener becomes an error event, an error without listeners is dropped', () => {
    const e = new Emitter<{ a: (n: number) => void; error: (err: Error) => void }>();
    const seen: unknown[] = [];
    const once = (n: number): void => void seen.push(`once ${n}`);
    e.once('a', once);
    e.on('a', (n) => {
      if (n === 2) throw new Error('listener failed');
      seen.push(n);
    });
    expect(e.emit('error', new Error('nobody listens'))).toBe(false);
    e.emit('a', 1);
    e.on('error', (err) => seen.push(err.message));
    e.emit('a', 2);
    expect(seen).toEqual(['once 1', 1, 'listener failed']);
    expect(e.listenerCount('a')).toBe(1);
    e.removeAllListeners();
    expect(e.listenerCount('error')).toBe(0);
  });
});

import { runCases } from '../../../test/conformance/harness.ts';
import { cases } from './conformance.ts';

describe('conformance vectors (also run in Deno, Bun, Chromium and QuickJS)', () => {
  for (const r of runCases(cases)) it(r.name, () => expect(r.error).toBeUndefined());
});
