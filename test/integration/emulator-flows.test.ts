// Every device and gateway flow of aliyun-iot-platform-device-guide.txt (§4, §5, §7, §9.2-§9.11)
// and PROTOCOL-NOTES.md, driven through the emulator by MQTT.js as the independent device, with
// the seed examples (packages/alink/test/vectors.ts) as the requests and replies.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket as WS } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, formatTopic } from '@linkwire/alink';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import {
  combineBatchLoginParams, combineLoginParams, deviceNameAuthRequest, mqttConnwlCredentials, mqttTokenCredentials, parseDeviceNameAuthReply, mqttCredentials, mqttRegisterCredentials, parseMqttRegistrationReply,
  proxyProvisioningParams, topoAddEntry,
} from '@linkwire/sign';
import { aliGatewayDocument, examplesDocument } from '../../packages/tsl/test/fixtures/examples.ts';
import { SEED_VECTORS } from '../../packages/alink/test/vectors.ts';
import { connectMqttWebSocket } from '@linkwire/web';
import { mqttJsDevice, sleep, until, type MqttJsDevice } from '../support/mqttjs-device.ts';

const seedDevice = { productKey: 'a1B2c3D4e5F', deviceName: 'device1', deviceSecret: 'seed-secret' };
const direct = { productKey: 'a1FlowPk001', deviceName: 'direct-1', deviceSecret: 'direct-secret' };
const gw = { productKey: 'a1GwPk00001', deviceName: 'gateway-1', deviceSecret: 'gw-secret' };
const sub = { productKey: 'a1SubPk0001', deviceName: 'sub-1', deviceSecret: 'sub-secret' };
const sub2 = { productKey: 'a1SubPk0001', deviceName: 'sub-2', deviceSecret: 'sub2-secret' };
const tslDevice = { productKey: examplesDocument.profile.productKey, deviceName: 'modelled-1', deviceSecret: 'tsl-secret' };
const regProduct = { productKey: 'a1RegPk0001', productSecret: 'reg-product-secret', registerUnknownDevices: true };
const caFile = join(mkdtempSync(join(tmpdir(), 'linkwire-emulator-')), 'ca.pem');
let platform: Emulator;
let ca: string;

beforeAll(async () => {
  platform = await startEmulator({
    devices: [seedDevice, direct, gw, sub, sub2, tslDevice, { productKey: regProduct.productKey, deviceName: 'pre-registered' }],
    products: [
      { productKey: seedDevice.productKey }, { productKey: sub.productKey, productSecret: 'sub-product-secret', tsl: aliGatewayDocument },
      { productKey: gw.productKey, tsl: aliGatewayDocument }, { productKey: tslDevice.productKey, tsl: examplesDocument }, regProduct,
    ],
    http: true, websocket: true, tls: true, caFile, rawReply: (_d, bytes) => Uint8Array.from([...bytes].reverse()),
  });
});
afterAll(() => platform.close());
beforeAll(() => {
  // The generated CA, as a user would find it: in the file the emulator wrote.
  ca = readFileSync(caFile, 'utf8');
  expect(ca).toBe(platform.ca);
});

const url = () => `mqtt://${platform.host}:${platform.port}`;
const connect = (d: { productKey: string; deviceName: string; deviceSecret: string }, extra = {}) =>
  mqttJsDevice(url(), mqttCredentials({ ...d, signMethod: 'hmacsha256', secureMode: 3, timestamp: Date.now() }), extra);
const json = (s: string): unknown => JSON.parse(s);

describe('seed vectors: every upstream request of the device guide gets its reply', () => {
  // The codes each seed example gets from a platform that has none of the example's other
  // devices, secrets or files: the documented refusals.
  const expected: Partial<Record<string, number>> = {
    propertyPost: 200, eventPost: 200, deviceinfoUpdate: 200, deviceinfoDelete: 200, topoGet: 200, dsltemplateGet: 6321, configGet: 6710,
    topoAdd: 460, topoDelete: 6100, combineLogin: 460, combineLogout: 520, subRegister: 6250, listFound: 6250, combineBatchLogin: 460,
    proxyProvisioning: 460, propertyPackPost: 200, propertyHistoryPost: 200,
  };
  const upstream = SEED_VECTORS.filter((v) => TOPICS[v.name].direction === 'up' && TOPICS[v.name].payload === 'request' && TOPICS[v.name].platform !== 'enos' && !v.source.startsWith('enos') && `${v.name}Reply` in TOPICS);

  it(`answers ${upstream.length} seed requests on their _reply topics with the id echoed`, async () => {
    expect(upstream.length).toBeGreaterThan(10);
    const d = await connect(seedDevice);
    try {
      for (const v of upstream) {
        const topic = formatTopic(v.name, { ...v.ids, ...seedDevice });
        const granted = await d.m.subscribeAsync(`${topic}_reply`, { qos: 1 });
        expect(granted[0]!.qos, topic).toBe(1);
        d.m.publish(topic, v.json, { qos: 1 });
        const reply = json((await d.next(`${topic}_reply`)).payload) as { id: string; code: number };
        expect(reply.id, v.source).toBe((json(v.json) as { id: string | number }).id.toString());
        if (expected[v.name] !== undefined) expect(reply.code, v.source).toBe(expected[v.name]);
        const replyVector = SEED_VECTORS.find((r) => r.name === `${v.name}Reply` && (json(r.json) as { id: string }).id === reply.id);
        if (replyVector !== undefined && reply.code === 200 && ['propertyPost', 'eventPost', 'deviceinfoUpdate', 'deviceinfoDelete'].includes(v.name)) {
          expect(reply, replyVector.source).toEqual(json(replyVector.json));
        }
      }
    } finally {
      await d.end();
    }
  });
});

