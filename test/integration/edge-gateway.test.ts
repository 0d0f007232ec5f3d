/**
 * The local Link IoT Edge gateway over real sockets on 127.0.0.1: a driver with three devices
 * on the driver listener, the Edge HTTP API driven with the global fetch, Watch, functions, and
 * the API's refusals with the seed's status codes (aliyun-link-iot-edge-developer-guide.txt §3.2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EdgeHttpError, RESULT_SUCCESS, connectDriver, createEdgeHttpClient, type DriverRuntime, type EdgeFetch, type JsonObject, type ThingAccessClient, type WatchItem,
} from '@linkwire/edge';
import { startEdgeGateway, type EdgeGateway } from '@linkwire/emulator';
import { nodeClock, nodeDialer, nodeRandom } from '@linkwire/node';
import { LIGHT_PK, driverConfig, lightTsl } from '../../packages/edge/test/fixtures.ts';
import { until } from '../support/until.ts';

const GATEWAY = { productKey: 'a1EdgeGw001', deviceName: 'edge-gateway-1' };
const DEVICES = ['LightDev1', 'LightDev2', 'LightDev3'];
const fetchFn = fetch as unknown as EdgeFetch;

let gw: EdgeGateway;
let driver: DriverRuntime;
const clients = new Map<string, ThingAccessClient>();
const state = new Map<string, Record<string, unknown>>();
let stall = false;

beforeAll(async () => {
  gw = await startEdgeGateway({
    gateway: GATEWAY,
    drivers: [
      { driverId: 'light-driver', driverSecret: 'driver-secret-1', name: 'Light driver', config: driverConfig(DEVICES) },
      { driverId: 'other-driver', driverSecret: 'driver-secret-2', config: JSON.stringify({ deviceList: [{ productKey: LIGHT_PK, deviceName: 'OtherDev1' }] }) },
    ],
    tsl: { [LIGHT_PK]: lightTsl },
    replyTimeoutMs: 400,
    heartbeatMs: 200,
    maxConnectionsPerAddress: 16,
    routes: [{ topicFilter: '/hello/#', target: 'service:EdgeFC:function:listener' }],
    functionCredentials: { accessKeyId: 'STS.test-id', accessKeySecret: 'test-secret', securityToken: 'test-token' },
  });
  driver = await connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'light-driver', driverSecret: 'driver-secret-1', gateway: GATEWAY });
  const config = await driver.config();
  for (const info of config.getThingInfos()) {
    const props: Record<string, unknown> = { LightSwitch: 0, temperature: 41, humidity: 80 };
    state.set(info.deviceName, props);
    const client = driver.thingAccessClient(info, {
      setProperties(properties) {
        Object.assign(props, properties);
        return { code: RESULT_SUCCESS, message: 'success' };
      },
      getProperties(keys) {
        if (stall) return new Promise(() => undefined);
        return { code: RESULT_SUCCESS, message: 'success', params: Object.fromEntries(keys.map((k) => [k, props[k] as never])) };
      },
      callService(name, args) {
        if (stall) return new Promise(() => undefined); // a device that never answers
        if (name === 'turn') props['LightSwitch'] = args['LightSwitch'];
        if (name === 'setColor') props['color'] = args['color'];
        // The Python SDK's form: (code, output).
        return [0, {}] as const;
      },
    });
    await client.registerAndOnline();
    clients.set(info.deviceName, client);
  }
});

afterAll(async () => {
  await driver?.destroy();
  await gw?.close();
});

const api = () => createEdgeHttpClient({ baseUrl: gw.url, fetch: fetchFn, username: 'admin', password: 'admin1234' });

describe('a driver with three devices, driven through the Edge HTTP API', () => {
  it('Config.get() gives the seed document\'s devices and driver info', async () => {
    const config = await driver.config();
    expect(config.getThingInfos().map((t) => [t.productKey, t.deviceName, t.custom['port']])).toEqual([
      [LIGHT_PK, 'LightDev1', 12345], [LIGHT_PK, 'LightDev2', 12346], [LIGHT_PK, 'LightDev3', 12347],
    ]);
    expect(config.getDriverInfo().json).toEqual({ ip: '127.0.0.1', port: 54321 });
    expect(JSON.parse(await driver.getConfig()).deviceList).toHaveLength(3);
    expect(JSON.parse(await clients.get('LightDev1')!.getTsl()).profile.productKey).toBe(LIGHT_PK);
  });

  it('ListThings shows the three devices online under their driver, the other driver\'s device inactivated', async () => {
    const things = await api().listThings();
    const mine = things.filter((t) => t.DriverId === 'light-driver');
    expect(mine.map((t) => [t.DeviceName, t.Status, t.Connected, t.DriverName])).toEqual(DEVICES.map((d) => [d, 'Online', true, 'Light driver']));
    expect(things.find((t) => t.DeviceName === 'OtherDev1')?.Status).toBe('Inactivated');
    expect(mine[0]!.Tags).toEqual([{ location: 'master bedroom' }]);
  });

  it('SetThingProperties and GetThingProperties reach the callbacks (seed §3.4.2, §3.4.3)', async () => {
    const c = api();
    const set = await c.setThingProperties(LIGHT_PK, 'LightDev2', { LightSwitch: 1 });
    expect(typeof set.Timestamp).toBe('number');
    expect(state.get('LightDev2')!['LightSwitch']).toBe(1);
    const got = await c.getThingProperties(LIGHT_PK, 'LightDev2', ['LightSwitch', 'temperature']);
    expect(got.Properties).toEqual({ LightSwitch: 1, temperature: 41 });
  });

  it('CallThingServices runs the service callback (seed §3.4.4 setColor red)', async () => {
    const r = await api().callThingServices(LIGHT_PK, 'LightDev3', [{ Name: 'setColor', Args: { color: 'red' } }]);
    expect(r.Services).toEqual([{ Name: 'setColor', Returns: { Message: 'success', Data: [] } }]);
    expect(state.get('LightDev3')!['color']).toBe('red');
  });

  it('BulkActions GetProperties, SetProperties and CallServices over all three', async () => {
    const c = api();
    const set = await c.bulkActions({ BulkAction: 'SetProperties', Things: DEVICES.map((d) => ({ ProductKey: LIGHT_PK, DeviceName: d, Properties: { LightSwitch: 1 } })) });
    expect(set.Results.map((r) => r.Returns?.Message)).toEqual(['success', 'success', 'success']);
    const get = await c.bulkActions({ BulkAction: 'GetProperties', Things: DEVICES.map((d) => ({ ProductKey: LIGHT_PK, DeviceName: d, Identifiers: ['LightSwitch'] })) });
    expect(get.Results.map((r) => [r.DeviceName, r.Returns?.Data])).toEqual(DEVICES.map((d) => [d, { LightSwitch: 1 }]));
    const call = await c.bulkActions({ BulkAction: 'CallServices', Things: DEVICES.map((d) => ({ ProductKey: LIGHT_PK, DeviceName: d, Services: [{ Name: 'turn', Args: { LightSwitch: 0 } }] })) });
    expect(call.Results.map((r) => r.Services?.[0]?.Returns.Message)).toEqual(['success', 'success', 'success']);
    expect(DEVICES.map((d) => state.get(d)!['LightSwitch'])).toEqual([0, 0, 0]);
    // The seed's Table 3-1 spelling is accepted too.
    const raw = await rawCall('POST', '/things/bulk', JSON.stringify({ BulkAction: 'GetProperites', Things: [{ ProductKey: LIGHT_PK, DeviceName: 'LightDev1', Identifiers: ['LightSwitch'] }] }), { cookie: await cookie() });
    expect(raw.status).toBe(200);
  });

  it('Watch delivers the three devices\' reports and events in order, with heartbeats', async () => {
    const c = api();
    const sub = c.watch([], { clock: nodeClock, idleTimeoutMs: 5000 });
    const seen: WatchItem[] = [];
    const reading = (async () => {
      for await (const item of sub) {
        seen.push(item);
        if (seen.filter((s) => s.kind === 'event').length === 7) break;
      }
    })();
    await until(() => seen.some((s) => s.kind === 'heartbeat'));
    for (const d of DEVICES) await clients.get(d)!.reportProperties({ temperature: 20 + DEVICES.indexOf(d) });
    await clients.get('LightDev1')!.reportEvent('high_temperature', { temperature: 41 });
    for (const d of DEVICES) await clients.get(d)!.reportProperties({ humidity: 50 });
    await reading;
    const events = seen.filter((s) => s.kind === 'event') as Extract<WatchItem, { kind: 'event' }>[];
    expect(events.map((e) => [e.deviceName, e.event])).toEqual([
      ['LightDev1', 'propertiesChanged'], ['LightDev2', 'propertiesChanged'], ['LightDev3', 'propertiesChanged'],
      ['LightDev1', 'high_temperature'],
      ['LightDev1', 'propertiesChanged'], ['LightDev2', 'propertiesChanged'], ['LightDev3', 'propertiesChanged'],
    ]);
    expect((events[1]!.args!['temperature'] as JsonObject)['value']).toBe(21);
    expect(events[3]!.args).toEqual({ temperature: 41 });
  });

  it('reports outside the model are refused by the driver before they are sent', async () => {
    await expect(clients.get('LightDev1')!.reportProperties({ temperature: 500 })).rejects.toMatchObject({ code: 'invalid_properties' });
    await expect(clients.get('LightDev1')!.reportEvent('no_such_event', {})).rejects.toMatchObject({ code: 'invalid_event' });
  });

  it('offline and online move the device\'s status', async () => {
    const c = api();
    await clients.get('LightDev3')!.offline();
    expect((await c.listThings()).find((t) => t.DeviceName === 'LightDev3')?.Status).toBe('Offline');
    await expect(c.getThingProperties(LIGHT_PK, 'LightDev3', ['LightSwitch'])).rejects.toMatchObject({ status: 503 });
    await clients.get('LightDev3')!.online();
    expect((await c.listThings()).find((t) => t.DeviceName === 'LightDev3')?.Status).toBe('Online');
  });
});

async function rawCall(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> | undefined; headers: Headers }> {
  const res = await fetch(`${gw.url}/2019-09-30${path}`, { method, body, headers });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
}

async function cookie(): Promise<string> {
  const res = await fetch(`${gw.url}/2019-09-30/auth/cookies`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('admin:admin1234').toString('base64')}` } });
  expect(res.status).toBe(201);
  expect(await res.json()).toEqual({ Code: 201, Message: 'success' });
  const setCookie = res.headers.get('set-cookie')!;
  expect(setCookie).toMatch(/^token=[0-9a-f]{64}; Max-Age=3600; Path=\//);
  return setCookie.split(';')[0]!;
}

describe('the API\'s refusals carry the seed\'s status codes (§3.2) in typed bodies', () => {
  it('401 without a cookie, with an unknown one, and with a wrong Basic password', async () => {
    const none = await rawCall('GET', '/things');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ Code: 401 });
    expect((await rawCall('GET', '/things', undefined, { cookie: 'token=00' })).status).toBe(401);
    const wrong = await rawCall('POST', '/auth/cookies', undefined, { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` });
    expect(wrong.status).toBe(401);
    await expect(createEdgeHttpClient({ baseUrl: gw.url, fetch: fetchFn, username: 'admin', password: 'nope' }).listThings()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('a deleted cookie no longer works (CreateAuthCookie, DeleteAuthCookie)', async () => {
    const c = await cookie();
    expect((await rawCall('GET', '/things', undefined, { cookie: c })).status).toBe(200);
    const del = await rawCall('DELETE', `/auth/cookies/${c.slice('token='.length)}`, undefined, { authorization: `Basic ${Buffer.from('admin:admin1234').toString('base64')}` });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ Code: 200, Message: 'success' });
    expect((await rawCall('GET', '/things', undefined, { cookie: c })).status).toBe(401);
  });

  it('404 for an unknown thing and an unknown path; 405 for a wrong method', async () => {
    await expect(api().getThingProperties(LIGHT_PK, 'NoSuchDevice', ['LightSwitch'])).rejects.toMatchObject({ status: 404, code: 'not_found' });
    const c = await cookie();
    expect((await rawCall('GET', '/nowhere', undefined, { cookie: c })).status).toBe(404);
    const wrong = await rawCall('DELETE', '/things', undefined, { cookie: c });
    expect(wrong.status).toBe(405);
    expect(wrong.json).toMatchObject({ Code: 405 });
  });

  it('400 for junk bodies, invalid identifiers and values outside the model', async () => {
    const c = await cookie();
    for (const body of ['{', 'null', '[]', '{"Properties":5}', '\u0000\u0001', '{"__proto__":{"x":1}}']) {
      const r = await rawCall('POST', `/things/${LIGHT_PK}/LightDev1/properties`, body, { cookie: c });
      expect(r.status, body).toBe(400);
      expect(r.json).toMatchObject({ Code: 400 });
    }
    expect((await rawCall('GET', `/things/${LIGHT_PK}/LightDev1/properties?identifiers=a%2Fb`, undefined, { cookie: c })).status).toBe(400);
    await expect(api().setThingProperties(LIGHT_PK, 'LightDev1', { temperature: 9999 })).rejects.toMatchObject({ status: 400 });
    await expect(api().callThingServices(LIGHT_PK, 'LightDev1', [{ Name: 'turn', Args: { LightSwitch: 'maybe' } }]).then((r) => r.Services[0]!.Returns.Message)).resolves.toMatch(/LightSwitch/);
    const big = await rawCall('POST', '/things/bulk', 'x'.repeat((1 << 20) + 10), { cookie: c });
    expect(big.status).toBe(400);
    // The gateway keeps serving.
    expect((await rawCall('GET', '/things', undefined, { cookie: c })).status).toBe(200);
  });

  it('503 when a device does not answer in time', async () => {
    stall = true;
    try {
      const err = await api().callThingServices(LIGHT_PK, 'LightDev1', [{ Name: 'turn', Args: { LightSwitch: 1 } }]).then((r) => r.Services[0]!.Returns.Message);
      expect(err).toMatch(/timeout/);
      const single = await rawCall('POST', `/things/${LIGHT_PK}/LightDev1/services`, JSON.stringify({ Services: [{ Name: 'turn', Args: { LightSwitch: 1 } }] }), { cookie: await cookie() });
      expect(single.status).toBe(200);
      expect((single.json!['Data'] as { Services: { Returns: { Message: string } }[] }).Services[0]!.Returns.Message).toMatch(/timeout/);
      // A property read of a stalled device: the single-thing API answers 503 with a typed body.
      const read = await rawCall('GET', `/things/${LIGHT_PK}/LightDev2/properties?identifiers=LightSwitch`, undefined, { cookie: await cookie() });
      expect(read.status).toBe(503);
      expect(read.json).toMatchObject({ Code: 503, Message: expect.stringMatching(/^timeout/) });
    } finally {
      stall = false;
    }

  });

  it('421 when one address holds too many connections', async () => {
    const net = await import('node:net');
    const sockets = await Promise.all(Array.from({ length: 16 }, () => new Promise<import('node:net').Socket>((r) => { const s = net.connect(gw.apiPort, gw.host, () => r(s)); })));
    try {
      // A new connection (fetch would reuse a pooled one).
      const http = await import('node:http');
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get(`${gw.url}/2019-09-30/things`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      expect(status).toBe(421);
      expect(JSON.parse(body)).toMatchObject({ Code: 421 });
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('a driver cannot sign in with a wrong secret, nor act for another driver\'s device', async () => {
    await expect(connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'light-driver', driverSecret: 'wrong', gateway: GATEWAY })).rejects.toThrow();
    const other = await connectDriver({ dial: nodeDialer, endpoint: { host: gw.host, port: gw.driverPort }, clock: nodeClock, random: nodeRandom, driverId: 'other-driver', driverSecret: 'driver-secret-2', gateway: GATEWAY });
    try {
      const intruder = other.thingAccessClient({ productKey: LIGHT_PK, deviceName: 'LightDev1' }, { setProperties: () => ({ code: 0 }), getProperties: () => ({ code: 0 }), callService: () => ({ code: 0 }) });
      await expect(intruder.registerAndOnline()).rejects.toMatchObject({ code: 'ERROR_CONNECT' });
      await expect(intruder.offline()).rejects.toMatchObject({ code: 'ERROR_DISCONNECT' });
      // LightDev1 still belongs to, and answers through, the light driver.
      expect((await api().getThingProperties(LIGHT_PK, 'LightDev1', ['humidity'])).Properties).toEqual({ humidity: 80 });
    } finally {
      await other.destroy();
    }
  });
});

describe('functions on the gateway', () => {
  it('InvokeFunction over HTTP, and a function invoking another through FCClient (seed §2.2.6)', async () => {
    const { FCClient, IoTData } = await import('@linkwire/edge');
    gw.registerFunction('EdgeFC', 'helloworld', (event, context, callback) => {
      // seed: console.log(context.invokerContext.custom.data) // Custom data from Invoker
      const custom = (context.invokerContext as { custom?: { data?: string } } | undefined)?.custom?.data ?? '';
      callback(null, `Message from helloworld${custom ? ` (${custom})` : ''}: ${Buffer.from(event).toString()}`);
    });
    gw.registerFunction('EdgeFC', 'invoker', (_event, context, callback) => {
      const fc = new FCClient(context.transport);
      const ctx = { custom: { data: 'Custom context from Invoker' } };
      const invokerContext = Buffer.from(JSON.stringify(ctx)).toString('base64');
      fc.invokeFunction({ serviceName: 'EdgeFC', functionName: 'helloworld', invocationType: 'Sync', invokerContext, payload: 'String message from Invoker.' }, (err, data) => {
        callback(err, err ? undefined : String(data!.payload));
      });
    });
    gw.registerFunction('EdgeFC', 'lights', async (_event, context) => {
      const iotData = new IoTData(context.transport);
      await iotData.setThingProperties({ productKey: LIGHT_PK, deviceName: 'LightDev2', payload: { LightSwitch: '1' } as never });
      const data = await iotData.getThingProperties({ productKey: LIGHT_PK, deviceName: 'LightDev2', payload: ['LightSwitch'] });
      const things = await iotData.getThingsWithTags({ payload: [{ location: 'master bedroom' }] });
      return JSON.stringify({ data, things });
    });
    const c = api();
    expect((await c.invokeFunction('service:EdgeFC:function:helloworld', 'hi')).text()).toBe('Message from helloworld: hi');
    expect((await c.invokeFunction('service:EdgeFC:function:invoker')).text()).toBe('Message from helloworld (Custom context from Invoker): String message from Invoker.');
    expect(JSON.parse((await c.invokeFunction('acs:fc:cn-shanghai:1234567890123456:service:EdgeFC:function:lights')).text())).toEqual({
      data: { LightSwitch: 1 }, things: [{ productKey: LIGHT_PK, deviceName: 'LightDev1' }],
    });
  });

  it('IoTData.publish reaches the functions routed to the topic (seed §2.2.1); Async invocations answer at once', async () => {
    const { IoTData, FCClient } = await import('@linkwire/edge');
    const heard: string[] = [];
    gw.registerFunction('EdgeFC', 'listener', (event, _context, callback) => {
      heard.push(Buffer.from(event).toString());
      callback(null);
    });
    gw.registerFunction('EdgeFC', 'publisher', (_event, context, callback) => {
      const iotData = new IoTData(context.transport);
      const message = { topic: '/hello/world', payload: 'Hello World.' };
      iotData.publish(message, (err) => callback(err));
    });
    await api().invokeFunction('service:EdgeFC:function:publisher');
    await until(() => heard.length === 1);
    expect(heard).toEqual(['Hello World.']);
    gw.registerFunction('EdgeFC', 'slow', () => new Promise(() => undefined));
    gw.registerFunction('EdgeFC', 'asyncCaller', async (_e, context) => {
      const r = await new FCClient(context.transport).invokeFunction({ serviceName: 'EdgeFC', functionName: 'slow', invocationType: 'Async' });
      return `async answered: "${String(r.payload)}"`;
    });
    expect((await api().invokeFunction('service:EdgeFC:function:asyncCaller')).text()).toBe('async answered: ""');
  });

  it('a function reads its group role credential through CredentialProviderChain (seed §2.2.7)', async () => {
    const { CredentialProviderChain, contextCredentials } = await import('@linkwire/edge');
    gw.registerFunction('EdgeFC', 'oss', async (_event, context) => {
      const credChain = new CredentialProviderChain([contextCredentials(context)], nodeClock);
      const cred = await credChain.resolvePromise();
      return `Access Key Id: ${cred.accessKeyId}, Security Token: ${cred.securityToken}`;
    });
    expect((await api().invokeFunction('service:EdgeFC:function:oss')).text()).toBe('Access Key Id: STS.test-id, Security Token: test-token');
  });

  it('a failing function answers with X-Fc-Error-Type', async () => {
    gw.registerFunction('EdgeFC', 'broken', (_e, _c, callback) => callback(new Error('handled failure')));
    gw.registerFunction('EdgeFC', 'throws', () => {
      throw new Error('unhandled failure');
    });
    await expect(api().invokeFunction('service:EdgeFC:function:broken')).rejects.toMatchObject({ status: 500, errorType: 'Handled', message: 'handled failure' });
    await expect(api().invokeFunction('service:EdgeFC:function:throws')).rejects.toMatchObject({ status: 500, errorType: 'Unhandled' });
    await expect(api().invokeFunction('service:EdgeFC:function:missing')).rejects.toMatchObject({ status: 404 });
    await expect(api().invokeFunction('not an arn')).rejects.toMatchObject({ code: 'invalid_request' });
    expect(EdgeHttpError).toBeDefined();
  });
});
