// End-to-end flows against the emulator's EnOS platform over real loopback sockets: dynamic
// activation (mode 3 → secret → mode 2 reconnect), a gateway keeping its sub-devices through a
// reconnect, every command answered, bad input turned into typed errors and error events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform, type EnosPlatformEvent } from '@linkwire/emulator';
import { DeviceClient, EnosError, GatewayClient, SECURE_MODE, memorySecretStore } from '@linkwire/node/enos';

const pk = 'pkFlow01';
const subPk = 'pkFlowSub';
let platform: EnosPlatform;
const events: EnosPlatformEvent[] = [];

beforeAll(async () => {
  platform = await startEnosPlatform({
    products: [{ productKey: pk, productSecret: 'prodSecret' }, { productKey: subPk, productSecret: 'subProdSecret' }],
    devices: [
      { productKey: pk, deviceKey: 'newDevice1' },
      { productKey: pk, deviceKey: 'newDevice2' },
      { productKey: pk, deviceKey: 'newDevice3' },
      { productKey: pk, deviceKey: 'dev0001', deviceSecret: 'sec1' },
      { productKey: pk, deviceKey: 'gateway01', deviceSecret: 'gwsec', subDevices: [{ productKey: subPk, deviceKey: 'meter01' }, { productKey: subPk, deviceKey: 'meter02' }, { productKey: subPk, deviceKey: 'meter03' }] },
      { productKey: subPk, deviceKey: 'meter01', deviceSecret: 'm1' },
      { productKey: subPk, deviceKey: 'meter02', deviceSecret: 'm2' },
      // Not activated: logs in with the product secret and gets its secret in the reply.
      { productKey: subPk, deviceKey: 'meter03' },
    ],
    onEvent: (e) => events.push(e),
  });
});
afterAll(() => platform.close());

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const fast = { connectionTimeout: 5, reconnectPeriod: 0.05, maxReconnectPeriod: 0.2 };

describe('dynamic activation (secure mode 3)', () => {
  it('receives the secret, hands it to the store, reconnects in mode 2 and stays there across reconnects', async () => {
    const store = memorySecretStore();
    const client = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: pk, deviceKey: 'newDevice1', productSecret: 'prodSecret', secretStore: store, mqttOptions: fast });
    const connects: boolean[] = [];
    client.on('connect', () => connects.push(client.reconnected));
    const secret = await client.connect();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    expect(store.secrets.get(`${pk}/newDevice1`)).toBe(secret);
    expect(platform.device(pk, 'newDevice1')!.deviceSecret).toBe(secret);
    const modes = events.filter((e) => e.type === 'connected' && e.deviceKey === 'newDevice1').map((e) => (e as { secureMode: number }).secureMode);
    expect(modes).toEqual([3, 2]);
    expect((await client.deviceData.postMeasurepoint({ point: { measurepoints: { a: 1 } } })).code).toBe(200);

    // The known defect of the old SDK: it reconnected with the mode-3 credentials. Here every reconnect is mode 2.
    platform.disconnect(pk, 'newDevice1');
    await until(() => connects.length === 2);
    expect(connects).toEqual([false, true]);
    const after = events.filter((e) => e.type === 'connected' && e.deviceKey === 'newDevice1').map((e) => (e as { secureMode: number }).secureMode);
    expect(after).toEqual([3, 2, 2]);
    expect((await client.deviceData.postMeasurepoint({ point: { measurepoints: { a: 2 } } })).code).toBe(200);
    await client.close();

    // A new client with the same store connects in mode 2 at once; mode 3 is refused now (770).
    const again = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: pk, deviceKey: 'newDevice1', productSecret: 'prodSecret', secretStore: store, mqttOptions: fast });
    await expect(again.connect()).resolves.toBe(secret);
    await again.close();
    const fresh = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: pk, deviceKey: 'newDevice1', productSecret: 'prodSecret', mqttOptions: fast });
    fresh.on('error', () => {});
    await expect(fresh.connect()).rejects.toMatchObject({ code: 'activation_failed' });
    await fresh.close();
  });

  it('a store that fails to save fails connect() with store_failed, and the device can activate later', async () => {
    const client = new DeviceClient({
      brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: pk, deviceKey: 'newDevice2', productSecret: 'prodSecret', mqttOptions: fast,
      secretStore: { load: () => undefined, save: () => Promise.reject(new Error('disk full')) },
    });
    await expect(client.connect()).rejects.toMatchObject({ code: 'store_failed' });
    await client.close();
    // The secret was not acknowledged, so the platform still waits for the activation: a later attempt succeeds.
    expect(platform.device(pk, 'newDevice2')!.deviceSecret).toBeUndefined();
    const store = memorySecretStore();
    const retry = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: pk, deviceKey: 'newDevice2', productSecret: 'prodSecret', secretStore: store, mqttOptions: fast });
    const secret = await retry.connect();
    expect(platform.device(pk, 'newDevice2')!.deviceSecret).toBe(secret);
    await retry.close();
  });

  it('a wrong product secret is refused and connect() rejects', async () => {
    const client = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey: pk, deviceKey: 'newDevice3', productSecret: 'wrong', mqttOptions: fast });
    client.on('error', () => {});
    await expect(client.connect()).rejects.toBeInstanceOf(EnosError);
    await client.close();
  });
});

