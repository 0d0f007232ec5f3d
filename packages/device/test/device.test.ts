// The device client end to end on 127.0.0.1: against the emulator where it answers the flow
// (signed CONNECT, property post, shadow), against aedes with a platform scripted with MQTT.js
// for the commands and replies the emulator does not serve yet.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, DeviceError, type DeviceClient, type DeviceEvent } from '@linkwire/device';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { MqttConnectError } from '@linkwire/mqtt';
import { createNodeDeviceClient, registerNodeHash } from '@linkwire/node';
import { compileTsl, parseTsl } from '@linkwire/tsl';
import { startAedes, type TestBroker } from '../../../test/support/brokers.ts';
import { ok, startPlatform, type ScriptedPlatform } from './platform.ts';

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

describe('against aedes and a scripted platform', () => {
  let broker: TestBroker;
  let cloud: ScriptedPlatform;
  beforeAll(async () => {
    broker = await startAedes();
    cloud = await startPlatform(broker.port);
  });
  afterAll(async () => {
    await cloud.close();
    await broker.close();
  });
  const sys = `/sys/${device.productKey}/${device.deviceName}`;
  const connect = async (extra: Partial<Parameters<typeof createNodeDeviceClient>[0]> = {}): Promise<{ d: DeviceClient; events: DeviceEvent[] }> => {
    const events: DeviceEvent[] = [];
    const d = make({ ...device, endpoint: { host: '127.0.0.1', port: broker.port }, onEvent: (e) => events.push(e), ...extra });
    await d.connect();
    return { d, events };
  };

  it('property set: the handler result is the set_reply; no handler → 460, never success', async () => {
    const { d } = await connect();
    await cloud.publish(`${sys}/thing/service/property/set`, '{"id":"11","version":"1.0","params":{"Light":1},"method":"thing.service.property.set"}');
    const r1 = await cloud.next(`${sys}/thing/service/property/set_reply`);
    expect(JSON.parse(r1.payload)).toMatchObject({ id: '11', code: 460 });
    d.onPropertySet((p) => ({ applied: p['Light'] }));
    await cloud.publish(`${sys}/thing/service/property/set`, '{"id":"12","version":"1.0","params":{"Light":0},"method":"thing.service.property.set"}');
    const r2 = await cloud.next(`${sys}/thing/service/property/set_reply`);
    expect(JSON.parse(r2.payload)).toEqual({ id: '12', code: 200, data: { applied: 0 } });
  });

  it('services: async answered on {service}_reply, errors carry their code, junk is reported and answered 460', async () => {
    const { d, events } = await connect();
    d.onService('reboot', (params) => ({ delay: params['delay'] }));
    d.onService('fail', () => {
      throw new CommandError(100001, 'busy');
    });
    await cloud.publish(`${sys}/thing/service/reboot`, '{"id":"21","version":"1.0","params":{"delay":3},"method":"thing.service.reboot"}');
    expect(JSON.parse((await cloud.next(`${sys}/thing/service/reboot_reply`)).payload)).toEqual({ id: '21', code: 200, data: { delay: 3 } });
    await cloud.publish(`${sys}/thing/service/fail`, '{"id":"22","version":"1.0","params":{},"method":"thing.service.fail"}');
    expect(JSON.parse((await cloud.next(`${sys}/thing/service/fail_reply`)).payload)).toMatchObject({ id: '22', code: 100001, message: 'busy' });
    // method disagrees with the topic: not understood, answered 460
    await cloud.publish(`${sys}/thing/service/reboot`, '{"id":"23","version":"1.0","params":{},"method":"thing.service.other"}');
    expect(JSON.parse((await cloud.next(`${sys}/thing/service/reboot_reply`)).payload)).toMatchObject({ id: '23', code: 460 });
    // not JSON at all: no id to answer, an error event
    await cloud.publish(`${sys}/thing/service/reboot`, '{"id":');
    await expect.poll(() => events.some((e) => e.type === 'error' && (e.error as DeviceError).code === 'invalid_message')).toBe(true);
    expect(d.state).toBe('connected');
  });

  it('sync services over RRPC: concurrent calls each answered on their own messageId', async () => {
    const { d } = await connect();
    d.onService('slow', async (params) => {
      await new Promise((r) => setTimeout(r, Number(params['ms'])));
      return { n: params['n'] };
    });
    const calls = [[1, 60], [2, 5], [3, 30]] as const;
    const answers = calls.map(([n]) => cloud.next(`${sys}/rrpc/response/m${n}`));
    await Promise.all(calls.map(([n, ms]) => cloud.publish(`${sys}/rrpc/request/m${n}`, JSON.stringify({ id: `r${n}`, version: '1.0', params: { n, ms }, method: 'thing.service.slow' }))));
    const got = await Promise.all(answers);
    got.forEach((m, i) => expect(JSON.parse(m.payload)).toEqual({ id: `r${calls[i]![0]}`, code: 200, data: { n: calls[i]![0] } }));
  });

  it('user RRPC on /ext/rrpc/{messageId}/{topic}: answered on the same topic', async () => {
    const { d } = await connect();
    const topic = `/${device.productKey}/${device.deviceName}/user/get`;
    await d.onRrpc(topic, (payload, ctx) => `echo ${ctx.messageId} ${Buffer.from(payload).toString()}`);
    const answers = [cloud.next(`/ext/rrpc/a1${topic}`), cloud.next(`/ext/rrpc/b2${topic}`)];
    // the device's own answer arrives too: wait for the second message on each topic
    await cloud.publish(`/ext/rrpc/a1${topic}`, 'x');
    await cloud.publish(`/ext/rrpc/b2${topic}`, 'y');
    await Promise.all(answers);
    await expect.poll(() => cloud.seen(`/ext/rrpc/+${topic}`).map((m) => m.payload)).toEqual(expect.arrayContaining(['echo a1 x', 'echo b2 y']));
  });

  it('replies: error codes reject with reply_error and the seed meaning; unknown ids are reported; timeouts reject', async () => {
    cloud.answer(`${sys}/thing/deviceinfo/update`, (_t, p) => ({ ...ok(p), code: 460, message: 'bad tag' }));
    cloud.answer(`${sys}/thing/event/+/post`, (_t, p) => ok(p));
    const { d, events } = await connect({ requestTimeoutMs: 300 });
    const e = (await d.updateTags({ room: 'kitchen' }).catch((x: unknown) => x)) as DeviceError;
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.code).toBe('reply_error');
    expect(e.replyCode).toBe(460);
    expect(e.message).toMatch(/request parameter error/);
    expect((await d.postEvent('alarm', { level: 2 })).code).toBe(200);
    await cloud.publish(`${sys}/thing/event/property/post_reply`, '{"id":"999999","code":200,"data":{}}');
    await expect.poll(() => events.some((x) => x.type === 'error' && (x.error as DeviceError).code === 'unmatched_reply')).toBe(true);
    await expect(d.getDslTemplate()).rejects.toMatchObject({ code: 'reply_timeout' });
  });

  it('NTP: the seed formula, exposed as a clock', async () => {
    cloud.answer('/ext/ntp/+/+/request', () => undefined);
    const { d } = await connect();
    const server = Date.now() + 3_600_000;
    const reply = cloud.next(`/ext/ntp/${device.productKey}/${device.deviceName}/request`).then((m) => {
      const sent = (JSON.parse(m.payload) as { deviceSendTime: string }).deviceSendTime;
      return cloud.publish(`/ext/ntp/${device.productKey}/${device.deviceName}/response`, JSON.stringify({ deviceSendTime: sent, serverRecvTime: String(server), serverSendTime: String(server) }));
    });
    const t = await d.ntp();
    await reply;
    expect(Math.abs(t - server)).toBeLessThan(1000);
    expect(Math.abs(d.platformClock.now() - server)).toBeLessThan(2000);
  });

  it('seed vectors (aliyun-iot-platform-device-guide.txt §4, TSL service example): commands and their byte-exact replies', async () => {
    const { d } = await connect();
    d.onPropertySet(() => undefined);
    d.onService('AutoSprinkle', () => undefined);
    d.onService('SetWeight', (p) => (p['NewWeight'] === 100.8 ? {} : { wrong: true }));
    // The guide's property set example has a trailing comma after "PowerSwitch" : 0 (not JSON); sent without it.
    await cloud.publish(`${sys}/thing/service/property/set`, '{\n    "id" : "123",\n    "version":"1.0",\n    "params" : {\n    "PowerSwitch" : 0\n    },\n    "method":"thing.service.property.set"\n}');
    expect((await cloud.next(`${sys}/thing/service/property/set_reply`)).payload).toBe('{"id":"123","code":200,"data":{}}');
    await cloud.publish(`${sys}/thing/service/AutoSprinkle`, '{"id" : "123","version":"1.0","params" : {"SprinkleTime" : 50,"SprinkleVolume" : 600},"method": "thing.service.AutoSprinkle"}');
    expect((await cloud.next(`${sys}/thing/service/AutoSprinkle_reply`)).payload).toBe('{"id":"123","code":200,"data":{}}');
    await cloud.publish(`${sys}/thing/service/SetWeight`, '{"method": "thing.service.SetWeight","id": "105917531","params": {"NewWeight": 100.8},"version": "1.0.0"}');
    expect((await cloud.next(`${sys}/thing/service/SetWeight_reply`)).payload).toBe('{"id":"105917531","code":200,"data":{}}');
  });

  it('bad input from the platform: oversized, replies nobody asked for, replies on another topic — reported, never fatal', async () => {
    const { d, events } = await connect({ requestTimeoutMs: 500 });
    d.onService('big', () => ({}));
    const codes = (): string[] => events.flatMap((e) => (e.type === 'error' ? [(e.error as DeviceError).code] : []));
    await cloud.publish(`${sys}/thing/service/big`, `{"id":"1","version":"1.0","params":{"x":"${'a'.repeat(300 * 1024)}"},"method":"thing.service.big"}`);
    await expect.poll(codes).toContain('too_large');
    // A pack post's reply arriving on the property post reply topic does not settle it.
    const pending = d.postPack({ properties: { Power: { value: 1, time: 1_700_000_000_000 } } });
    const request = JSON.parse((await cloud.next(`${sys}/thing/event/property/pack/post`)).payload) as { id: string };
    await cloud.publish(`${sys}/thing/event/property/post_reply`, JSON.stringify({ id: request.id, code: 200, data: {} }));
    await expect(pending).rejects.toMatchObject({ code: 'reply_timeout' });
    expect(codes()).toContain('unmatched_reply');
    await cloud.publish(`${sys}/thing/event/property/pack/post_reply`, '[1,2]');
    await expect.poll(codes).toContain('invalid_message');
    expect(cloud.seen(`${sys}/thing/service/big_reply`)).toHaveLength(0);
    expect(d.state).toBe('connected');
  });

  it('raw up and down, and thing.disable / enable notifications', async () => {
    cloud.answer(`${sys}/thing/model/up_raw`, () => Buffer.from([9, 9]));
    const { d, events } = await connect();
    expect([...(await d.postRaw(new Uint8Array([1, 2, 3])))]).toEqual([9, 9]);
    d.onRawDown((bytes) => new Uint8Array([...bytes].reverse()));
    await cloud.publish(`${sys}/thing/model/down_raw`, Buffer.from([1, 2]));
    expect([...Buffer.from((await cloud.next(`${sys}/thing/model/down_raw_reply`)).payload, 'latin1')]).toEqual([2, 1]);
    await cloud.publish(`${sys}/thing/disable`, '{"id":"5","version":"1.0","params":{},"method":"thing.disable"}');
    expect(JSON.parse((await cloud.next(`${sys}/thing/disable_reply`)).payload)).toMatchObject({ id: '5', code: 200 });
    expect(events.some((e) => e.type === 'disabled')).toBe(true);
  });
});