describe('a directly connected device', () => {
  let d: MqttJsDevice;
  const sys = `/sys/${direct.productKey}/${direct.deviceName}`;
  beforeAll(async () => {
    d = await connect(direct);
    await d.m.subscribeAsync({ [`${sys}/thing/service/#`]: { qos: 1 }, [`${sys}/rrpc/request/+`]: { qos: 1 }, [`/ext/rrpc/+/${direct.productKey}/${direct.deviceName}/user/rpc`]: { qos: 0 },
      [`${sys}/thing/model/down_raw`]: { qos: 0 }, [`${sys}/thing/model/up_raw_reply`]: { qos: 0 }, [`/ext/ntp/${direct.productKey}/${direct.deviceName}/response`]: { qos: 0 },
      [`${sys}/thing/config/push`]: { qos: 1 }, [`${sys}/thing/config/get_reply`]: { qos: 1 } });
  });
  afterAll(() => d.end());

  it('services: async (§9.5) and sync over RRPC, answered by the device', async () => {
    const call = platform.invokeService(direct.productKey, direct.deviceName, 'SetWeight', { NewWeight: 100.8 });
    const req = json((await d.next(`${sys}/thing/service/SetWeight`)).payload) as { id: string; method: string; params: unknown };
    expect(req).toMatchObject({ method: 'thing.service.SetWeight', params: { NewWeight: 100.8 }, version: '1.0' });
    d.m.publish(`${sys}/thing/service/SetWeight_reply`, JSON.stringify({ id: req.id, code: 200, data: { OldWeight: 100.101 } }));
    expect(await call).toEqual({ status: 'replied', code: 200, data: { OldWeight: 100.101 }, id: req.id });

    const sync = platform.invokeService(direct.productKey, direct.deviceName, 'Reboot', {}, { sync: true });
    const m = await d.next(d.messages.find((x) => x.topic.includes('/rrpc/request/'))?.topic ?? (await until(() => d.messages.some((x) => x.topic.includes('/rrpc/request/'))), d.messages.find((x) => x.topic.includes('/rrpc/request/'))!.topic));
    const messageId = m.topic.split('/').pop()!;
    const rr = json(m.payload) as { id: string };
    d.m.publish(`${sys}/rrpc/response/${messageId}`, JSON.stringify({ id: rr.id, code: 200, data: { done: true } }));
    expect(await sync).toMatchObject({ status: 'replied', code: 200, data: { done: true } });
  });

  it('property set and get (§9.5) with their replies; a timeout; offline', async () => {
    const set = platform.setProperties(direct.productKey, direct.deviceName, { temperature: 30.5 });
    const s = json((await d.next(`${sys}/thing/service/property/set`)).payload) as { id: string; params: unknown };
    expect(s.params).toEqual({ temperature: 30.5 });
    d.m.publish(`${sys}/thing/service/property/set_reply`, JSON.stringify({ id: s.id, code: 200, data: {} }));
    expect(await set).toMatchObject({ status: 'replied', code: 200 });
    const get = platform.getProperties(direct.productKey, direct.deviceName, ['temperature']);
    const g = json((await d.next(`${sys}/thing/service/property/get`)).payload) as { id: string; params: unknown };
    expect(g.params).toEqual(['temperature']);
    d.m.publish(`${sys}/thing/service/property/get_reply`, JSON.stringify({ id: g.id, code: 200, data: { temperature: 30.5 } }));
    expect(await get).toMatchObject({ status: 'replied', data: { temperature: 30.5 } });
    // A reply with another id settles nothing: the call times out.
    const late = platform.setProperties(direct.productKey, direct.deviceName, { temperature: 1 }, { timeoutMs: 300 });
    const l = json((await d.next(`${sys}/thing/service/property/set`)).payload) as { id: string };
    d.m.publish(`${sys}/thing/service/property/set_reply`, JSON.stringify({ id: `${l.id}0`, code: 200, data: {} }));
    expect(await late).toEqual({ status: 'timeout', id: l.id });
    expect(await platform.invokeService(seedDevice.productKey, seedDevice.deviceName, 'X', {})).toEqual({ status: 'offline' });
  });

  it('generic RRPC (/ext/rrpc/{id}/{topic}) and raw down/up (§9.5)', async () => {
    const call = platform.rrpc(direct.productKey, direct.deviceName, `/${direct.productKey}/${direct.deviceName}/user/rpc`, 'ping');
    await until(() => d.messages.some((x) => x.topic.startsWith('/ext/rrpc/')));
    const m = d.messages.splice(d.messages.findIndex((x) => x.topic.startsWith('/ext/rrpc/')), 1)[0]!;
    expect(m.payload).toBe('ping');
    d.m.publish(m.topic, 'pong');
    const r = await call;
    expect(r.status === 'replied' && Buffer.from(r.payload).toString()).toBe('pong');

    const raw = platform.sendRaw(direct.productKey, direct.deviceName, Uint8Array.of(1, 2, 3));
    expect(Buffer.from((await d.next(`${sys}/thing/model/down_raw`)).payload)).toEqual(Buffer.from([1, 2, 3]));
    d.m.publish(`${sys}/thing/model/down_raw_reply`, Buffer.from([9]));
    const rr = await raw;
    expect(rr.status === 'replied' && [...rr.payload]).toEqual([9]);
    d.m.publish(`${sys}/thing/model/up_raw`, Buffer.from([1, 2, 3]));
    expect((await d.next(`${sys}/thing/model/up_raw_reply`)).payload).toBe(Buffer.from([3, 2, 1]).toString());
  });

  it('NTP (PROTOCOL-NOTES formula inputs), tags (§9.8), remote config get and push (§9.11)', async () => {
    d.m.publish(`/ext/ntp/${direct.productKey}/${direct.deviceName}/request`, '{"deviceSendTime":"1571724098000"}');
    const ntp = json((await d.next(`/ext/ntp/${direct.productKey}/${direct.deviceName}/response`)).payload) as Record<string, string>;
    expect(ntp['deviceSendTime']).toBe('1571724098000');
    expect(Number(ntp['serverSendTime'])).toBeGreaterThanOrEqual(Number(ntp['serverRecvTime']));

    await d.m.subscribeAsync(`${sys}/thing/deviceinfo/update_reply`);
    d.m.publish(`${sys}/thing/deviceinfo/update`, '{"id":"5","version":"1.0","params":[{"attrKey":"room","attrValue":"kitchen"}],"method":"thing.deviceinfo.update"}');
    expect(json((await d.next(`${sys}/thing/deviceinfo/update_reply`)).payload)).toEqual({ id: '5', code: 200, data: {} });
    expect(platform.device(direct.productKey, direct.deviceName)?.tags).toEqual({ room: 'kitchen' });

    const config = platform.setConfig(direct.productKey, '{"interval":30}');
    d.m.publish(`${sys}/thing/config/get`, '{"id":"6","version":"1.0","params":{"configScope":"product","getType":"file"},"method":"thing.config.get"}');
    const got = json((await d.next(`${sys}/thing/config/get_reply`)).payload) as { data: { url: string; sign: string } };
    expect(got).toMatchObject({ id: '6', code: 200, data: { configId: config.configId, getType: 'file', signMethod: 'Sha256' } });
    expect(await (await fetch(got.data.url)).text()).toBe('{"interval":30}');
    const push = platform.pushConfig(direct.productKey, direct.deviceName);
    const p = json((await d.next(`${sys}/thing/config/push`)).payload) as { id: string; params: unknown };
    expect(p.params).toMatchObject({ configId: config.configId });
    d.m.publish(`${sys}/thing/config/push_reply`, JSON.stringify({ id: p.id, code: 200, data: {} }));
    expect(await push).toMatchObject({ status: 'replied', code: 200 });
  });
});

