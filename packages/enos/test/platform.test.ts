// The emulator's EnOS platform treated as exposed: MQTT.js as a hostile or careless device
// (other devices' topics, wildcards, malformed requests, mode 3 after activation) and raw HTTP
// against the API gateway (bad signatures, unknown tokens, oversize bodies, junk).
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnosPlatform, type EnosPlatform, type EnosPlatformEvent } from '@linkwire/emulator';
import { enosApimHeaders, enosMqttCredentials } from '@linkwire/sign';

const pk = 'pkPlat001';
let platform: EnosPlatform;
const events: EnosPlatformEvent[] = [];

beforeAll(async () => {
  platform = await startEnosPlatform({
    products: [{ productKey: pk, productSecret: 'ps' }],
    devices: [{ productKey: pk, deviceKey: 'alice001', deviceSecret: 'a' }, { productKey: pk, deviceKey: 'bob00001', deviceSecret: 'b' }],
    http: true, apps: [{ appKey: 'k', appSecret: 's' }],
    onEvent: (e) => events.push(e),
  });
});
afterAll(() => platform.close());

async function device(deviceKey: string, secret: string, mode: 2 | 3 = 2) {
  const c = enosMqttCredentials({ productKey: pk, deviceKey, timestamp: Date.now(), secureMode: mode, ...(mode === 2 ? { deviceSecret: secret } : { productSecret: secret }) });
  const client = mqtt.connect(`mqtt://127.0.0.1:${platform.port}`, { clientId: c.clientId, username: c.username, password: c.password, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  return client;
}
const replyOn = (client: mqtt.MqttClient, topic: string): Promise<Record<string, unknown>> =>
  new Promise((resolve) => client.on('message', (t, p) => t === topic && resolve(JSON.parse(p.toString()) as Record<string, unknown>)));

describe('MQTT side', () => {
  it('a device may not subscribe to another device or to wildcards across devices', async () => {
    const alice = await device('alice001', 'a');
    const granted: number[] = [];
    for (const f of [`/sys/${pk}/bob00001/thing/service/+`, '/sys/+/+/thing/service/+', `/sys/${pk}/+/thing/service/+`, '#', `/sys/${pk}/alice001/thing/service/+`]) {
      granted.push(await alice.subscribeAsync(f).then((g) => g[0]!.qos, () => 128));
    }
    expect(granted).toEqual([128, 128, 128, 128, 0]);
    expect(events.filter((e) => e.type === 'denied' && e.action === 'subscribe')).toHaveLength(4);
    await alice.endAsync();
  });

  it("a device's publish on another device's topic is refused and changes nothing", async () => {
    const alice = await device('alice001', 'a');
    alice.on('error', () => {});
    alice.publish(`/sys/${pk}/bob00001/thing/measurepoint/post`, '{"id":"1","version":"1.0","params":{"measurepoints":{"x":1}},"method":"thing.measurepoint.post"}', { qos: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(platform.device(pk, 'bob00001')!.measurepoints.size).toBe(0);
    expect(events.some((e) => e.type === 'denied' && e.action === 'publish')).toBe(true);
    alice.end(true);
  });

  it('malformed requests are answered with EnOS codes: 1220 format, 1260 method mismatch, 1251 empty', async () => {
    const alice = await device('alice001', 'a');
    const topic = `/sys/${pk}/alice001/thing/measurepoint/post`;
    await alice.subscribeAsync(`${topic}_reply`);
    const cases: [string, number][] = [
      ['{"id":"5","version":"1.0","params":', 1220],
      ['{"id":"6","version":"1.0","params":{"measurepoints":{}},"method":"thing.event.x.post"}', 1260],
      ['{"id":"7","version":"1.0","params":{"measurepoints":"nope"},"method":"thing.measurepoint.post"}', 1220],
      ['', 1251],
    ];
    for (const [payload, code] of cases) {
      const reply = replyOn(alice, `${topic}_reply`);
      alice.publish(topic, payload);
      expect((await reply)['code']).toBe(code);
    }
    await alice.endAsync();
  });

  it('an activated device cannot use mode 3 again, and a wrong secret is refused (CONNACK 4/5)', async () => {
    await expect(device('alice001', 'ps', 3)).rejects.toThrow();
    await expect(device('alice001', 'wrong')).rejects.toThrow();
    expect(events.filter((e) => e.type === 'refused').length).toBeGreaterThanOrEqual(2);
  });
});

describe('HTTP side (API gateway)', () => {
  const base = (): string => `http://127.0.0.1:${platform.httpPort}`;
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(base() + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it('refuses bad token requests, unsigned and wrongly signed calls, unknown tokens, oversize bodies', async () => {
    expect((await post('/apim-token-service/v2.0/token/get', '{"appKey":"k","encryption":"00","timestamp":1}')).json['status']).toBe(401);
    expect((await post('/apim-token-service/v2.0/token/get', 'junk')).json['status']).toBe(401);
    const path = '/connect-service/v2.1/commands?action=invokeService&orgId=o&assetId=a&serviceId=s';
    expect((await post(path, '{"inputData":{}}')).status).toBe(401);
    const forged = enosApimHeaders({ accessToken: 'made-up', appSecret: 's', timestamp: Date.now(), query: path.split('?')[1]!, body: '{"inputData":{}}' });
    expect((await post(path, '{"inputData":{}}', forged)).status).toBe(401);
    expect((await post('/nothing', '{}')).status).toBe(404);
    const big = await fetch(`${base()}/apim-token-service/v2.0/token/get`, { method: 'POST', body: 'x'.repeat(200_000) }).then((r) => r.status, () => 413);
    expect(big).toBe(413);
  });
});
