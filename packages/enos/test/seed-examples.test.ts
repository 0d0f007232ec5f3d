// Every sample of enos-device-sdk-nodejs-api.txt, transcribed as it stands (typos included:
// `secureCode`, `reconnectPeroid`), run against the emulator's EnOS platform through
// @linkwire/node/enos. Placeholders ('productKey', 'deviceKey', 'deviceSecret', 'brokerUrl') are
// filled with the emulator's; the calls and argument objects are the seed's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform } from '@linkwire/emulator';
import { DeviceClient, GatewayClient, SECURE_MODE, SubDeviceInfo } from '@linkwire/node/enos';

const productKey = 'pkSeed01';
const deviceKey = 'deviceKey';
const deviceSecret = 'deviceSecret';
const gwKey = 'gateway1';
const subPk = 'pkSub001';

let platform: EnosPlatform;
let brokerUrl: string;

beforeAll(async () => {
  platform = await startEnosPlatform({
    products: [{ productKey, productSecret: 'productSecret' }, { productKey: subPk, productSecret: 'subProductSecret' }],
    devices: [
      { productKey, deviceKey, deviceSecret, tags: { waitingDelete: 'x' }, attributes: { age: 30 } },
      { productKey, deviceKey: gwKey, deviceSecret: 'gwSecret' },
      { productKey: subPk, deviceKey: 'subDevice1', deviceSecret: 'subSecret1' },
      { productKey: subPk, deviceKey: 'subDevice2', deviceSecret: 'subSecret2' },
    ],
  });
  brokerUrl = platform.brokerUrl;
});
afterAll(() => platform.close());