describe('TSL validation where the product has a model (§4, §9.9)', () => {
  it('valid posts get 200, out-of-spec ones 460 with the path; the template is served', async () => {
    const d = await connect(tslDevice);
    const sys = `/sys/${tslDevice.productKey}/${tslDevice.deviceName}`;
    try {
      await d.m.subscribeAsync([`${sys}/thing/event/property/post_reply`, `${sys}/thing/dsltemplate/get_reply`]);
      d.m.publish(`${sys}/thing/event/property/post`, '{"id":"1","version":"1.0","params":{"temperature":21.5},"method":"thing.event.property.post"}');
      expect(json((await d.next(`${sys}/thing/event/property/post_reply`)).payload)).toEqual({ id: '1', code: 200, data: {} });
      d.m.publish(`${sys}/thing/event/property/post`, '{"id":"2","version":"1.0","params":{"temperature":500},"method":"thing.event.property.post"}');
      const bad = json((await d.next(`${sys}/thing/event/property/post_reply`)).payload) as { code: number; message: string };
      expect(bad.code).toBe(460);
      expect(bad.message).toMatch(/params\.temperature/);
      d.m.publish(`${sys}/thing/dsltemplate/get`, '{"id":"3","version":"1.0","params":{},"method":"thing.dsltemplate.get"}');
      expect(json((await d.next(`${sys}/thing/dsltemplate/get_reply`)).payload)).toMatchObject({ id: '3', code: 200, data: { profile: { productKey: tslDevice.productKey } } });
      expect(platform.device(tslDevice.productKey, tslDevice.deviceName)?.properties['temperature']?.value).toBe(21.5);
      // The platform verifies a command's params against the model before sending it (§9.1).
      const set = await platform.setProperties(tslDevice.productKey, tslDevice.deviceName, { temperature: 900 });
      expect(set).toMatchObject({ status: 'rejected', code: 460, message: expect.stringMatching(/params\.temperature/) });
      expect(await platform.invokeService(tslDevice.productKey, tslDevice.deviceName, 'NoSuchService', {})).toMatchObject({ status: 'rejected', code: 460 });
    } finally {
      await d.end();
    }
  });
});

