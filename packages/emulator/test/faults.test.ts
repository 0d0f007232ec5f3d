// Fault injection (emulator.faults, /api/faults, /api/tokens/expire): the platform's answer to a
// device's own request chosen by the test — a code with the seed's meaning, silence, a delay,
// another reply topic — and tokens expired on demand. Driven by MQTT.js and fetch as independent
// devices, so what is asserted is the bytes on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaults, MAX_DELAYED_REPLIES, startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { deviceNameAuthRequest, httpAuthRequest, mqttCredentials, mqttTokenCredentials, parseDeviceNameAuthReply, parseHttpAuthReply, type HttpRequest } from '@linkwire/sign';
import { mqttJsDevice, sleep, type MqttJsDevice } from '../../../test/support/mqttjs-device.ts';

const PK = 'a1FaultPk01';
const dev = { productKey: PK, deviceName: 'fault-dev-1', deviceSecret: 'fault-secret-1' };
const other = { productKey: PK, deviceName: 'fault-dev-2', deviceSecret: 'fault-secret-2' };
const sys = (d: { deviceName: string }): string => `/sys/${PK}/${d.deviceName}`;
const post = (id: string): string => `{"id":"${id}","version":"1.0","params":{"Power":1},"method":"thing.event.property.post"}`;

describe('the fault table', () => {
  const request = { productKey: PK, deviceName: 'd1', topic: `/sys/${PK}/d1/thing/event/property/post`, method: 'thing.event.property.post' };

  it('matches by product, device, method and topic filter, first added first; a code carries the seed meaning', () => {
    const t = createFaults();
    t.add({ productKey: PK, deviceName: 'other', reply: 'silent' });
    t.add({ productKey: PK, method: 'thing.event.alarm.post', reply: 'silent' });
    const f = t.add({ productKey: PK, topic: '/sys/+/+/thing/event/property/#', reply: { code: 6106 } });
    t.add({ productKey: PK, reply: { code: 200 } });
    // aliyun-iot-platform-device-guide.txt §9.5: 6106 "map size must less than 200".
    expect(t.match(request)).toEqual({ id: f.id, kind: 'reply', code: 6106, message: 'map size must less than 200', data: {}, topic: undefined, delayMs: 0 });
    expect(f.hits).toBe(1);
    expect(t.match({ ...request, productKey: 'a1Other0001' })).toBeUndefined();
    // A success carries no message; sub-device session codes are read from their own table (§6: 6401).
    expect(t.match({ ...request, topic: `/sys/${PK}/d1/thing/deviceinfo/update`, method: 'thing.deviceinfo.update' })).toMatchObject({ code: 200, message: undefined });
    const s = createFaults();
    s.add({ productKey: PK, reply: { code: 6401 } });
    expect(s.match({ ...request, topic: `/ext/session/${PK}/d1/combine/login`, method: 'combine.login' })).toMatchObject({ message: 'topo relation not exist' });
  });

  it('times: removed after that many hits; remove and clear; a chosen code never catches NTP, raw or shadow', () => {
    const t = createFaults();
    const f = t.add({ productKey: PK, reply: { code: 429 }, times: 2 });
    expect(t.match({ ...request, method: undefined, topic: `/ext/ntp/${PK}/d1/request` })).toBeUndefined();
    expect(t.match(request)?.kind).toBe('reply');
    expect(t.match(request)?.kind).toBe('reply');
    expect(t.match(request)).toBeUndefined();
    expect(f.hits).toBe(2);
    expect(f.remove()).toBe(false);
    const g = t.add({ productKey: PK, reply: { delayMs: 5 } });
    expect(t.match({ ...request, method: undefined, topic: `/ext/ntp/${PK}/d1/request` })).toEqual({ id: g.id, kind: 'reroute', topic: undefined, delayMs: 5 });
    expect(t.list().map((x) => x.id)).toEqual([g.id]);
    expect(t.remove(g.id)).toBe(true);
    t.add({ productKey: PK, reply: 'silent' });
    t.add({ productKey: PK, reply: 'silent' });
    expect(t.size).toBe(2);
    expect(t.clear()).toBe(2);
    expect(t.list()).toEqual([]);
    expect(t.size).toBe(0);
  });

  it('refuses bad faults with invalid_option naming the field, and copies what it keeps', () => {
    const t = createFaults();
    for (const bad of [
      null, 'x', {}, { productKey: PK }, { productKey: '', reply: 'silent' }, { productKey: PK, reply: 'loud' }, { productKey: PK, reply: {} },
      { productKey: PK, reply: { code: -1 } }, { productKey: PK, reply: { code: 1.5 } }, { productKey: PK, reply: { code: 200, data: 1n } },
      { productKey: PK, reply: { message: 'no code' } }, { productKey: PK, reply: { delayMs: 10 * 60 * 1000 + 1 } }, { productKey: PK, reply: { topic: '/a/+' } },
      { productKey: PK, topic: 'a/#/b', reply: 'silent' }, { productKey: PK, times: 0, reply: 'silent' }, { productKey: PK, deviceName: 7, reply: 'silent' },
    ]) {
      expect(() => t.add(bad as never), JSON.stringify(bad, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    }
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => t.add({ productKey: PK, reply: { code: 200, data: cyclic } })).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'fault.reply.data' }));
    const data = { a: 1 };
    t.add({ productKey: PK, reply: { code: 200, data } });
    data.a = 2;
    expect(t.match(request)).toMatchObject({ data: { a: 1 } });
    const n = createFaults();
    n.add({ productKey: PK, reply: { code: 200, data: null } });
    expect(n.match(request)).toMatchObject({ data: null });
  });
});