describe('seed: DeviceClient samples (enos-device-sdk-nodejs-api.txt)', () => {
  it('constructor, events, connect and close', async () => {
    const log: string[] = [];
    const clientOptions = {
      brokerUrl: brokerUrl,
      secureCode: SECURE_MODE.VIA_DEVICE_SECRET,
      productKey: productKey, deviceKey: deviceKey, deviceSecret: deviceSecret,
      mqttOptions: {
        connectionTimeout: 30,
        reconnectPeroid: 0, // The reconnection is disabled.
        keepAlive: 0, // The keepAlive disalbed.
      },
    };
    const client = new DeviceClient(clientOptions);
    client.on('connect', () => { log.push('connected'); });
    client.on('close', () => { log.push('connection is disconnected'); });
    client.on('message', (topic, message) => {
      log.push(`${topic}:${message}`);
    });
    client.on('error', (err) => { log.push(`err: ${err}`); });

    await client.connect()
      .then((deviceSecret) => {
        log.push(`deviceSecret: ${deviceSecret}`);
      })
      .catch((err) => {
        log.push(`err: ${err}`);
      });
    expect(client.connected).toBe(true);
    expect(client.reconnected).toBe(false);
    await client.close()
      .then(() => {
        log.push('connection closed');
      })
      .catch((err) => {
        log.push(`err: ${err}`);
      });
    expect(log).toEqual(['connected', 'deviceSecret: deviceSecret', 'connection is disconnected', 'connection closed']);
    expect(client.connected).toBe(false);
  });

  it('deviceData samples', async () => {
    const client = new DeviceClient({ brokerUrl, secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey, deviceKey, deviceSecret });
    await client.connect();
    const out: unknown[] = [];

    await client.deviceData.queryTag()
      .then((response) => {
        out.push([response.code, response.data]);
      })
      .catch((err) => {
        out.push(`err: ${err}`);
      });
    expect(out).toEqual([[200, { waitingDelete: 'x' }]]);

    const updateTagResponse = await client.deviceData.updateTag({
      tags: [
        { tagKey: 'test', tagValue: 'aaaaa' },
        { tagKey: 'waitingDelete', tagValue: 'delete' },
      ],
    });
    expect(updateTagResponse).toMatchObject({ code: 200, data: '1' });
    expect(Object.fromEntries(platform.device(productKey, deviceKey)!.tags)).toEqual({ test: 'aaaaa', waitingDelete: 'delete' });

    const deleteTagResponse = await client.deviceData.deleteTag({
      tagKeys: ['waitingDelete'],
    });
    expect(deleteTagResponse.code).toBe(200);
    expect([...platform.device(productKey, deviceKey)!.tags.keys()]).toEqual(['test']);

    const queryAttributeResponse = await client.deviceData.queryAttribute({
      attributeIds: [],
    });
    expect(queryAttributeResponse).toMatchObject({ code: 200, data: { age: 30 } });

    const updateAttributeResponse = await client.deviceData.updateAttribute({
      attributeMap: {
        age: 900,
        attribute_struct: {
          struct_int: 10,
          struct_string: 'test',
        },
      },
    });
    expect(updateAttributeResponse).toMatchObject({ code: 200, data: '' });
    expect(platform.device(productKey, deviceKey)!.attributes.get('attribute_struct')).toEqual({ struct_int: 10, struct_string: 'test' });

    const deleteAttributeResponse = await client.deviceData.deleteAttribute({
      attributeIds: ['age'],
    });
    expect(deleteAttributeResponse.code).toBe(200);
    expect(platform.device(productKey, deviceKey)!.attributes.has('age')).toBe(false);

    const postMpResponse = await client.deviceData.postMeasurepoint({
      point: {
        measurepoints: {
          mp_struct: {
            sub_age: 100,
            sub_gender: 'male',
          },
        },
      },
    });
    expect(postMpResponse).toMatchObject({ code: 200 });
    expect(typeof postMpResponse.id).toBe('string');

    const resumeMpResponse = await client.deviceData.resumeMeasurepoint({
      point: {
        measurepoints: {
          mp_struct: {
            sub_age: 50,
            sub_gender: 'female',
          },
        },
        time: new Date('2019-12-11 00:00').getTime(),
      },
    });
    expect(resumeMpResponse.code).toBe(200);
    expect(platform.device(productKey, deviceKey)!.posts.at(-1)).toEqual({
      method: 'thing.measurepoint.resume',
      params: { measurepoints: { mp_struct: { sub_age: 50, sub_gender: 'female' } }, time: new Date('2019-12-11 00:00').getTime() },
    });

    const batchPostMpResponse = await client.deviceData.batchPostMeasurepoint({
      points: [
        {
          measurepoints: {
            mp_age: 50,
          },
        },
        {
          measurepoints: {
            mp_age: 10,
          },
          time: new Date('2019-10-20 20:00').getTime(),
        },
      ],
    });
    expect(batchPostMpResponse.code).toBe(200);

    const batchResumeMpResponse = await client.deviceData.batchResumeMeasurepoint({
      points: [
        {
          measurepoints: {
            mp_age: 200,
          },
        },
        {
          measurepoints: {
            mp_age: 30,
          },
          time: new Date('2019-10-20 20:00').getTime(),
        },
      ],
    });
    expect(batchResumeMpResponse.code).toBe(200);
    expect(platform.device(productKey, deviceKey)!.measurepoints.get('mp_age')).toBe(30);

    const postEventResponse = await client.deviceData.postEvent({
      eventName: 'event_test',
      eventParams: {
        isMale: 2,
        isChild: 10,
      },
    });
    expect(postEventResponse).toMatchObject({ code: 200, data: '' });
    expect(platform.device(productKey, deviceKey)!.events.at(-1)).toEqual({ eventId: 'event_test', params: { events: { isMale: 2, isChild: 10 } } });

    const rawData = [0x00, 0x00, 0x00, 0x14];
    const rawDataResult = await client.deviceData.upRawModel({
      rawData: Buffer.from(rawData),
    });
    expect(Buffer.isBuffer(rawDataResult)).toBe(true);
    expect([...rawDataResult]).toEqual(rawData);

    await client.close();
  });

  it('deviceCommand samples', async () => {
    const client = new DeviceClient({ brokerUrl, secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey, deviceKey, deviceSecret });
    const seen: unknown[] = [];
    client.deviceCommand.onInvokeService('resetAge', (request, response) => {
      seen.push(['invoke service request: ', request.params]);
      response.send(200);
    });
    client.deviceCommand.onSetMeasurepoint(async (request, response) => {
      seen.push(['set measurepoint request: ', request]);
      await client.deviceData.postMeasurepoint({
        point: {
          measurepoints: request.params as Record<string, unknown>,
        },
      });
      response.send(200);
    });
    await client.connect();
    await expect(platform.invokeService(productKey, deviceKey, 'resetAge', { age: 1 })).resolves.toEqual({ code: 200, data: {} });
    await expect(platform.setMeasurepoint(productKey, deviceKey, { mp_set: 7 })).resolves.toEqual({ code: 200, data: {} });
    expect(seen[0]).toEqual(['invoke service request: ', { age: 1 }]);
    expect(seen[1]).toMatchObject(['set measurepoint request: ', { method: 'thing.service.measurepoint.set', version: '1.0', params: { mp_set: 7 } }]);
    expect(platform.device(productKey, deviceKey)!.measurepoints.get('mp_set')).toBe(7);
    await client.close();
  });
});