describe('a gateway with sub-devices (§9.2-§9.4, §6)', () => {
  it('topo add, login, data for the sub-device over the gateway, commands, logout, 520 without a session, disable', async () => {
    const g = await connect(gw);
    const gsys = `/sys/${gw.productKey}/${gw.deviceName}`;
    const session = `/ext/session/${gw.productKey}/${gw.deviceName}`;
    const ssys = `/sys/${sub.productKey}/${sub.deviceName}`;
    try {
      await g.m.subscribeAsync([`${gsys}/thing/topo/add_reply`, `${gsys}/thing/topo/get_reply`, `${session}/combine/login_reply`, `${session}/combine/logout_reply`,
        `${session}/combine/batch_login_reply`, `/ext/error/${gw.productKey}/${gw.deviceName}`, `${gsys}/thing/sub/register_reply`, `${gsys}/thing/proxy/provisioning/product_register_reply`]);
      // Before topo add, the sub-device's topics are not the gateway's.
      const refused = await g.m.subscribeAsync(`${ssys}/thing/service/+`).then(() => 'granted', () => 'refused');
      expect(refused).toBe('refused');

      const entry = topoAddEntry({ ...sub, timestamp: Date.now() });
      g.m.publish(`${gsys}/thing/topo/add`, JSON.stringify({ id: '1', version: '1.0', params: [entry], method: 'thing.topo.add' }));
      expect(json((await g.next(`${gsys}/thing/topo/add_reply`)).payload)).toMatchObject({ id: '1', code: 200 });
      g.m.publish(`${gsys}/thing/topo/get`, '{"id":"2","version":"1.0","params":{},"method":"thing.topo.get"}');
      expect(json((await g.next(`${gsys}/thing/topo/get_reply`)).payload)).toEqual({ id: '2', code: 200, data: [{ productKey: sub.productKey, deviceName: sub.deviceName }] });

      await g.m.subscribeAsync({ [`${ssys}/thing/service/#`]: { qos: 1 }, [`${ssys}/thing/event/property/post_reply`]: { qos: 1 } });
      // A wrong login signature: 6287 (§6).
      g.m.publish(`${session}/combine/login`, JSON.stringify({ id: '3', params: combineLoginParams({ ...sub, deviceSecret: 'wrong', timestamp: Date.now() }) }));
      expect(json((await g.next(`${session}/combine/login_reply`)).payload)).toMatchObject({ id: '3', code: 6287 });
      // Data before login: 520 on /ext/error, the gateway stays connected.
      g.m.publish(`${ssys}/thing/event/property/post`, '{"id":"4","version":"1.0","params":{"a":1},"method":"thing.event.property.post"}');
      expect(json((await g.next(`/ext/error/${gw.productKey}/${gw.deviceName}`)).payload)).toMatchObject({ code: 520 });
      expect(g.isClosed()).toBe(false);

      g.m.publish(`${session}/combine/login`, JSON.stringify({ id: '5', params: combineLoginParams({ ...sub, timestamp: Date.now() }) }));
      expect(json((await g.next(`${session}/combine/login_reply`)).payload)).toMatchObject({ id: '5', code: 200, data: { productKey: sub.productKey, deviceName: sub.deviceName } });
      g.m.publish(`${ssys}/thing/event/property/post`, '{"id":"6","version":"1.0","params":{"a":1},"method":"thing.event.property.post"}');
      expect(json((await g.next(`${ssys}/thing/event/property/post_reply`)).payload)).toEqual({ id: '6', code: 200, data: {} });
      expect(platform.device(sub.productKey, sub.deviceName)).toMatchObject({ online: true, gateway: { productKey: gw.productKey, deviceName: gw.deviceName } });

      const call = platform.setProperties(sub.productKey, sub.deviceName, { WF: 10 });
      const req = json((await g.next(`${ssys}/thing/service/property/set`)).payload) as { id: string };
      g.m.publish(`${ssys}/thing/service/property/set_reply`, JSON.stringify({ id: req.id, code: 200, data: {} }));
      expect(await call).toMatchObject({ status: 'replied', code: 200 });

      // Batch login of a second sub-device (topology first), then logout of the first.
      g.m.publish(`${gsys}/thing/topo/add`, JSON.stringify({ id: '7', version: '1.0', params: [topoAddEntry({ ...sub2, timestamp: Date.now() })], method: 'thing.topo.add' }));
      await g.next(`${gsys}/thing/topo/add_reply`);
      g.m.publish(`${session}/combine/batch_login`, JSON.stringify({ id: '8', version: '1.0', params: combineBatchLoginParams({ devices: [{ ...sub2, timestamp: Date.now() }] }), method: 'combine.batch_login' }));
      expect(json((await g.next(`${session}/combine/batch_login_reply`)).payload)).toMatchObject({ id: '8', code: 200 });
      g.m.publish(`${session}/combine/logout`, JSON.stringify({ id: '9', params: { productKey: sub.productKey, deviceName: sub.deviceName } }));
      expect(json((await g.next(`${session}/combine/logout_reply`)).payload)).toMatchObject({ id: '9', code: 200 });
      expect(platform.device(sub.productKey, sub.deviceName)?.online).toBe(false);

      // Pack and history posts (PROTOCOL-NOTES) for the gateway and its logged-in sub-device,
      // checked against each product's model; a sub-device without a session is refused.
      await g.m.subscribeAsync([`${gsys}/thing/event/property/pack/post_reply`, `${gsys}/thing/event/property/history/post_reply`]);
      const t = 1524448722000;
      const pack = (sd: typeof sub, wf: number) => ({ properties: { Power: { value: 'on', time: t }, WF: { value: 23.6, time: t } },
        subDevices: [{ identity: { productKey: sd.productKey, deviceName: sd.deviceName }, properties: { WF: { value: wf, time: t } } }] });
      g.m.publish(`${gsys}/thing/event/property/pack/post`, JSON.stringify({ id: '20', version: '1.0', params: pack(sub2, 23.6), method: 'thing.event.property.pack.post' }));
      expect(json((await g.next(`${gsys}/thing/event/property/pack/post_reply`)).payload)).toEqual({ id: '20', code: 200, data: {} });
      g.m.publish(`${gsys}/thing/event/property/pack/post`, JSON.stringify({ id: '21', version: '1.0', params: pack(sub2, 500), method: 'thing.event.property.pack.post' }));
      expect(json((await g.next(`${gsys}/thing/event/property/pack/post_reply`)).payload)).toMatchObject({ id: '21', code: 460, message: expect.stringMatching(/subDevices\[0\]\.properties\.WF/) });
      g.m.publish(`${gsys}/thing/event/property/pack/post`, JSON.stringify({ id: '22', version: '1.0', params: pack(sub, 1), method: 'thing.event.property.pack.post' }));
      expect(json((await g.next(`${gsys}/thing/event/property/pack/post_reply`)).payload)).toMatchObject({ id: '22', code: 520 });
      g.m.publish(`${gsys}/thing/event/property/pack/post`, JSON.stringify({ id: '23', version: '1.0', params: pack(direct as typeof sub, 1), method: 'thing.event.property.pack.post' }));
      expect(json((await g.next(`${gsys}/thing/event/property/pack/post_reply`)).payload)).toMatchObject({ id: '23', code: 6401 });
      const history = [{ identity: { productKey: sub2.productKey, deviceName: sub2.deviceName }, properties: [{ Power: { value: 'on', time: 123456 }, WF: { value: 3, time: 123456 } }] }];
      g.m.publish(`${gsys}/thing/event/property/history/post`, JSON.stringify({ id: '24', version: '1.0', params: history, method: 'thing.event.property.history.post' }));
      expect(json((await g.next(`${gsys}/thing/event/property/history/post_reply`)).payload)).toEqual({ id: '24', code: 200, data: {} });

      // Disabling a logged-in sub-device: 522 on logout_reply (§6), and its login is refused.
      const disabled = platform.disableDevice(sub2.productKey, sub2.deviceName, { timeoutMs: 200 });
      expect(json((await g.next(`${session}/combine/logout_reply`)).payload)).toMatchObject({ code: 522 });
      await disabled;
      g.m.publish(`${session}/combine/login`, JSON.stringify({ id: '10', params: combineLoginParams({ ...sub2, timestamp: Date.now() }) }));
      expect(json((await g.next(`${session}/combine/login_reply`)).payload)).toMatchObject({ id: '10', code: 522, message: 'device forbidden' });

      // Batch logout and topology delete (§9.3).
      await g.m.subscribeAsync([`${session}/combine/batch_logout_reply`, `${gsys}/thing/topo/delete_reply`]);
      g.m.publish(`${session}/combine/login`, JSON.stringify({ id: '14', params: combineLoginParams({ ...sub, timestamp: Date.now() }) }));
      await g.next(`${session}/combine/login_reply`);
      g.m.publish(`${session}/combine/batch_logout`, JSON.stringify({ id: '15', version: '1.0', params: [{ productKey: sub.productKey, deviceName: sub.deviceName }], method: 'combine.batch_logout' }));
      expect(json((await g.next(`${session}/combine/batch_logout_reply`)).payload)).toMatchObject({ id: '15', code: 200 });
      g.m.publish(`${gsys}/thing/topo/delete`, JSON.stringify({ id: '16', version: '1.0', params: [{ productKey: sub.productKey, deviceName: sub.deviceName }], method: 'thing.topo.delete' }));
      expect(json((await g.next(`${gsys}/thing/topo/delete_reply`)).payload)).toMatchObject({ id: '16', code: 200 });
      expect(platform.device(gw.productKey, gw.deviceName)?.subDevices).not.toContainEqual({ productKey: sub.productKey, deviceName: sub.deviceName });
      g.m.publish(`${session}/combine/login`, JSON.stringify({ id: '17', params: combineLoginParams({ ...sub, timestamp: Date.now() }) }));
      expect(json((await g.next(`${session}/combine/login_reply`)).payload)).toMatchObject({ id: '17', code: 6401 });

      // Seed §9.4: five logins in a minute, the sixth is throttled with 429.
      platform.addDevice({ productKey: sub.productKey, deviceName: 'sub-flappy', deviceSecret: 'flap' });
      const flappy = { productKey: sub.productKey, deviceName: 'sub-flappy', deviceSecret: 'flap' };
      g.m.publish(`${gsys}/thing/topo/add`, JSON.stringify({ id: '18', version: '1.0', params: [topoAddEntry({ ...flappy, timestamp: Date.now() })], method: 'thing.topo.add' }));
      await g.next(`${gsys}/thing/topo/add_reply`);
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        g.m.publish(`${session}/combine/login`, JSON.stringify({ id: `f${i}`, params: combineLoginParams({ ...flappy, timestamp: Date.now() }) }));
        codes.push((json((await g.next(`${session}/combine/login_reply`)).payload) as { code: number }).code);
        g.m.publish(`${session}/combine/logout`, JSON.stringify({ id: `g${i}`, params: { productKey: flappy.productKey, deviceName: flappy.deviceName } }));
        await g.next(`${session}/combine/logout_reply`);
      }
      expect(codes).toEqual([200, 200, 200, 200, 200, 429]);

      // Sub-device registration (§9.2) and proxy provisioning (PROTOCOL-NOTES) of new devices.
      platform.addDevice({ productKey: sub.productKey, deviceName: 'sub-new-1' });
      g.m.publish(`${gsys}/thing/sub/register`, JSON.stringify({ id: '11', version: '1.0', params: [{ productKey: sub.productKey, deviceName: 'sub-new-1' }], method: 'thing.sub.register' }));
      const reg = json((await g.next(`${gsys}/thing/sub/register_reply`)).payload) as { code: number; data: { deviceSecret: string }[] };
      expect(reg).toMatchObject({ id: '11', code: 200, data: [{ productKey: sub.productKey, deviceName: 'sub-new-1' }] });
      expect(reg.data[0]!.deviceSecret).toMatch(/^[0-9a-f]{32}$/);
      g.m.publish(`${gsys}/thing/sub/register`, JSON.stringify({ id: '12', version: '1.0', params: [{ productKey: sub.productKey, deviceName: 'sub-new-1' }], method: 'thing.sub.register' }));
      expect(json((await g.next(`${gsys}/thing/sub/register_reply`)).payload)).not.toMatchObject({ code: 200 });
      platform.addDevice({ productKey: sub.productKey, deviceName: 'sub-new-2' });
      const prov = proxyProvisioningParams([{ productKey: sub.productKey, deviceName: 'sub-new-2', productSecret: 'sub-product-secret', random: 'abc123' }]);
      g.m.publish(`${gsys}/thing/proxy/provisioning/product_register`, JSON.stringify({ id: '13', version: '1.0', params: prov, method: 'thing.proxy.provisioning.product_register' }));
      expect(json((await g.next(`${gsys}/thing/proxy/provisioning/product_register_reply`)).payload)).toMatchObject({ id: '13', code: 200 });
    } finally {
      await g.end();
    }
  });
});

