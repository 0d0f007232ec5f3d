// Pack and history posts (PROTOCOL-NOTES: thing.event.property.pack.post / history.post) from a
// product without a model: held to the message's shape as a single property post is (an empty
// model refused every identifier), and their values kept per device like a property post's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { mqttCredentials } from '@linkwire/sign';
import { mqttJsDevice, type MqttJsDevice } from '../../../test/support/mqttjs-device.ts';

const dev = { productKey: 'a1BatchPk01', deviceName: 'batch-dev-1', deviceSecret: 'batch-secret-1' };
const sys = `/sys/${dev.productKey}/${dev.deviceName}/thing/event/property`;

describe('pack and history posts without a model', () => {
  let platform: Emulator;
  let d: MqttJsDevice;
  beforeAll(async () => {
    platform = await startEmulator({ devices: [dev] });
    d = await mqttJsDevice(`mqtt://${platform.host}:${platform.port}`, mqttCredentials({ ...dev, secureMode: 3, timestamp: Date.now() }));
    await d.m.subscribeAsync(`/sys/${dev.productKey}/${dev.deviceName}/thing/#`, { qos: 1 });
  });
  afterAll(async () => {
    await d.end();
    await platform.close();
  });
  const request = (id: string, method: string, params: unknown): string => JSON.stringify({ id, version: '1.0', params, method });

  it('a pack post is accepted by its shape and its values kept; a malformed one is 460', async () => {
    await d.m.publishAsync(`${sys}/pack/post`, request('1', 'thing.event.property.pack.post', { properties: { Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 1524448722000 } }, subDevices: [] }), { qos: 1 });
    expect((await d.next(`${sys}/pack/post_reply`)).payload).toBe('{"id":"1","code":200,"data":{}}');
    expect(platform.device(dev.productKey, dev.deviceName)?.properties).toEqual({ Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 1524448722000 } });
    await d.m.publishAsync(`${sys}/pack/post`, request('2', 'thing.event.property.pack.post', { properties: [1] }), { qos: 1 });
    expect(JSON.parse((await d.next(`${sys}/pack/post_reply`)).payload)).toMatchObject({ id: '2', code: 460 });
  });

  it('a history post keeps the newest entry of each property, never one older than what the platform holds', async () => {
    const identity = { productKey: dev.productKey, deviceName: dev.deviceName };
    const history = [{ identity, properties: { Power: [{ value: 'off', time: 1524448700000 }], Temp: [{ value: 1, time: 1524448000000 }, { value: 2, time: 1524448100000 }] } }];
    await d.m.publishAsync(`${sys}/history/post`, request('3', 'thing.event.property.history.post', history), { qos: 1 });
    expect((await d.next(`${sys}/history/post_reply`)).payload).toBe('{"id":"3","code":200,"data":{}}');
    const props = platform.device(dev.productKey, dev.deviceName)!.properties;
    expect(props['Power']).toEqual({ value: 'on', time: 1524448722000 });
    expect(props['Temp']).toEqual({ value: 2, time: 1524448100000 });
  });
});
