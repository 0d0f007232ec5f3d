// The device client end to end on 127.0.0.1 against the emulator: signed CONNECT, property post,
// shadow; then commands, replies and notifications with the platform's side chosen by the test
// (the emulator's fault injection for the device's own requests, its cloud API and `publish` for
// commands), asserting the bytes the device sends, over TCP, TLS and WebSocket.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, DeviceError, type DeviceClient, type DeviceEvent } from '@linkwire/device';
import { startEmulator, type Emulator, type EmulatorEvent } from '@linkwire/emulator';
import { MqttConnectError } from '@linkwire/mqtt';
import { createNodeDeviceClient, registerNodeHash, type NodeEndpoint } from '@linkwire/node';
import { compileTsl, parseTsl } from '@linkwire/tsl';

registerNodeHash();
const device = { productKey: 'a1DevClient', deviceName: 'dev-client-1', deviceSecret: 'dev-secret-9a8b7c' };
const clients: DeviceClient[] = [];
const make = (o: Parameters<typeof createNodeDeviceClient>[0]): DeviceClient => {
  const c = createNodeDeviceClient({ mqtt: { backoff: { minMs: 20, maxMs: 200 } }, ...o });
  clients.push(c);
  return c;
};
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end()));
});

describe('against the emulator', () => {
  let platform: Emulator;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [device] });
  });
  afterAll(() => platform.close());

  it.each(['hmacmd5', 'hmacsha1', 'hmacsha256'] as const)('signs CONNECT with %s (securemode 3 over TCP) and posts properties with a reply', async (signMethod) => {
    const d = make({ ...device, signMethod, endpoint: { host: platform.host, port: platform.port } });
    await d.connect();
    const reply = await d.postProperties({ Temperature: 21.5, Humidity: { value: 40, time: 1_700_000_000_000 } });
    expect(reply.code).toBe(200);
  });

  it('a wrong secret is refused with the CONNACK code, not retried', async () => {
    const d = make({ ...device, deviceSecret: 'wrong', endpoint: { host: platform.host, port: platform.port } });
    const e = await d.connect().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(MqttConnectError);
    expect((e as MqttConnectError).returnCode).toBe(4);
  });

  it('validates against the thing model before sending', async () => {
    const tsl = compileTsl(parseTsl({ profile: { productKey: device.productKey }, properties: [{ identifier: 'Temperature', name: 't', accessMode: 'rw', dataType: { type: 'float', specs: { min: '-40', max: '120' } } }] }).model!);
    const d = make({ ...device, tsl, endpoint: { host: platform.host, port: platform.port } });
    await d.connect();
    await expect(d.postProperties({ Temperature: 500 })).rejects.toMatchObject({ code: 'invalid_params' });
    expect((await d.postProperties({ Temperature: 20 })).code).toBe(200);
  });

  it('shadow: get, report with the document version, delta from the cloud applied, reported and cleared', async () => {
    const d = make({ ...device, endpoint: { host: platform.host, port: platform.port } });
    await d.connect();
    const doc = await d.shadow.get();
    const v = await d.shadow.update({ color: 'red' });
    expect(v).toBe(doc.version + 1);
    const applied = new Promise<unknown>((resolve) => d.shadow.onDelta((desired) => resolve(desired)));
    await platform.updateShadow(device.productKey, device.deviceName, { method: 'update', state: { desired: { color: 'green' } }, version: v + 1 });
    expect(await applied).toEqual({ color: 'green' });
    await expect.poll(() => platform.shadow(device.productKey, device.deviceName).state.reported?.['color']).toBe('green');
    await expect.poll(() => platform.shadow(device.productKey, device.deviceName).state.desired).toBeUndefined();
    expect(d.shadow.document?.state.reported?.['color']).toBe('green');
  });
});

const HOUR = 3_600_000;
const victim = { productKey: device.productKey, deviceName: 'dev-client-2', deviceSecret: 'dev-secret-2' };
const modelled = { productKey: 'a1DevModel1', deviceName: 'dev-model-1', deviceSecret: 'dev-model-secret' };
const modelTsl = { profile: { productKey: modelled.productKey }, properties: [{ identifier: 'Power', accessMode: 'rw', dataType: { type: 'int', specs: { min: '0', max: '10' } } }] };
type Identity = { productKey: string; deviceName: string; deviceSecret: string };