describe('cloud-initiated gateway messages (§9.3, §9.6)', () => {
  it('topo add notify, topology change from the cloud, and the model config push by URL and digest', async () => {
    const g = await connect(gw);
    const gsys = `/sys/${gw.productKey}/${gw.deviceName}`;
    try {
      await g.m.subscribeAsync({ [`${gsys}/thing/topo/add/notify`]: { qos: 1 }, [`${gsys}/thing/topo/change`]: { qos: 1 }, [`${gsys}/thing/model/config/push`]: { qos: 1 } });
      const notify = platform.notifyTopoAdd(gw.productKey, gw.deviceName, [{ productKey: sub.productKey, deviceName: 'sub-new-3' }]);
      const n = json((await g.next(`${gsys}/thing/topo/add/notify`)).payload) as { id: string; params: unknown; method: string };
      expect(n).toMatchObject({ method: 'thing.topo.add.notify', params: [{ productKey: sub.productKey, deviceName: 'sub-new-3' }] });
      g.m.publish(`${gsys}/thing/topo/add/notify_reply`, JSON.stringify({ id: n.id, code: 200, data: {} }));
      expect(await notify).toMatchObject({ status: 'replied', code: 200 });

      platform.addDevice({ productKey: sub.productKey, deviceName: 'sub-cloud-1', deviceSecret: 's' });
      const change = platform.changeTopology(gw.productKey, gw.deviceName, 'add', [{ productKey: sub.productKey, deviceName: 'sub-cloud-1' }]);
      const c = json((await g.next(`${gsys}/thing/topo/change`)).payload) as { id: string; params: unknown };
      expect(c.params).toEqual({ status: 0, subList: [{ productKey: sub.productKey, deviceName: 'sub-cloud-1' }] });
      g.m.publish(`${gsys}/thing/topo/change_reply`, JSON.stringify({ id: c.id, code: 200, message: 'success', data: {} }));
      expect(await change).toMatchObject({ status: 'replied', code: 200 });
      expect(platform.device(sub.productKey, 'sub-cloud-1')?.gateway).toEqual({ productKey: gw.productKey, deviceName: gw.deviceName });

      const document = { modelList: [], serverList: [], deviceList: [], tslList: [] };
      const push = platform.pushModelConfig(gw.productKey, gw.deviceName, document);
      const p = json((await g.next(`${gsys}/thing/model/config/push`)).payload) as { id: string; data: { url: string; digest: string; digestMethod: string } };
      expect(p).toMatchObject({ method: 'thing.model.config.push', data: { digestMethod: 'sha256' } });
      const body = await (await fetch(p.data.url)).text();
      expect(JSON.parse(body)).toEqual(document);
      expect(createHash('sha256').update(body).digest('hex')).toBe(p.data.digest);
      g.m.publish(`${gsys}/thing/model/config/push_reply`, JSON.stringify({ id: p.id, code: 200, message: 'success', data: p.data }));
      expect(await push).toMatchObject({ status: 'replied', code: 200 });
    } finally {
      await g.end();
    }
  });
});