describe('seed: GatewayClient samples', () => {
  it('registerDevice, getTopo, addTopo, deleteTopo, login, logout, batch login, enable/disable/delete', async () => {
    const client = new GatewayClient({ brokerUrl, secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey, deviceKey: gwKey, deviceSecret: 'gwSecret' });
    const pushes: string[] = [];
    client.subDeviceManagement.onSubDevicesEnable((request, response) => {
      pushes.push('enable');
      response.send(200);
    });
    client.subDeviceManagement.onSubDevicesDisable((request, response) => {
      pushes.push('disable');
      response.send(200);
    });
    client.subDeviceManagement.onSubDevicesDelete((request, response) => {
      pushes.push('delete');
      response.send(200);
    });
    await client.connect();

    const registerDeviceResponse = await client.subDeviceManagement.registerDevice({
      subDevices: [{
        timezone: '+08:00',
        productKey: subPk,
        deviceAttributes: {
          name: 'test',
          age: 30,
        },
        deviceName: {
          defaultValue: 'sdk_demo_name',
        },
      }],
    });
    expect(registerDeviceResponse.code).toBe(200);
    const registered = registerDeviceResponse.data[0]!;
    expect(registered).toMatchObject({ productKey: subPk });
    expect(typeof registered.deviceSecret).toBe('string');

    const subDeviceInfo = new SubDeviceInfo({
      productKey: subPk,
      deviceKey: 'subDevice1',
      deviceSecret: 'subSecret1',
    });
    const addTopoResponse = await client.subDeviceManagement.addTopo({
      subDevices: [
        subDeviceInfo,
        {
          productKey: registered.productKey,
          deviceKey: registered.deviceKey,
          deviceSecret: registered.deviceSecret,
        },
      ],
    });
    expect(addTopoResponse.code).toBe(200);

    const getTopoResonse = await client.subDeviceManagement.getTopo();
    expect(getTopoResonse.code).toBe(200);
    expect(getTopoResonse.data.map((d) => d['deviceKey']).sort()).toEqual([registered.deviceKey, 'subDevice1'].sort());

    const loginSubDeviceResponse = await client.subDeviceManagement.loginSubDevice({
      subDevice: {
        productKey: subPk,
        deviceKey: 'subDevice1',
        deviceSecret: 'subSecret1',
      },
    });
    expect(loginSubDeviceResponse).toMatchObject({ code: 200, data: { productKey: subPk, deviceKey: 'subDevice1' } });
    expect(platform.online(subPk, 'subDevice1')).toBe(true);

    const logout = await client.subDeviceManagement.logoutSubDevice({ subDevice: { productKey: subPk, deviceKey: 'subDevice1' } });
    expect(logout.code).toBe(200);
    expect(platform.online(subPk, 'subDevice1')).toBe(false);

    const batchLoginResponse = await client.subDeviceManagement.batchLoginSubDevice({
      subDevices: [
        subDeviceInfo,
        {
          productKey: registered.productKey,
          deviceKey: registered.deviceKey,
          deviceSecret: registered.deviceSecret,
        },
      ],
    });
    expect(batchLoginResponse.code).toBe(200);
    expect(batchLoginResponse.data.loginedSubDevices).toHaveLength(2);
    expect(batchLoginResponse.data.failedSubDevices).toEqual([]);

    // A sub-device's data and commands over the gateway connection.
    const sub = { productKey: subPk, deviceKey: 'subDevice1' };
    const mp = await client.deviceData.postMeasurepoint({ deviceInfo: sub, point: { measurepoints: { temp: 21.5 } } });
    expect(mp.code).toBe(200);
    expect(platform.device(subPk, 'subDevice1')!.measurepoints.get('temp')).toBe(21.5);
    await client.deviceCommand.onInvokeService('ping', sub, (request, response) => response.send(200, { pong: request.params }));
    await expect(platform.invokeService(subPk, 'subDevice1', 'ping', { n: 1 })).resolves.toEqual({ code: 200, data: { pong: { n: 1 } } });

    await expect(platform.pushSubDevices(productKey, gwKey, 'disable', [sub])).resolves.toMatchObject({ code: 200 });
    await expect(platform.pushSubDevices(productKey, gwKey, 'enable', [sub])).resolves.toMatchObject({ code: 200 });
    await expect(platform.pushSubDevices(productKey, gwKey, 'delete', [{ productKey: registered.productKey, deviceKey: registered.deviceKey }])).resolves.toMatchObject({ code: 200 });
    expect(pushes).toEqual(['disable', 'enable', 'delete']);
    expect(client.subDeviceManagement.loggedIn).toEqual([]);

    const deleteTopoResponse = await client.subDeviceManagement.deleteTopo({
      subDevices: [{
        productKey: subPk,
        deviceKey: 'subDevice1',
      }],
    });
    expect(deleteTopoResponse.code).toBe(200);
    await client.close();
  });
});
