// Identity and the other transports against the emulator's HTTP and CoAP endpoints: dynamic
// registration over HTTPS into a secret store, the MQTT-over-HTTPS token flow, the HTTPS
// transport with a token that expires (by the clock and by the platform's fault injection), CoAP in AES mode through the node adapter's UDP socket;
// and registration over MQTT against an aedes broker that answers as the platform does.
import net from 'node:net';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpsDevice, registerDevice, registerDeviceOverMqtt, storedSecret, tokenCredentials, type DeviceClient, type FetchLike } from '@linkwire/device';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import { createNodeDeviceClient, createNodeHttpsDevice, nodeClock, nodeDialer, nodeRandom, openNodeCoapDevice, registerNodeHash } from '@linkwire/node';
import { mqttRegistrationReply, parseMqttClientId, verifyMqttRegistration } from '@linkwire/sign';

registerNodeHash();
const product = { productKey: 'a1RegProd01', productSecret: 'product-secret-1' };
const device = { productKey: 'a1TransPk01', deviceName: 'trans-dev-1', deviceSecret: 'trans-secret-1' };
const fetchLike: FetchLike = (url, init) => fetch(url, init as RequestInit) as never;

describe('identity and transports against the emulator', () => {
  let platform: Emulator;
  let now = Date.now();
  const messages: string[] = [];
  beforeAll(async () => {
    platform = await startEmulator({
      // reg-dev-1 is pre-registered (no secret yet): the platform gives a secret only to those.
      devices: [device, { productKey: product.productKey, deviceName: 'reg-dev-1' }], products: [product], http: true, coap: 'aes', now: () => now,
      onEvent: (e) => e.type === 'request' && messages.push(`${e.topic} ${e.payload}`),
    });
  });
  afterAll(() => platform.close());
  const base = (): string => `http://127.0.0.1:${platform.httpPort}`;

  it('registers over HTTPS, keeps the secret in the store, and connects with it', async () => {
    let kept: string | undefined;
    const store = { load: () => kept, save: (s: string) => void (kept = s) };
    const register = (): Promise<string> => registerDevice({ productKey: product.productKey, deviceName: 'reg-dev-1', productSecret: product.productSecret, fetch: fetchLike, random: nodeRandom, baseUrl: base() });
    const secret = await storedSecret(store, register);
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    expect(kept).toBe(secret);
    expect(await storedSecret(store, () => Promise.reject(new Error('must not register twice')))).toBe(secret);
    const d = createNodeDeviceClient({ productKey: product.productKey, deviceName: 'reg-dev-1', deviceSecret: secret, endpoint: { host: platform.host, port: platform.port } });
    try {
      await d.connect();
      expect((await d.postProperties({ On: 1 })).code).toBe(200);
    } finally {
      await d.end();
    }
    await expect(registerDevice({ productKey: product.productKey, deviceName: 'reg-dev-2', productSecret: 'wrong', fetch: fetchLike, random: nodeRandom, baseUrl: base() }))
      .rejects.toMatchObject({ code: 'registration_refused' });
  });

  it('connects with the MQTT-over-HTTPS token flow, a fresh token per attempt', async () => {
    let asked = 0;
    const creds = tokenCredentials({ ...device, clock: nodeClock, fetch: (u, i) => (asked++, fetchLike(u, i)), baseUrl: base() });
    const d: DeviceClient = createNodeDeviceClient({ ...device, credentials: creds, endpoint: { host: platform.host, port: platform.port } });
    try {
      await d.connect();
      expect(asked).toBe(1);
      expect((await d.postProperties({ On: 2 })).code).toBe(200);
    } finally {
      await d.end();
    }
  });

  it('HTTPS transport: auth, POST /topic, a new token when the old one expired', async () => {
    const clock = { now: () => now, setTimer: nodeClock.setTimer };
    const d = createHttpsDevice({ ...device, clock, random: nodeRandom, fetch: fetchLike, baseUrl: base() });
    const first = await d.postProperties({ Temperature: 20 });
    expect(first.messageId).toMatch(/^\d+$/);
    const token = d.token;
    now += 49 * 3600_000; // past the 48 h token lifetime
    const second = await d.postEvent('alarm', { level: 1 });
    expect(second.messageId).toMatch(/^\d+$/);
    expect(d.token).not.toBe(token);
    await expect.poll(() => platform.device(device.productKey, device.deviceName)?.properties['Temperature']?.value).toBe(20);
    await expect.poll(() => messages.some((m) => m.startsWith(`/sys/${device.productKey}/${device.deviceName}/thing/event/alarm/post `))).toBe(true);
    now = Date.now();
    // Expired by the platform before its time (emulator.faults.expireTokens): 20001 on the next
    // POST (seed §3.4 Table 3-11), a new /auth, the message sent again, once.
    const third = d.token;
    expect(platform.faults.expireTokens({ productKey: device.productKey, deviceName: device.deviceName })).toBeGreaterThanOrEqual(1);
    expect((await d.postProperties({ Temperature: 21 })).messageId).toMatch(/^\d+$/);
    expect(d.token).not.toBe(third);
    await expect.poll(() => platform.device(device.productKey, device.deviceName)?.properties['Temperature']?.value).toBe(21);
    // The node adapter's one-liner, with a wrong secret: refused, typed.
    const wrong = createNodeHttpsDevice({ ...device, deviceSecret: 'nope', baseUrl: base() });
    await expect(wrong.postProperties({ Temperature: 1 })).rejects.toMatchObject({ code: 'auth_refused', replyCode: 20000 });
  });

  it('CoAP in AES mode through the node adapter: property post reaches the platform', async () => {
    const d = await openNodeCoapDevice({ ...device, host: '127.0.0.1', port: platform.coapPort!, mode: 'aes' });
    try {
      const r = await d.postProperties({ Temperature: 22.5 });
      expect(r.messageId).toBeDefined();
      await expect.poll(() => messages.some((m) => m.includes('thing/event/property/post') && m.includes('22.5'))).toBe(true);
    } finally {
      await d.close();
    }
  });
});