describe('a sub-device session that outlives its logins (seed §9.4 cleanSession)', () => {
  it('cleanSession false keeps QoS 1 messages for the next login; true clears them', async () => {
    const g = await connect(gw);
    const session = `/ext/session/${gw.productKey}/${gw.deviceName}`;
    const keeper = { productKey: sub.productKey, deviceName: 'sub-persist', deviceSecret: 'persist-secret' };
    const userGet = `/${keeper.productKey}/${keeper.deviceName}/user/get`;
    const login = async (id: string, cleanSession: boolean) => {
      g.m.publish(`${session}/combine/login`, JSON.stringify({ id, params: combineLoginParams({ ...keeper, cleanSession, timestamp: Date.now() }) }));
      expect(json((await g.next(`${session}/combine/login_reply`)).payload)).toMatchObject({ id, code: 200 });
    };
    const logout = async (id: string) => {
      g.m.publish(`${session}/combine/logout`, JSON.stringify({ id, params: { productKey: keeper.productKey, deviceName: keeper.deviceName } }));
      expect(json((await g.next(`${session}/combine/logout_reply`)).payload)).toMatchObject({ id, code: 200 });
    };
    try {
      platform.addDevice(keeper);
      await g.m.subscribeAsync([`${session}/combine/login_reply`, `${session}/combine/logout_reply`]);
      await platform.changeTopology(gw.productKey, gw.deviceName, 'add', [keeper], { timeoutMs: 50 });
      await g.m.subscribeAsync(userGet, { qos: 1 });
      await login('p1', false);
      await logout('p2');
      expect(platform.publish(userGet, 'while away')).toBe(1);
      await sleep(50);
      expect(g.messages.filter((m) => m.topic === userGet)).toEqual([]);
      await login('p3', false);
      expect((await g.next(userGet)).payload).toBe('while away');
      await logout('p4');
      expect(platform.publish(userGet, 'forgotten')).toBe(1);
      await login('p5', true);
      await sleep(100);
      expect(g.messages.filter((m) => m.topic === userGet)).toEqual([]);
      await logout('p6');
      expect(platform.publish(userGet, 'nobody keeps this')).toBe(0);
    } finally {
      await g.end();
    }
  });
});