describe.each(['tcp', 'tls', 'ws'] as const)('against the emulator, the platform\'s answers chosen by the test, over %s', (transport) => {
  let platform: Emulator;
  let endpoint: NodeEndpoint;
  const seen: EmulatorEvent[] = [];
  beforeAll(async () => {
    // The platform's clock is an hour ahead of the device's (NTP must find it): signed timestamps
    // are allowed two hours of distance.
    platform = await startEmulator({
      devices: [device, victim, modelled], products: [{ productKey: modelled.productKey, tsl: modelTsl }], ...(transport === 'tls' ? { tls: true } : {}), websocket: transport === 'ws',
      now: () => Date.now() + HOUR, timestampWindowMs: 2 * HOUR, rawReply: () => Uint8Array.of(9, 9), onEvent: (e) => seen.push(e),
    });
    endpoint = transport === 'tcp' ? { host: platform.host, port: platform.port }
      : transport === 'tls' ? { host: platform.host, port: platform.tlsPort!, tls: { ca: platform.ca! } }
      : { url: `ws://${platform.host}:${platform.wsPort}/mqtt` };
  });
  afterAll(() => platform.close());
  afterEach(() => void platform.faults.clear());

  const sys = `/sys/${device.productKey}/${device.deviceName}`;
  const connect = async (extra: Partial<Parameters<typeof createNodeDeviceClient>[0]> = {}, who: Identity = device): Promise<{ d: DeviceClient; events: DeviceEvent[] }> => {
    const events: DeviceEvent[] = [];
    const d = make({ ...who, endpoint, onEvent: (e) => events.push(e), ...extra });
    await d.connect();
    return { d, events };
  };
  const codes = (events: DeviceEvent[]): string[] => events.flatMap((e) => (e.type === 'error' ? [(e.error as DeviceError).code] : []));
  /** The exact text the device published on `topic` (the one with this id): what the platform received. */
  const sent = async (topic: string, id: string): Promise<string> => {
    const find = (): string | undefined => {
      for (const e of seen) if (e.type === 'request' && e.topic === topic && (JSON.parse(e.payload) as { id?: unknown }).id === id) return e.payload;
      return undefined;
    };
    await expect.poll(find).toBeDefined();
    return find()!;
  };

  it('property set: the handler result is the set_reply; no handler → 460, never success', async () => {
    const { d } = await connect();
    expect(await platform.setProperties(device.productKey, device.deviceName, { Light: 1 })).toMatchObject({ status: 'replied', code: 460 });
    d.onPropertySet((p) => ({ applied: p['Light'] }));
    const r = await platform.setProperties(device.productKey, device.deviceName, { Light: 0 });
    expect(r).toMatchObject({ status: 'replied', code: 200, data: { applied: 0 } });
    expect(await sent(`${sys}/thing/service/property/set_reply`, (r as { id: string }).id)).toBe(`{"id":"${(r as { id: string }).id}","code":200,"data":{"applied":0}}`);
  });

  it('services: async answered on {service}_reply, errors carry their code, a method not the topic\'s is answered 460, junk is reported', async () => {
    const { d, events } = await connect();
    d.onService('reboot', (params) => ({ delay: params['delay'] }));
    d.onService('fail', () => {
      throw new CommandError(100001, 'busy');
    });
    const r = await platform.invokeService(device.productKey, device.deviceName, 'reboot', { delay: 3 });
    expect(r).toMatchObject({ status: 'replied', code: 200, data: { delay: 3 } });
    expect(await sent(`${sys}/thing/service/reboot_reply`, (r as { id: string }).id)).toBe(`{"id":"${(r as { id: string }).id}","code":200,"data":{"delay":3}}`);
    expect(await platform.invokeService(device.productKey, device.deviceName, 'fail', {})).toMatchObject({ status: 'replied', code: 100001, message: 'busy' });
    platform.publish(`${sys}/thing/service/reboot`, '{"id":"23","version":"1.0","params":{},"method":"thing.service.other"}');
    expect(JSON.parse(await sent(`${sys}/thing/service/reboot_reply`, '23'))).toMatchObject({ id: '23', code: 460 });
    // Not JSON at all: no id to answer, an error event.
    platform.publish(`${sys}/thing/service/reboot`, '{"id":');
    await expect.poll(() => codes(events)).toContain('invalid_message');
    expect(d.state).toBe('connected');
  });

  it('sync services over RRPC and user RRPC: concurrent calls each answered on their own messageId', async () => {
    const { d } = await connect();
    d.onService('slow', async (params) => {
      await new Promise((r) => setTimeout(r, Number(params['ms'])));
      return { n: params['n'] };
    });
    const calls = await Promise.all(([[1, 60], [2, 5], [3, 30]] as const).map(([n, ms]) => platform.invokeService(device.productKey, device.deviceName, 'slow', { n, ms }, { sync: true })));
    expect(calls.map((c) => (c.status === 'replied' ? c.data : c.status))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const topic = `/${device.productKey}/${device.deviceName}/user/get`;
    await d.onRrpc(topic, (payload, ctx) => `echo ${ctx.messageId} ${new TextDecoder().decode(payload)}`);
    const answers = await Promise.all(['x', 'y'].map((p) => platform.rrpc(device.productKey, device.deviceName, topic, p)));
    const texts = answers.map((a) => (a.status === 'replied' ? new TextDecoder().decode(a.payload) : a.status));
    expect(texts[0]).toMatch(/^echo \S+ x$/);
    expect(texts[1]).toMatch(/^echo \S+ y$/);
    expect(texts[0]!.split(' ')[1]).not.toBe(texts[1]!.split(' ')[1]);
  });

  it('replies: a code chosen by the platform rejects with reply_error and the seed meaning; unknown ids are reported; silence and late replies time out', async () => {
    const { d, events } = await connect({ requestTimeoutMs: 300 });
    // aliyun-iot-platform-device-guide.txt §9.12: 460 request parameter error, 429 too many requests.
    platform.faults.add({ productKey: device.productKey, deviceName: device.deviceName, method: 'thing.deviceinfo.update', reply: { code: 460 }, times: 1 });
    const e = (await d.updateTags({ room: 'kitchen' }).catch((x: unknown) => x)) as DeviceError;
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.code).toBe('reply_error');
    expect(e.replyCode).toBe(460);
    expect(e.message).toMatch(/request parameter error/);
    platform.faults.add({ productKey: device.productKey, method: 'thing.event.alarm.post', reply: { code: 429 }, times: 1 });
    await expect(d.postEvent('alarm', { level: 2 })).rejects.toMatchObject({ code: 'reply_error', replyCode: 429, message: expect.stringMatching(/too many requests/) });
    expect((await d.postEvent('alarm', { level: 2 })).code).toBe(200);
    expect((await d.updateTags({ room: 'kitchen' })).code).toBe(200);
    platform.publish(`${sys}/thing/event/property/post_reply`, '{"id":"999999","code":200,"data":{}}');
    await expect.poll(() => codes(events)).toContain('unmatched_reply');
    platform.faults.add({ productKey: device.productKey, method: 'thing.dsltemplate.get', reply: 'silent', times: 1 });
    await expect(d.getDslTemplate()).rejects.toMatchObject({ code: 'reply_timeout' });
    // The platform's own answer, after the device gave up: reported as matching nothing.
    const before = codes(events).filter((c) => c === 'unmatched_reply').length;
    platform.faults.add({ productKey: device.productKey, method: 'thing.deviceinfo.delete', reply: { delayMs: 600 }, times: 1 });
    await expect(d.deleteTags(['room'])).rejects.toMatchObject({ code: 'reply_timeout' });
    await expect.poll(() => codes(events).filter((c) => c === 'unmatched_reply').length).toBe(before + 1);
    expect(d.state).toBe('connected');
  });

  it('NTP: the seed formula finds the platform\'s clock an hour ahead, exposed as a clock', async () => {
    const { d } = await connect();
    const t = await d.ntp();
    expect(Math.abs(t - (Date.now() + HOUR))).toBeLessThan(1000);
    expect(Math.abs(d.platformClock.now() - (Date.now() + HOUR))).toBeLessThan(2000);
  });

  it('seed vectors (aliyun-iot-platform-device-guide.txt §4, TSL service example): commands and their byte-exact replies', async () => {
    const { d } = await connect();
    d.onPropertySet(() => undefined);
    d.onService('AutoSprinkle', () => undefined);
    d.onService('SetWeight', (p) => (p['NewWeight'] === 100.8 ? {} : { wrong: true }));
    // The guide's property set example has a trailing comma after "PowerSwitch" : 0 (not JSON); sent without it.
    platform.publish(`${sys}/thing/service/property/set`, '{\n    "id" : "123",\n    "version":"1.0",\n    "params" : {\n    "PowerSwitch" : 0\n    },\n    "method":"thing.service.property.set"\n}');
    expect(await sent(`${sys}/thing/service/property/set_reply`, '123')).toBe('{"id":"123","code":200,"data":{}}');
    platform.publish(`${sys}/thing/service/AutoSprinkle`, '{"id" : "123","version":"1.0","params" : {"SprinkleTime" : 50,"SprinkleVolume" : 600},"method": "thing.service.AutoSprinkle"}');
    expect(await sent(`${sys}/thing/service/AutoSprinkle_reply`, '123')).toBe('{"id":"123","code":200,"data":{}}');
    platform.publish(`${sys}/thing/service/SetWeight`, '{"method": "thing.service.SetWeight","id": "105917531","params": {"NewWeight": 100.8},"version": "1.0.0"}');
    expect(await sent(`${sys}/thing/service/SetWeight_reply`, '105917531')).toBe('{"id":"105917531","code":200,"data":{}}');
  });

  it('bad input from the platform: oversized, replies on another topic, junk replies — reported, never fatal', async () => {
    const { d, events } = await connect({ requestTimeoutMs: 500 }, modelled);
    d.onService('big', () => ({}));
    const msys = `/sys/${modelled.productKey}/${modelled.deviceName}`;
    platform.publish(`${msys}/thing/service/big`, `{"id":"1","version":"1.0","params":{"x":"${'a'.repeat(300 * 1024)}"},"method":"thing.service.big"}`);
    await expect.poll(() => codes(events)).toContain('too_large');
    // A pack post's reply arriving on the property post reply topic does not settle it.
    platform.faults.add({ productKey: modelled.productKey, method: 'thing.event.property.pack.post', reply: { topic: `${msys}/thing/event/property/post_reply` }, times: 1 });
    await expect(d.postPack({ properties: { Power: { value: 1, time: 1_700_000_000_000 } } })).rejects.toMatchObject({ code: 'reply_timeout' });
    expect(codes(events)).toContain('unmatched_reply');
    expect((await d.postPack({ properties: { Power: { value: 1, time: 1_700_000_000_000 } } })).code).toBe(200);
    platform.publish(`${msys}/thing/event/property/pack/post_reply`, '[1,2]');
    await expect.poll(() => codes(events)).toContain('invalid_message');
    expect(seen.some((e) => e.type === 'request' && e.topic === `${msys}/thing/service/big_reply`)).toBe(false);
    expect(d.state).toBe('connected');
  });

  it('raw up and down', async () => {
    const { d } = await connect();
    expect([...(await d.postRaw(new Uint8Array([1, 2, 3])))]).toEqual([9, 9]);
    d.onRawDown((bytes) => new Uint8Array([...bytes].reverse()));
    const r = await platform.sendRaw(device.productKey, device.deviceName, new Uint8Array([1, 2]));
    expect(r.status === 'replied' && [...r.payload]).toEqual([2, 1]);
  });

  it('thing.enable, thing.disable and thing.delete from the platform: answered, reported, and the platform acts on them', async () => {
    const vsys = `/sys/${victim.productKey}/${victim.deviceName}`;
    const { d, events } = await connect({}, victim);
    const enabled = await platform.enableDevice(victim.productKey, victim.deviceName);
    expect(enabled).toMatchObject({ status: 'replied', code: 200 });
    expect(await sent(`${vsys}/thing/enable_reply`, (enabled as { id: string }).id)).toBe(`{"id":"${(enabled as { id: string }).id}","code":200,"data":{}}`);
    const disabled = await platform.disableDevice(victim.productKey, victim.deviceName);
    expect(disabled).toMatchObject({ status: 'replied', code: 200 });
    expect(await sent(`${vsys}/thing/disable_reply`, (disabled as { id: string }).id)).toBe(`{"id":"${(disabled as { id: string }).id}","code":200,"data":{}}`);
    expect(events.filter((e) => e.type === 'enabled' || e.type === 'disabled')).toEqual([
      { type: 'enabled', ...identity(victim) }, { type: 'disabled', ...identity(victim) },
    ]);
    // Taken offline, and a disabled device may not come back (CONNACK 5).
    await expect.poll(() => platform.device(victim.productKey, victim.deviceName)?.online).toBe(false);
    await d.end();
    const again = make({ ...victim, endpoint });
    expect(await again.connect().then(() => 0, (x: MqttConnectError) => x.returnCode)).toBe(5);
    await again.end();
    expect(await platform.enableDevice(victim.productKey, victim.deviceName)).toEqual({ status: 'offline' });
    const back = await connect({}, victim);
    const deleted = await platform.deleteDevice(victim.productKey, victim.deviceName);
    expect(deleted).toMatchObject({ status: 'replied', code: 200 });
    expect(back.events.filter((e) => e.type === 'deleted')).toEqual([{ type: 'deleted', ...identity(victim) }]);
    expect(platform.device(victim.productKey, victim.deviceName)).toBeUndefined();
    // Put back for the next transport's run (each has its own emulator, but the names are shared).
    platform.addDevice(victim);
  });
});

const identity = (x: Identity): { productKey: string; deviceName: string } => ({ productKey: x.productKey, deviceName: x.deviceName });