describe('registration over MQTT', () => {
  let broker: Aedes;
  let server: net.Server;
  let port = 0;
  const issued = new Map<string, string>();
  beforeAll(async () => {
    // A broker that answers registrations as the platform does: CONNECT signed with the product
    // secret, then one message on /ext/register (or /ext/regnwl) to that client.
    broker = await Aedes.createBroker({
      authenticate(client, username, password, done) {
        const v = verifyMqttRegistration(client.id, username ?? '', password?.toString() ?? '', (pk) => (pk === product.productKey ? product.productSecret : undefined));
        if (!v.ok) return done(Object.assign(new Error('refused'), { returnCode: 4 }) as never, null);
        issued.set(client.id, v.deviceName);
        done(null, true);
      },
    });
    broker.on('clientReady', (client) => {
      const mode = parseMqttClientId(client.id)?.params['authType'];
      const dn = issued.get(client.id)!;
      const reply = mqttRegistrationReply(mode === 'regnwl'
        ? { mode: 'regnwl', clientId: `c-${dn}`, productKey: product.productKey, deviceName: dn, deviceToken: `token-${dn}` }
        : { mode: 'register', deviceSecret: `secret-${dn}` });
      client.publish({ cmd: 'publish', topic: reply.topic, payload: Buffer.from(reply.payload), qos: 0, retain: false, dup: false, messageId: 0 } as never, () => undefined);
    });
    server = net.createServer((s) => broker.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  });

  it.each(['register', 'regnwl'] as const)('%s: the broker answers with one message and the connection ends', async (mode) => {
    const reply = await registerDeviceOverMqtt({
      productKey: product.productKey, deviceName: `mqtt-reg-${mode}`, productSecret: product.productSecret, mode,
      clock: nodeClock, random: nodeRandom, dial: nodeDialer, endpoint: { host: '127.0.0.1', port }, transport: 'tcp',
    });
    expect(reply).toEqual(mode === 'register'
      ? { mode, deviceSecret: `secret-mqtt-reg-${mode}` }
      : { mode, clientId: `c-mqtt-reg-${mode}`, productKey: product.productKey, deviceName: `mqtt-reg-${mode}`, deviceToken: `token-mqtt-reg-${mode}` });
  });

  it('a wrong product secret is refused (CONNACK 4), not retried', async () => {
    await expect(registerDeviceOverMqtt({
      productKey: product.productKey, deviceName: 'xyz-1', productSecret: 'wrong',
      clock: nodeClock, random: nodeRandom, dial: nodeDialer, endpoint: { host: '127.0.0.1', port }, transport: 'tcp',
    })).rejects.toMatchObject({ returnCode: 4 });
  });
});