describe('registration over MQTT, TLS, WSS and X.509 (PROTOCOL-NOTES; seed §3.1, §3.2)', () => {
  const tlsUrl = () => `mqtts://${platform.host}:${platform.tlsPort}`;

  it('register hands out the secret once; regnwl a token that connwl then uses', async () => {
    const registerOnce = async (deviceName: string, mode: 'register' | 'regnwl') => {
      const d = await mqttJsDevice(tlsUrl(), mqttRegisterCredentials({ ...regProduct, deviceName, random: 'r1', mode }), { ca, clean: true });
      if (d.error !== undefined) return { error: d.error };
      await until(() => d.messages.length > 0 || d.isClosed());
      await until(() => d.isClosed());
      await d.end();
      return { message: d.messages[0], closed: d.isClosed() };
    };
    const first = await registerOnce('pre-registered', 'register');
    expect(first.closed).toBe(true);
    const reply = parseMqttRegistrationReply(first.message!.topic, first.message!.payload);
    expect(reply).toMatchObject({ mode: 'register', deviceSecret: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await registerOnce('pre-registered', 'register')).error?.code).toBe(5);

    const nwl = await registerOnce('made-by-regnwl', 'regnwl');
    const token = parseMqttRegistrationReply(nwl.message!.topic, nwl.message!.payload);
    if (token.mode !== 'regnwl') throw new Error('expected regnwl');
    const c = await mqttJsDevice(tlsUrl(), mqttConnwlCredentials(token), { ca });
    expect(c.error).toBeUndefined();
    await c.end();
    // Over plain TCP securemode 2 is refused before anything else.
    const plain = await mqttJsDevice(url(), mqttRegisterCredentials({ ...regProduct, deviceName: 'other-1', random: 'r2' }));
    expect(plain.error?.code).toBe(5);
    await plain.end();
  });

  it('TLS with the generated CA, WSS, and an X.509 device certificate', async () => {
    const t = await mqttJsDevice(tlsUrl(), mqttCredentials({ ...direct, secureMode: 2, timestamp: Date.now() }), { ca, servername: 'localhost' });
    expect(t.error).toBeUndefined();
    await t.end();
    // WSS through linkwire's web adapter on the `ws` package, trusting the generated CA.
    class TrustingWebSocket extends WS {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { ca });
      }
    }
    const w = await connectMqttWebSocket({
      url: `wss://${platform.host}:${platform.wssPort}/mqtt`, WebSocket: TrustingWebSocket as unknown as typeof globalThis.WebSocket,
      ...mqttCredentials({ ...direct, secureMode: 2, timestamp: Date.now() }), keepalive: 60,
    });
    expect(w.connack.returnCode).toBe(0);
    w.close();
    // X.509 over WSS: the certificate presented in the WebSocket's TLS handshake.
    const mine = platform.issueDeviceCertificate(direct.productKey, direct.deviceName);
    class CertWebSocket extends WS {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { ca, cert: mine.cert, key: mine.key });
      }
    }
    const xw = await connectMqttWebSocket({
      url: `wss://${platform.host}:${platform.wssPort}/mqtt`, WebSocket: CertWebSocket as unknown as typeof globalThis.WebSocket,
      clientId: 'x509-ws|securemode=2,authType=x509|', keepalive: 60,
    });
    expect(xw.connack.returnCode).toBe(0);
    xw.close();
    const x = await mqttJsDevice(tlsUrl(), { clientId: 'x509-1|securemode=2,authType=x509|', username: '', password: '' }, { ca, cert: mine.cert, key: mine.key });
    expect(x.error).toBeUndefined();
    await x.end();
    const none = await mqttJsDevice(tlsUrl(), { clientId: 'x509-2|securemode=2,authType=x509|', username: '', password: '' }, { ca });
    expect(none.error?.code).toBe(4);
    await none.end();
  });

  it('HTTPS auth (seed §3.1 "Connect the MQTT client through HTTPS"): the token and the TLS endpoint', async () => {
    const r = deviceNameAuthRequest({ ...direct, timestamp: Date.now(), resources: ['mqtt'] });
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: platform.host, port: platform.httpsPort, path: r.path, method: r.method, headers: r.headers, ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end(r.body);
    });
    const reply = parseDeviceNameAuthReply(text);
    if (!reply.ok) throw new Error(text);
    expect(reply.mqtt).toEqual({ host: platform.host, port: platform.tlsPort });
    const c = await mqttJsDevice(tlsUrl(), mqttTokenCredentials({ clientId: 'https-token-1', iotId: reply.iotId, iotToken: reply.iotToken }), { ca });
    expect(c.error).toBeUndefined();
    await c.end();
  });
});