describe('gateway with sub-devices through a reconnect', () => {
  it('logs every sub-device in again after reconnecting, with the secret activation delivered', async () => {
    const store = memorySecretStore();
    const gw = new GatewayClient({ brokerUrl: platform.brokerUrl, productKey: pk, deviceKey: 'gateway01', deviceSecret: 'gwsec', secretStore: store, mqttOptions: fast });
    const errors: Error[] = [];
    gw.on('error', (e) => errors.push(e));
    await gw.connect();
    const batch = await gw.subDeviceManagement.batchLoginSubDevice({ subDevices: [{ productKey: subPk, deviceKey: 'meter01', deviceSecret: 'm1' }, { productKey: subPk, deviceKey: 'meter02', deviceSecret: 'm2' }] });
    expect(batch.data.loginedSubDevices.map((d) => d.deviceKey)).toEqual(['meter01', 'meter02']);
    // Sub-device activation: signed with the product secret (not the empty device secret), the reply carries the secret.
    const act = await gw.subDeviceManagement.loginSubDevice({ subDevice: { productKey: subPk, deviceKey: 'meter03', productSecret: 'subProdSecret' } });
    expect(act.code).toBe(200);
    expect(act.data.deviceSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(store.secrets.get(`${subPk}/meter03`)).toBe(act.data.deviceSecret);
    const served: string[] = [];
    await gw.deviceCommand.onInvokeService('ping', { productKey: subPk, deviceKey: 'meter02' }, (req, res) => {
      served.push(req.messageId);
      return res.send(200, { ok: true });
    });

    platform.disconnect(pk, 'gateway01');
    await until(() => !platform.online(subPk, 'meter01'));
    await until(() => ['meter01', 'meter02', 'meter03'].every((dk) => platform.online(subPk, dk)));
    expect(gw.reconnected).toBe(true);
    // meter03 logged in again with its device secret: the platform no longer accepts its product-secret sign.
    expect(errors).toEqual([]);
    expect((await gw.deviceData.postMeasurepoint({ deviceInfo: { productKey: subPk, deviceKey: 'meter03' }, point: { measurepoints: { kwh: 12 } } })).code).toBe(200);
    expect(platform.device(subPk, 'meter03')!.measurepoints.get('kwh')).toBe(12);
    await expect(platform.invokeService(subPk, 'meter02', 'ping', {})).resolves.toEqual({ code: 200, data: { ok: true } });
    expect(served).toHaveLength(1);

    // A disabled sub-device is not logged in again.
    await platform.pushSubDevices(pk, 'gateway01', 'disable', [{ productKey: subPk, deviceKey: 'meter01' }]);
    expect(gw.subDeviceManagement.loggedIn.map((d) => d.deviceKey).sort()).toEqual(['meter02', 'meter03']);
    await gw.close();
  });
});

describe('every command is answered', () => {
  let client: DeviceClient;
  const errors: EnosError[] = [];
  beforeAll(async () => {
    client = new DeviceClient({ brokerUrl: platform.brokerUrl, productKey: pk, deviceKey: 'dev0001', deviceSecret: 'sec1', commandTimeout: 0.3, mqttOptions: fast });
    client.on('error', (e) => errors.push(e as EnosError));
    await client.deviceCommand.onInvokeService('throws', () => {
      throw new Error('boom');
    });
    await client.deviceCommand.onInvokeService('rejects', async () => {
      throw new Error('async boom');
    });
    await client.deviceCommand.onInvokeService('silent', () => {});
    await client.deviceCommand.onInvokeService('twice', (req, res) => {
      void res.send(200, { first: true });
      return res.send(201).catch((e: EnosError) => errors.push(e));
    });
    await client.connect();
  });
  afterAll(() => client.close());

  it('no handler: 404; a throwing or rejecting handler: 500; a silent one: 500 after commandTimeout', async () => {
    await expect(platform.invokeService(pk, 'dev0001', 'unknownService', {})).resolves.toMatchObject({ code: 404 });
    await expect(platform.getMeasurepoint(pk, 'dev0001', ['a'])).resolves.toMatchObject({ code: 404 });
    await expect(platform.invokeService(pk, 'dev0001', 'throws', {})).resolves.toMatchObject({ code: 500 });
    await expect(platform.invokeService(pk, 'dev0001', 'rejects', {})).resolves.toMatchObject({ code: 500 });
    await expect(platform.invokeService(pk, 'dev0001', 'silent', {})).resolves.toMatchObject({ code: 500 });
    expect(errors.filter((e) => e.code === 'handler_failed')).toHaveLength(3);
  });

  it('a second answer is refused (already_answered), the first one counts', async () => {
    await expect(platform.invokeService(pk, 'dev0001', 'twice', {})).resolves.toEqual({ code: 200, data: { first: true } });
    await until(() => errors.some((e) => e.code === 'already_answered'));
  });

  it('malformed commands: 1220 with an error event; wrong method: 1260; empty: an error event', async () => {
    const topic = `/sys/${pk}/dev0001/thing/service/throws`;
    const bad = await platform.send(topic, '{"id":"77","version":"1.0","params":');
    expect(JSON.parse(Buffer.from(bad!).toString())).toMatchObject({ id: '77', code: 1220 });
    const wrong = await platform.send(topic, '{"id":"78","version":"1.0","params":{},"method":"thing.service.other"}');
    expect(JSON.parse(Buffer.from(wrong!).toString())).toMatchObject({ id: '78', code: 1260 });
    const before = errors.length;
    await platform.send(topic, '', 200);
    expect(errors.length).toBeGreaterThan(before);
    expect(errors.filter((e) => e.code === 'invalid_command').length).toBeGreaterThanOrEqual(3);
  });

  it('a reply with an id no request waits for is an error event, not a resolved promise', async () => {
    await client.deviceData.postMeasurepoint({ point: { measurepoints: { x: 1 } } });
    await platform.send(`/sys/${pk}/dev0001/thing/measurepoint/post_reply`, '{"id":"999999","code":200,"data":""}', 100);
    await until(() => errors.some((e) => e.code === 'unexpected_reply'));
  });

  it('bad arguments reject with invalid_option, before anything is sent', async () => {
    await expect(client.deviceData.postMeasurepoint({ point: null as never })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(client.deviceData.updateTag({ tags: [{ tagKey: 1 }] as never })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(client.deviceData.postEvent({ eventName: '', eventParams: {} })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(client.deviceData.upRawModel({ rawData: [1, 2] as never })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(client.deviceData.postMeasurepoint({ point: { measurepoints: {} }, qos: 2 as never })).rejects.toMatchObject({ code: 'invalid_option' });
  });

  it('needReply false resolves once written, with nothing', async () => {
    await expect(client.deviceData.postMeasurepoint({ point: { measurepoints: { y: 2 } }, needReply: false })).resolves.toBeUndefined();
  });
});