describe('faults on the wire (MQTT.js as the device)', () => {
  let platform: Emulator;
  let d: MqttJsDevice;
  let d2: MqttJsDevice;
  const events: EmulatorEvent[] = [];
  beforeAll(async () => {
    platform = await startEmulator({ devices: [dev, other], http: true, admin: true, onEvent: (e) => events.push(e), rawReply: () => Uint8Array.of(7) });
    const connect = (x: typeof dev) => mqttJsDevice(`mqtt://${platform.host}:${platform.port}`, mqttCredentials({ ...x, secureMode: 3, timestamp: Date.now() }));
    [d, d2] = await Promise.all([connect(dev), connect(other)]);
    for (const c of [d, d2]) await c.m.subscribeAsync(`${sys(c === d ? dev : other)}/thing/#`, { qos: 1 });
    await d.m.subscribeAsync(`/ext/ntp/${PK}/${dev.deviceName}/response`, { qos: 1 });
  });
  afterAll(async () => {
    await Promise.all([d.end(), d2.end()]);
    await platform.close();
  });

  it('a chosen code (seed §9.12: 429 too many requests) in place of the reply, to one device, the given number of times; the request is not processed', async () => {
    platform.faults.add({ productKey: PK, deviceName: dev.deviceName, method: 'thing.event.property.post', reply: { code: 429 }, times: 1 });
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/post`, '{"id":"1","version":"1.0","params":{"Power":5},"method":"thing.event.property.post"}', { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/event/property/post_reply`)).payload).toBe('{"id":"1","code":429,"data":{},"message":"too many requests"}');
    expect(platform.device(PK, dev.deviceName)?.properties['Power']).toBeUndefined();
    // The other device, and the next request, get the platform's own answer.
    await d2.m.publishAsync(`${sys(other)}/thing/event/property/post`, post('2'), { qos: 1 });
    expect((await d2.next(`${sys(other)}/thing/event/property/post_reply`)).payload).toBe('{"id":"2","code":200,"data":{}}');
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/post`, post('3'), { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/event/property/post_reply`)).payload).toBe('{"id":"3","code":200,"data":{}}');
    expect(platform.faults.list()).toEqual([]);
    // Said in the events and in the console's log.
    const fault = { type: 'fault', action: 'reply', topic: `${sys(dev)}/thing/event/property/post`, productKey: PK, deviceName: dev.deviceName };
    expect(events.filter((e) => e.type === 'fault')).toEqual([{ ...fault, id: expect.any(String) }]);
    const log = await (await fetch(`${platform.adminUrl}api/messages?device=${PK}/${dev.deviceName}`)).json() as { messages: { kind: string; detail?: string }[] };
    expect(log.messages.filter((m) => m.kind === 'fault').map((m) => m.detail)).toEqual([expect.stringMatching(/^fault \d+: chosen reply to \/sys\/.*\/thing\/event\/property\/post$/)]);
  });

  it('silence: no reply at all until the fault is removed', async () => {
    const f = platform.faults.add({ productKey: PK, topic: `/sys/${PK}/+/thing/deviceinfo/update`, reply: 'silent' });
    await d.m.publishAsync(`${sys(dev)}/thing/deviceinfo/update`, '{"id":"4","version":"1.0","params":[{"attrKey":"room","attrValue":"k"}],"method":"thing.deviceinfo.update"}', { qos: 1 });
    await sleep(150);
    expect(d.messages.filter((m) => m.topic.endsWith('deviceinfo/update_reply'))).toEqual([]);
    expect(platform.device(PK, dev.deviceName)?.tags).toEqual({});
    expect(f.hits).toBe(1);
    expect(f.remove()).toBe(true);
    await d.m.publishAsync(`${sys(dev)}/thing/deviceinfo/update`, '{"id":"5","version":"1.0","params":[{"attrKey":"room","attrValue":"k"}],"method":"thing.deviceinfo.update"}', { qos: 1 });
    expect(JSON.parse((await d.next(`${sys(dev)}/thing/deviceinfo/update_reply`)).payload)).toMatchObject({ id: '5', code: 200 });
  });

  it('the platform\'s own reply delayed and on another topic (a pack post answered on the property post reply topic); NTP delayed', async () => {
    platform.faults.add({ productKey: PK, method: 'thing.event.property.pack.post', reply: { topic: `${sys(dev)}/thing/event/property/post_reply` }, times: 1 });
    const pack = `{"id":"6","version":"1.0","params":{"properties":{"Power":{"value":2,"time":1524448722000}},"events":{},"subDevices":[]},"method":"thing.event.property.pack.post"}`;
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/pack/post`, pack, { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/event/property/post_reply`)).payload).toBe('{"id":"6","code":200,"data":{}}');
    expect(d.messages.filter((m) => m.topic.endsWith('pack/post_reply'))).toEqual([]);
    // Processed as ever: only the reply's way changed.
    expect(platform.device(PK, dev.deviceName)?.properties['Power']?.value).toBe(2);

    platform.faults.add({ productKey: PK, topic: '/ext/ntp/+/+/request', reply: { delayMs: 300 }, times: 1 });
    const sent = Date.now();
    await d.m.publishAsync(`/ext/ntp/${PK}/${dev.deviceName}/request`, `{"deviceSendTime":"${sent}"}`, { qos: 1 });
    await sleep(100);
    expect(d.messages.filter((m) => m.topic.endsWith('/response'))).toEqual([]);
    expect(JSON.parse((await d.next(`/ext/ntp/${PK}/${dev.deviceName}/response`)).payload)).toMatchObject({ deviceSendTime: String(sent) });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(300);
  });

  it('a chosen reply with data, late; sys.ack 0 still gets no reply; a request that does not parse is answered with the salvaged id', async () => {
    platform.faults.add({ productKey: PK, method: 'thing.event.property.post', reply: { code: 200, data: { note: 'scripted' }, delayMs: 50 }, times: 3 });
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/post`, post('7'), { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/event/property/post_reply`)).payload).toBe('{"id":"7","code":200,"data":{"note":"scripted"}}');
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/post`, '{"id":"8","version":"1.0","sys":{"ack":0},"params":{},"method":"thing.event.property.post"}', { qos: 1 });
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/post`, '{"id":"9","params":', { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/event/property/post_reply`)).payload).toBe('{"id":"9","code":200,"data":{"note":"scripted"}}');
    expect(d.messages.filter((m) => m.topic.endsWith('post_reply'))).toEqual([]);
  });

  it('raw uplink: silenced, then answered again', async () => {
    const f = platform.faults.add({ productKey: PK, topic: '/sys/+/+/thing/model/up_raw', reply: 'silent' });
    await d.m.publishAsync(`${sys(dev)}/thing/model/up_raw`, Buffer.from([1]), { qos: 1 });
    await sleep(100);
    expect(d.messages.filter((m) => m.topic.endsWith('up_raw_reply'))).toEqual([]);
    f.remove();
    await d.m.publishAsync(`${sys(dev)}/thing/model/up_raw`, Buffer.from([1]), { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/model/up_raw_reply`)).payload).toBe('\u0007');
  });

  it('delayed replies are bounded: past MAX_DELAYED_REPLIES a reply goes at once, said in an invalid event', async () => {
    platform.faults.add({ productKey: PK, deviceName: other.deviceName, method: 'thing.event.property.post', reply: { delayMs: 600_000 } });
    const n = MAX_DELAYED_REPLIES + 20;
    for (let i = 0; i < n; i++) d2.m.publish(`${sys(other)}/thing/event/property/post`, post(`f${i}`), { qos: 0 });
    await expect.poll(() => d2.messages.filter((m) => m.topic.endsWith('property/post_reply')).length, { timeout: 20_000 }).toBe(20);
    expect(events.filter((e) => e.type === 'invalid' && e.reason.includes('delayed by faults'))).toHaveLength(20);
    expect(JSON.parse(d2.messages.find((m) => m.topic.endsWith('property/post_reply'))!.payload)).toMatchObject({ id: `f${MAX_DELAYED_REPLIES}`, code: 200 });
    d2.messages.length = 0;
    platform.faults.clear();
  }, 30_000);

  it('the admin API: add, list, read, delete one, delete all; bad faults are a typed 400', async () => {
    const api = `${platform.adminUrl}api`;
    const send = (path: string, method: string, body?: unknown) =>
      fetch(`${api}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    const added = await send('/faults', 'POST', { productKey: PK, deviceName: dev.deviceName, method: 'thing.event.property.post', reply: { code: 460, message: 'bad value' }, times: 1 });
    expect(added.status).toBe(201);
    const view = await added.json() as { id: string };
    expect(view).toEqual({ id: view.id, productKey: PK, deviceName: dev.deviceName, method: 'thing.event.property.post', reply: { code: 460, message: 'bad value' }, times: 1, hits: 0 });
    await d.m.publishAsync(`${sys(dev)}/thing/event/property/post`, post('10'), { qos: 1 });
    expect((await d.next(`${sys(dev)}/thing/event/property/post_reply`)).payload).toBe('{"id":"10","code":460,"data":{},"message":"bad value"}');
    // Used up: gone.
    expect((await send(`/faults/${view.id}`, 'GET')).status).toBe(404);
    const second = await (await send('/faults', 'POST', { productKey: PK, reply: 'silent' })).json() as { id: string };
    await send('/faults', 'POST', { productKey: PK, reply: { delayMs: 10 } });
    expect(((await (await send('/faults', 'GET')).json()) as { faults: unknown[] }).faults).toHaveLength(2);
    expect(await (await send(`/faults/${second.id}`, 'GET')).json()).toMatchObject({ id: second.id, reply: 'silent', hits: 0 });
    expect((await send(`/faults/${second.id}`, 'DELETE')).status).toBe(204);
    expect(await (await send('/faults', 'DELETE')).json()).toEqual({ removed: 1 });
    for (const bad of [{ productKey: PK, reply: { code: 'x' } }, { reply: 'silent' }, { productKey: PK, reply: { data: {} } }]) {
      const r = await send('/faults', 'POST', bad);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect((await send('/faults', 'PUT', {})).status).toBe(405);
    expect((await send('/tokens/expire', 'POST', { deviceName: dev.deviceName })).status).toBe(400);
  });
});

describe('tokens expired on demand', () => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [dev, other], http: true, admin: true });
  });
  afterAll(() => platform.close());
  const send = async (r: HttpRequest, headers: Record<string, string> = {}): Promise<string> =>
    (await fetch(`http://${platform.host}:${platform.httpPort}${r.path}`, { method: r.method, headers: { ...r.headers, ...headers }, body: r.body })).text();
  const token = async (x: typeof dev): Promise<string> => {
    const a = parseHttpAuthReply(await send(httpAuthRequest({ ...x, timestamp: Date.now() })));
    if (!a.ok) throw new Error(`auth refused: ${a.code}`);
    return a.token;
  };
  const publish = async (t: string, x: typeof dev): Promise<string> =>
    (await fetch(`http://${platform.host}:${platform.httpPort}/topic${sys(x)}/thing/event/property/post`, { method: 'POST', headers: { password: t, 'content-type': 'application/octet-stream' }, body: post('1') })).text();

  it('HTTPS transport: the expired token is answered 20001 (seed §3.4 Table 3-11), the other device\'s keeps working, a new /auth works', async () => {
    const [t1, t2] = [await token(dev), await token(other)];
    expect(JSON.parse(await publish(t1, dev))).toMatchObject({ code: 0 });
    expect(platform.faults.expireTokens({ productKey: PK, deviceName: dev.deviceName })).toBe(1);
    expect(await publish(t1, dev)).toBe('{"code":20001,"message":"token is expired"}');
    expect(JSON.parse(await publish(t2, other))).toMatchObject({ code: 0 });
    expect(JSON.parse(await publish(await token(dev), dev))).toMatchObject({ code: 0 });
    // Through the admin API: every token of every device.
    const r = await fetch(`${platform.adminUrl}api/tokens/expire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await r.json()).toEqual({ expired: 2 });
    expect(await publish(t2, other)).toBe('{"code":20001,"message":"token is expired"}');
  });

  it('MQTT over HTTPS: an expired iotToken is refused at CONNECT (CONNACK 4)', async () => {
    const a = parseDeviceNameAuthReply(await send(deviceNameAuthRequest({ ...dev, timestamp: Date.now(), resources: ['mqtt'] })));
    if (!a.ok) throw new Error('auth refused');
    const creds = (n: number) => mqttTokenCredentials({ clientId: `token-${n}`, iotId: a.iotId, iotToken: a.iotToken });
    const ok = await mqttJsDevice(`mqtt://${platform.host}:${platform.port}`, creds(1));
    expect(ok.error).toBeUndefined();
    await ok.end();
    expect(platform.faults.expireTokens({ productKey: PK })).toBe(1);
    const refused = await mqttJsDevice(`mqtt://${platform.host}:${platform.port}`, creds(2));
    expect(refused.error?.code).toBe(4);
    await refused.end();
    for (const bad of [{ deviceName: 'x' }, null, 'x', Symbol('x'), { productKey: 5 }, { productKey: PK, deviceName: [] }]) {
      expect(() => platform.faults.expireTokens(bad as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    }
    expect(platform.faults.expireTokens()).toBe(0);
  });
});