describe('an OTA job (§5, §9.10)', () => {
  it('push, ranged download, progress, and success only on the new version inform', async () => {
    const d = await connect(direct);
    const upgradeTopic = `/ota/device/upgrade/${direct.productKey}/${direct.deviceName}`;
    try {
      await d.m.subscribeAsync(upgradeTopic, { qos: 1 });
      const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
      const job = platform.pushOta({ version: '2.0.0', bytes }, [direct, { productKey: gw.productKey, deviceName: gw.deviceName }]);
      const push = json((await d.next(upgradeTopic)).payload) as { code: string; data: { url: string; size: number; sign: string; signMethod: string } };
      expect(push).toMatchObject({ code: '1000', data: { size: 10_000, version: '2.0.0', signMethod: 'SHA256' } });
      expect(platform.otaJob(job.jobId)?.devices.get(`${gw.productKey}&${gw.deviceName}`)).toEqual({ status: 'offline' });
      const part = await fetch(push.data.url, { headers: { range: 'bytes=9000-' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 9000-9999/10000');
      expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.from(bytes.subarray(9000)));
      expect((await fetch(push.data.url, { headers: { range: 'bytes=20000-' } })).status).toBe(416);
      const key = `${direct.productKey}&${direct.deviceName}`;
      // The pull form (PROTOCOL-NOTES: thing.ota.firmware.get) answers with the same firmware.
      await d.m.subscribeAsync(`/sys/${direct.productKey}/${direct.deviceName}/thing/ota/firmware/get_reply`);
      d.m.publish(`/sys/${direct.productKey}/${direct.deviceName}/thing/ota/firmware/get`, '{"id":"9","version":"1.0","params":{},"method":"thing.ota.firmware.get"}');
      expect(json((await d.next(`/sys/${direct.productKey}/${direct.deviceName}/thing/ota/firmware/get_reply`)).payload)).toMatchObject({ id: '9', code: 200, data: { url: push.data.url, version: '2.0.0', sign: push.data.sign } });
      d.m.publish(`/ota/device/progress/${direct.productKey}/${direct.deviceName}`, '{"id":"1","params":{"step":"100","desc":"downloaded"}}');
      await until(() => platform.otaJob(job.jobId)?.devices.get(key)?.status === 'in_progress');
      expect(platform.otaJob(job.jobId)?.devices.get(key)).toMatchObject({ status: 'in_progress', step: 100 });
      d.m.publish(`/ota/device/inform/${direct.productKey}/${direct.deviceName}`, '{"id":"2","params":{"version":"1.0.0"}}');
      await sleep(100);
      expect(platform.otaJob(job.jobId)?.devices.get(key)?.status).toBe('in_progress');
      d.m.publish(`/ota/device/inform/${direct.productKey}/${direct.deviceName}`, '{"id":"3","params":{"version":"2.0.0"}}');
      await until(() => platform.otaJob(job.jobId)?.devices.get(key)?.status === 'succeeded');
      expect(platform.otaJob(job.jobId)?.devices.get(key)).toEqual({ status: 'succeeded' });
      expect(platform.device(direct.productKey, direct.deviceName)?.firmware).toEqual({ default: '2.0.0' });
      // A generated image of a module, pulled whole: its size and digest are what the push says.
      const generated = platform.addFirmware({ version: '3.0.0', module: 'mcu', size: 1000, digestMethod: 'md5' });
      const whole = Buffer.from(await (await fetch(generated.url)).arrayBuffer());
      expect(whole.length).toBe(1000);
      expect(createHash('md5').update(whole).digest('hex')).toBe(generated.digest);
    } finally {
      await d.end();
    }
  });
});

describe('disable, enable and delete a directly connected device (§9.7)', () => {
  it('thing.disable reaches the device, which is then taken offline and refused; enable lets it back; delete forgets it', async () => {
    const victim = { productKey: direct.productKey, deviceName: 'to-disable', deviceSecret: 'dis-secret' };
    platform.addDevice(victim);
    const d = await connect(victim);
    const topic = `/sys/${victim.productKey}/${victim.deviceName}/thing/disable`;
    await d.m.subscribeAsync(topic, { qos: 1 });
    const disabled = platform.disableDevice(victim.productKey, victim.deviceName);
    const req = json((await d.next(topic)).payload) as { id: string; method: string };
    expect(req.method).toBe('thing.disable');
    d.m.publish(`${topic}_reply`, JSON.stringify({ id: req.id, code: 200, data: {} }));
    expect(await disabled).toMatchObject({ status: 'replied', code: 200 });
    await until(d.isClosed);
    expect(d.isClosed()).toBe(true);
    const refused = await connect(victim);
    expect(refused.error?.code).toBe(5);
    await refused.end();
    expect(await platform.enableDevice(victim.productKey, victim.deviceName, { timeoutMs: 100 })).toEqual({ status: 'offline' });
    const back = await connect(victim);
    expect(back.error).toBeUndefined();
    const deleted = platform.deleteDevice(victim.productKey, victim.deviceName, { timeoutMs: 100 });
    await deleted;
    await until(back.isClosed);
    expect(back.isClosed()).toBe(true);
    expect(platform.device(victim.productKey, victim.deviceName)).toBeUndefined();
    expect((await connect(victim)).error?.code).toBe(4);
  });
});
